/*
 * Configuring a VMM through its Firecracker-style API: boot source from the image, machine
 * config from the machine type and the nested switch, drives, network interfaces, then
 * InstanceStart. The daemon never touches KVM itself.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "api/http_client.h"
#include "control/sv_internal.h"
#include "util/log.h"
#include "vmm/cgroup.h"

#define CALL_TIMEOUT_MS 5000
#define START_TIMEOUT_MS 60000

/* One call; 0 on a 2xx reply, else -EINVAL (refused: err has its fault_message) or -errno. */
static int call(const char *sock, const char *method, const char *path, json_t *body,
		int timeout_ms, char *err, size_t errlen)
{
	struct http_client_response r = { 0 };
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_t *reply;
	int ret;

	json_decref(body);
	ret = http_client__request(sock, method, path, text, timeout_ms, &r, err, errlen);
	free(text);
	if (ret)
		return ret;
	if (r.status < 200 || r.status > 299) {
		reply = json_loads(r.body ? r.body : "", 0, NULL);
		ret = set_err(err, errlen, EINVAL, "the VMM refused %s %s (HTTP %d): %s", method,
			      path, r.status, json_string_value(json_object_get(reply,
			      "fault_message")) ?: "no reason given");
		json_decref(reply);
	}
	http_client__response_free(&r);
	return ret;
}

static const char *cmdline(const struct sv_boot *b)
{
	for (int i = 0; i < b->in->nmeta; i++)
		if (!strcmp(b->in->meta[i].key, SV_CMDLINE_KEY))
			return b->in->meta[i].value;
	return b->img->initrd[0] ? SV_LINUX_CMDLINE : "";
}

static int boot_source(const char *sock, const struct sv_boot *b, char *err, size_t errlen)
{
	json_t *body = json_pack("{s:s,s:s}", "kernel_image_path", b->img->kernel, "boot_args",
				 cmdline(b));

	if (b->img->initrd[0])
		json_object_set_new(body, "initrd_path", json_string(b->img->initrd));
	return call(sock, "PUT", "/boot-source", body, CALL_TIMEOUT_MS, err, errlen);
}

static int machine(const char *sock, const struct sv_boot *b, char *err, size_t errlen)
{
	return call(sock, "PUT", "/machine-config",
		    json_pack("{s:i,s:i,s:b}", "vcpu_count", (int)b->mt->vcpus, "mem_size_mib",
			      (int)b->mt->memory_mb, "nested_virtualization", b->in->nested),
		    CALL_TIMEOUT_MS, err, errlen);
}

/* The VMM's pid from SV_PID beside its socket; 0 when unknown. */
static pid_t vmm_pid(const char *sock)
{
	char path[PATH_MAX + 16];
	const char *slash = strrchr(sock, '/');
	long pid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%.*s/" SV_PID, slash ? (int)(slash - sock) : 1,
		 slash ? sock : ".");
	f = fopen(path, "re");
	if (f && fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	if (f)
		fclose(f);
	return pid > 1 ? (pid_t)pid : 0;
}

/*
 * A jailed VMM (the daemon runs as root) sits in the cgroup NAME-PID its jail made, with no
 * limits yet: its size comes from the machine type, sent just before. A failure only warns,
 * as `nestvisor run --jail` does.
 */
static void limits(const char *sock, const struct sv_boot *b)
{
	char leaf[CGROUP_LEAF_MAX], err[PATH_MAX + 128];
	pid_t pid = geteuid() == 0 ? vmm_pid(sock) : 0;
	struct cgroup cg;

	if (!pid)
		return;
	cgroup__leaf(b->in->name, (int)pid, leaf, sizeof(leaf));
	if (cgroup__find(&cg, leaf, err, sizeof(err)) ||
	    cgroup__set_limits(&cg, (u32)b->mt->vcpus * 100,
			       (u64)b->mt->memory_mb + CGROUP_OVERHEAD_MIB, err, sizeof(err)))
		pr_warn("supervisor: instance %s: %s", b->in->name, err);
}

/*
 * What the VMM opens: path, or for a jailed VMM "/dev/fd/N", the descriptor sv_proc.c opened
 * from it and passed (the i-th, in the order below: image disk, disks, NICs).
 */
static const char *source(const char *path, int i, char *buf, size_t len)
{
	if (!sv_proc__passes_fds())
		return path;
	snprintf(buf, len, "/dev/fd/%d", SV_PASSED_FD(i));
	return buf;
}

/* Drive ids are the API's charset: diskN. The image's own disk comes first, as the root. */
static int drives(const char *sock, const struct sv_boot *b, char *err, size_t errlen)
{
	char path[32], id[16], fd[24];
	int ret = 0, n = 0, img = !!b->img->disk[0];

	if (img) {
		ret = call(sock, "PUT", "/drives/image", json_pack("{s:s,s:s,s:b,s:b}", "drive_id",
			   "image", "path_on_host", source(b->img->disk, 0, fd, sizeof(fd)),
			   "is_root_device", 1, "is_read_only", 1), CALL_TIMEOUT_MS, err, errlen);
		n++;
	}
	for (int i = 0; !ret && i < b->in->ndisks; i++) {
		const struct store_disk *d = &b->in->disks[i];

		snprintf(id, sizeof(id), "disk%d", i);
		snprintf(path, sizeof(path), "/drives/%s", id);
		ret = call(sock, "PUT", path, json_pack("{s:s,s:s,s:b,s:b}", "drive_id", id,
			   "path_on_host", source(d->source, img + i, fd, sizeof(fd)),
			   "is_root_device", d->boot && !n,
			   "is_read_only", d->read_only), CALL_TIMEOUT_MS, err, errlen);
		n += d->boot;
	}
	return ret;
}

static int nics(const char *sock, const struct sv_boot *b, char *err, size_t errlen)
{
	char path[48], id[16], fd[24];
	int ret = 0, first = !!b->img->disk[0] + b->in->ndisks;

	for (int i = 0; !ret && i < b->in->nnics; i++) {
		const struct store_nic *nic = &b->in->nics[i];
		json_t *body;

		snprintf(id, sizeof(id), "net%d", i);
		snprintf(path, sizeof(path), "/network-interfaces/%s", id);
		body = json_pack("{s:s,s:s}", "iface_id", id, "host_dev_name",
				 source(nic->host_dev, first + i, fd, sizeof(fd)));
		if (nic->mac[0])
			json_object_set_new(body, "guest_mac", json_string(nic->mac));
		ret = call(sock, "PUT", path, body, CALL_TIMEOUT_MS, err, errlen);
	}
	return ret;
}

int sv_config__boot(const char *sock, const struct sv_boot *b, char *err, size_t errlen)
{
	int ret = boot_source(sock, b, err, errlen) ?: machine(sock, b, err, errlen) ?:
		  drives(sock, b, err, errlen) ?: nics(sock, b, err, errlen);

	if (ret)
		return ret;
	limits(sock, b);
	return call(sock, "PUT", "/actions", json_pack("{s:s}", "action_type", "InstanceStart"),
		    START_TIMEOUT_MS, err, errlen);
}

int sv_config__state(const char *sock, char *state, size_t len, int timeout_ms)
{
	struct http_client_response r = { 0 };
	json_t *reply;
	int ret = http_client__request(sock, "GET", "/", NULL, timeout_ms, &r, NULL, 0);

	if (ret)
		return ret;
	reply = r.status == 200 ? json_loads(r.body ? r.body : "", 0, NULL) : NULL;
	ret = json_is_string(json_object_get(reply, "state")) ? 0 : -EPROTO;
	if (!ret)
		snprintf(state, len, "%s", json_string_value(json_object_get(reply, "state")));
	json_decref(reply);
	http_client__response_free(&r);
	return ret;
}

int sv_config__power_button(const char *sock)
{
	return call(sock, "PUT", "/actions", json_pack("{s:s}", "action_type", "SendCtrlAltDel"),
		    CALL_TIMEOUT_MS, NULL, 0);
}
