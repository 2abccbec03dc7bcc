/*
 * The VMM API's pre-boot configuration: boot source, machine config (with our
 * nested_virtualization extension), logger and entropy; GET /vm/config; and the vm_config
 * that InstanceStart boots.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/vmm_api_internal.h"
#include "boot/layout.h"
#include "util/log.h"

/* Room kept in the command line for the root= words a root drive adds. */
#define ROOT_ARGS_MAX 128

static int set_string(char **slot, const char *value)
{
	char *copy = value ? strdup(value) : NULL;

	if (value && !copy)
		return -ENOMEM;
	free(*slot);
	*slot = copy;
	return 0;
}

/* Turns the flags' disks and NICs into API resources, so GET /vm/config shows them. */
static void import_devices(struct vmm_api *api, const struct vm_config *initial)
{
	for (unsigned i = 0; i < initial->ndisks; i++) {
		struct vmm_api_drive *d = &api->drives[api->ndrives++];
		char err[128];

		d->opt = initial->disks[i];
		if (d->opt.id[0] && !api_id__check(d->opt.id, err, sizeof(err)))
			memcpy(d->id, d->opt.id, strlen(d->opt.id) + 1);
		else
			snprintf(d->id, sizeof(d->id), "drive%u", i);
	}
	for (unsigned i = 0; i < initial->nnets; i++) {
		struct vmm_api_iface *f = &api->ifaces[api->nifaces++];

		f->opt = initial->nets[i];
		snprintf(f->id, sizeof(f->id), "net%u", i);
	}
}

int vmm_api__new(struct vmm_api **out, const struct vm_config *initial, bool started,
		 const struct vmm_api_ops *ops, void *opaque, const struct vmm_api_limits *limits,
		 char *err, size_t errlen)
{
	struct vmm_api *api = calloc(1, sizeof(*api));

	if (!api)
		return set_err(err, errlen, ENOMEM, "out of memory");
	pthread_mutex_init(&api->lock, NULL);
	api->state = started ? VMM_RUNNING : VMM_NOT_STARTED;
	api->ops = ops;
	api->opaque = opaque;
	api->limits = *limits;
	api->cfg = *initial;
	api->cfg.ndisks = api->cfg.nnets = 0;	/* kept as drives and ifaces instead */
	if (set_string(&api->kernel, initial->kernel_path) ||
	    set_string(&api->initrd, initial->initrd_path) ||
	    set_string(&api->boot_args, initial->cmdline)) {
		vmm_api__free(api);
		return set_err(err, errlen, ENOMEM, "out of memory");
	}
	import_devices(api, initial);
	*out = api;
	return 0;
}

void vmm_api__free(struct vmm_api *api)
{
	if (!api)
		return;
	free(api->kernel);
	free(api->initrd);
	free(api->boot_args);
	free(api->cmdline);
	pthread_mutex_destroy(&api->lock);
	free(api);
}

/* Firecracker's rule: the root drive is /dev/vda, and the command line says so. */
static int build_cmdline(struct vmm_api *api, const struct vmm_api_drive *root)
{
	const char *args = api->boot_args ? api->boot_args : "";
	char *line = NULL;
	int n;

	if (!root)
		n = asprintf(&line, "%s", args);
	else if (root->partuuid[0])
		n = asprintf(&line, "%s%sroot=PARTUUID=%s %s", args, *args ? " " : "",
			     root->partuuid, root->opt.readonly ? "ro" : "rw");
	else
		n = asprintf(&line, "%s%sroot=/dev/vda %s", args, *args ? " " : "",
			     root->opt.readonly ? "ro" : "rw");
	if (n < 0)
		return -ENOMEM;
	free(api->cmdline);
	api->cmdline = line;
	return 0;
}

int vmm_api__build_config(struct vmm_api *api, struct vm_config *out, char *err, size_t errlen)
{
	const struct vmm_api_drive *root = NULL;

	if (!api->kernel)
		return set_err(err, errlen, EINVAL,
			       "no kernel: configure the boot source first (PUT /boot-source).");
	*out = api->cfg;
	out->kernel_path = api->kernel;
	out->initrd_path = api->initrd;
	for (unsigned i = 0; i < api->ndrives; i++)
		if (api->drives[i].root)
			root = &api->drives[i];
	if (root)
		out->disks[out->ndisks++] = root->opt;
	for (unsigned i = 0; i < api->ndrives; i++)
		if (&api->drives[i] != root)
			out->disks[out->ndisks++] = api->drives[i].opt;
	for (unsigned i = 0; i < api->nifaces; i++)
		out->nets[out->nnets++] = api->ifaces[i].opt;
	if (build_cmdline(api, root))
		return set_err(err, errlen, ENOMEM, "out of memory");
	out->cmdline = api->cmdline;
	return 0;
}

/* Locks, refuses calls after the start, parses the body; the caller replies and unlocks. */
static int pre_boot_body(struct vmm_api *api, const char *method,
			 const struct http_request *req, const char *const *fields, json_t **o,
			 char *err, size_t errlen)
{
	pthread_mutex_lock(&api->lock);
	*o = NULL;
	if (api->state != VMM_NOT_STARTED)
		return set_err(err, errlen, EINVAL, MSG_AFTER_START);
	return body__parse(method, req, fields, o, err, errlen);
}

static int boot_source(struct vmm_api *api, json_t *o, char *err, size_t errlen)
{
	const char *kernel = NULL, *initrd = NULL, *args = NULL;
	int ret;

	ret = body__string(o, "kernel_image_path", &kernel, err, errlen);
	if (ret == 1)
		return body__missing("kernel_image_path", err, errlen);
	if (ret || body__string(o, "initrd_path", &initrd, err, errlen) < 0 ||
	    body__string(o, "boot_args", &args, err, errlen) < 0)
		return -EINVAL;
	ret = api_path__check("kernel_image_path", kernel, false, false, err, errlen);
	if (!ret && initrd)
		ret = api_path__check("initrd_path", initrd, false, false, err, errlen);
	if (ret)
		return ret;
	if (args && strlen(args) > BOOT_CMDLINE_MAX - ROOT_ARGS_MAX)
		return set_err(err, errlen, EINVAL, "boot_args is longer than %llu bytes.",
			       BOOT_CMDLINE_MAX - ROOT_ARGS_MAX);
	if (set_string(&api->kernel, kernel) || set_string(&api->initrd, initrd) ||
	    set_string(&api->boot_args, args ? args : ""))
		return set_err(err, errlen, ENOMEM, "out of memory");
	return 0;
}

void put_boot_source(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const char *const fields[] = { "kernel_image_path", "initrd_path", "boot_args",
					      NULL };
	struct vmm_api *api = ctx;
	char err[VMM_API_ERR_MAX];
	json_t *o;
	int ret = pre_boot_body(api, "PUT", req, fields, &o, err, sizeof(err));

	if (!ret)
		ret = boot_source(api, o, err, sizeof(err));
	reply__finish(api, resp, o, ret, err);
}

/* A machine-config body, checked whole before anything changes. */
struct machine_update {
	bool has_vcpus, has_mem, has_nested;
	u64 vcpus, mem;
	bool nested;
};

/* smt, track_dirty_pages, cpu_template and huge_pages: accepted at their defaults only. */
static int check_fc_only(json_t *o, char *err, size_t errlen)
{
	static const struct {
		const char *name, *why;
	} flags[] = {
		{ "smt", "each vCPU is a core of its own" },
		{ "track_dirty_pages", "there are no snapshots yet" },
	};
	static const char *const names[] = { "cpu_template", "huge_pages" };
	const char *s;
	int ret;

	for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
		bool on = false;

		ret = body__bool(o, flags[i].name, &on, err, errlen);
		if (ret < 0)
			return ret;
		if (on)
			return set_err(err, errlen, ENOTSUP,
				       "%s is not supported by nestvisor: %s.", flags[i].name,
				       flags[i].why);
	}
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		ret = body__string(o, names[i], &s, err, errlen);
		if (ret < 0)
			return ret;
		if (!ret && strcmp(s, "None"))
			return set_err(err, errlen, ENOTSUP, "%s \"%.40s\" is not supported by "
				       "nestvisor: only \"None\".", names[i], s);
	}
	return 0;
}

static int range_checks(const struct vmm_api *api, const struct machine_update *u, char *err,
			size_t errlen)
{
	const struct vmm_api_limits *l = &api->limits;

	if (u->has_vcpus && (u->vcpus < 1 || u->vcpus > l->max_vcpus))
		return set_err(err, errlen, EINVAL, "vcpu_count %llu is out of range: this host "
			       "allows 1 to %u vCPUs.", (unsigned long long)u->vcpus, l->max_vcpus);
	if (u->has_mem && (u->mem < 1 || u->mem > l->host_mib))
		return set_err(err, errlen, EINVAL, "mem_size_mib %llu is out of range: this host "
			       "has %llu MiB.", (unsigned long long)u->mem,
			       (unsigned long long)l->host_mib);
	if (u->has_nested && u->nested && !l->nested_ok)
		return set_err(err, errlen, ENOTSUP, "nested_virtualization: nested virtualization "
			       "unavailable: %s", l->nested_reason);
	return 0;
}

static int machine_update(struct vmm_api *api, json_t *o, bool put, char *err, size_t errlen)
{
	struct machine_update u = { 0 };
	int ret;

	ret = body__uint(o, "vcpu_count", &u.vcpus, err, errlen);
	if (ret < 0 || (ret && put))
		return ret < 0 ? ret : body__missing("vcpu_count", err, errlen);
	u.has_vcpus = !ret;
	ret = body__uint(o, "mem_size_mib", &u.mem, err, errlen);
	if (ret < 0 || (ret && put))
		return ret < 0 ? ret : body__missing("mem_size_mib", err, errlen);
	u.has_mem = !ret;
	ret = body__bool(o, "nested_virtualization", &u.nested, err, errlen);
	if (ret < 0)
		return ret;
	u.has_nested = !ret || put;	/* PUT resets what it does not name */
	ret = check_fc_only(o, err, errlen);
	if (!ret)
		ret = range_checks(api, &u, err, errlen);
	if (ret)
		return ret;
	if (u.has_vcpus)
		api->cfg.ncpus = (unsigned)u.vcpus;
	if (u.has_mem)
		api->cfg.memory_mib = u.mem;
	if (u.has_nested)
		api->cfg.nested = u.nested;
	return 0;
}

static const char *const machine_fields[] = { "vcpu_count", "mem_size_mib", "smt",
					      "track_dirty_pages", "cpu_template", "huge_pages",
					      "nested_virtualization", NULL };

void put_machine_config(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct vmm_api *api = ctx;
	char err[VMM_API_ERR_MAX];
	json_t *o;
	int ret = pre_boot_body(api, "PUT", req, machine_fields, &o, err, sizeof(err));

	if (!ret)
		ret = machine_update(api, o, true, err, sizeof(err));
	reply__finish(api, resp, o, ret, err);
}

void patch_machine_config(const struct http_request *req, struct http_response *resp,
			  void *ctx)
{
	struct vmm_api *api = ctx;
	char err[VMM_API_ERR_MAX];
	json_t *o;
	int ret = pre_boot_body(api, "PATCH", req, machine_fields, &o, err, sizeof(err));

	if (!ret)
		ret = machine_update(api, o, false, err, sizeof(err));
	reply__finish(api, resp, o, ret, err);
}

json_t *machine_config__json(const struct vmm_api *api)
{
	return json_pack("{s:I, s:I, s:b, s:b, s:s, s:b}", "vcpu_count",
			 (json_int_t)api->cfg.ncpus, "mem_size_mib",
			 (json_int_t)api->cfg.memory_mib, "smt", 0, "track_dirty_pages", 0,
			 "huge_pages", "None", "nested_virtualization", api->cfg.nested);
}

void get_machine_config(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct vmm_api *api = ctx;
	json_t *o;

	pthread_mutex_lock(&api->lock);
	o = machine_config__json(api);
	pthread_mutex_unlock(&api->lock);
	reply__json(resp, o);
}

static json_t *boot_source_json(const struct vmm_api *api)
{
	json_t *o = json_pack("{s:s, s:s}", "kernel_image_path", api->kernel, "boot_args",
			      api->boot_args ? api->boot_args : "");

	if (o && api->initrd)
		json_object_set_new(o, "initrd_path", json_string(api->initrd));
	return o;
}

void get_vm_config(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct vmm_api *api = ctx;
	json_t *o;

	pthread_mutex_lock(&api->lock);
	o = json_pack("{s:o, s:o, s:o}", "machine-config", machine_config__json(api), "drives",
		      drives__json(api), "network-interfaces", ifaces__json(api));
	if (o && api->kernel)
		json_object_set_new(o, "boot-source", boot_source_json(api));
	if (o && api->cfg.rng)
		json_object_set_new(o, "entropy", json_object());
	pthread_mutex_unlock(&api->lock);
	reply__json(resp, o);
}

void put_entropy(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const char *const fields[] = { "rate_limiter", NULL };
	struct vmm_api *api = ctx;
	char err[VMM_API_ERR_MAX];
	json_t *o;
	int ret = pre_boot_body(api, "PUT", req, fields, &o, err, sizeof(err));

	if (!ret)
		ret = body__unsupported(o, "rate_limiter", "there are no rate limiters", err,
					sizeof(err));
	if (!ret)
		api->cfg.rng = true;
	reply__finish(api, resp, o, ret, err);
}

/* Firecracker's level names, case-insensitive; Trace is Debug here, Off keeps errors. */
static int parse_level(const char *s, enum log_level *out, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		enum log_level level;
	} levels[] = {
		{ "Error", LOG_ERR }, { "Warning", LOG_WARN }, { "Warn", LOG_WARN },
		{ "Info", LOG_INFO }, { "Debug", LOG_DEBUG }, { "Trace", LOG_DEBUG },
		{ "Off", LOG_ERR },
	};

	for (size_t i = 0; i < ARRAY_SIZE(levels); i++) {
		if (!strcasecmp(s, levels[i].name)) {
			*out = levels[i].level;
			return 0;
		}
	}
	return set_err(err, errlen, EINVAL, "An error occurred when deserializing the json body "
		       "of a request: unknown variant `%.40s`, expected one of `Error`, `Warning`, "
		       "`Info`, `Debug`, `Trace`, `Off`.", s);
}

/*
 * The log goes where log_path says, by replacing stderr: a FIFO is opened read-write so
 * that opening it does not wait for a reader. The file must exist, as with Firecracker.
 */
static int open_log(const char *path, int *fd, char *err, size_t errlen)
{
	struct stat sb;

	if (stat(path, &sb))
		return set_err(err, errlen, errno, "log_path %s: %s.", path, strerror(errno));
	if (S_ISFIFO(sb.st_mode))
		*fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	else if (S_ISREG(sb.st_mode))
		*fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	else
		return set_err(err, errlen, EINVAL, "log_path %s is not a file or a named pipe.",
			       path);
	if (*fd < 0)
		return set_err(err, errlen, errno, "log_path %s: %s.", path, strerror(errno));
	return 0;
}

static int logger(json_t *o, char *err, size_t errlen)
{
	enum log_level level = log_level;
	const char *s = NULL, *path = NULL;
	bool flag;
	int ret, fd = -1;

	if (body__string(o, "module", &s, err, errlen) < 0 ||
	    body__bool(o, "show_level", &flag, err, errlen) < 0 ||
	    body__bool(o, "show_log_origin", &flag, err, errlen) < 0 ||
	    body__string(o, "log_path", &path, err, errlen) < 0)
		return -EINVAL;
	ret = body__string(o, "level", &s, err, errlen);
	if (ret < 0 || (!ret && parse_level(s, &level, err, errlen)))
		return -EINVAL;
	if (path && open_log(path, &fd, err, errlen))
		return -EINVAL;
	if (fd >= 0) {
		if (dup2(fd, STDERR_FILENO) < 0)
			ret = set_err(err, errlen, errno, "log_path %s: %s.", path,
				      strerror(errno));
		close(fd);
		if (ret < 0)
			return ret;
	}
	log_level = level;
	return 0;
}

/* Accepted at any time, as in Firecracker. */
void put_logger(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const char *const fields[] = { "level", "log_path", "show_level",
					      "show_log_origin", "module", NULL };
	struct vmm_api *api = ctx;
	char err[VMM_API_ERR_MAX];
	json_t *o;
	int ret;

	pthread_mutex_lock(&api->lock);
	ret = body__parse("PUT", req, fields, &o, err, sizeof(err));
	if (!ret)
		ret = logger(o, err, sizeof(err));
	reply__finish(api, resp, o, ret, err);
}
