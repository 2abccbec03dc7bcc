/*
 * The VMM API's core: the instance's state (Not started -> Running <-> Paused), GET /,
 * PUT /actions, PATCH /vm, the route table and the Firecracker-style error body.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>

#include "api/vmm_api_internal.h"
#include "cli/commands.h"
#include "kvm/nested.h"

const char *vmm_state__name(enum vmm_state s)
{
	switch (s) {
	case VMM_RUNNING:
		return "Running";
	case VMM_PAUSED:
		return "Paused";
	default:
		return "Not started";
	}
}

enum vmm_state vmm_api__state(struct vmm_api *api)
{
	enum vmm_state s;

	pthread_mutex_lock(&api->lock);
	s = api->state;
	pthread_mutex_unlock(&api->lock);
	return s;
}

static void get_instance(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct vmm_api *api = ctx;
	json_t *o;

	pthread_mutex_lock(&api->lock);
	o = json_pack("{s:s, s:s, s:s, s:s}", "id", api->cfg.name, "state",
		      vmm_state__name(api->state), "vmm_version", NESTVISOR_VERSION, "app_name",
		      "nestvisor");
	pthread_mutex_unlock(&api->lock);
	reply__json(resp, o);
}

static void instance_start(struct vmm_api *api, struct http_response *resp)
{
	char err[VMM_API_ERR_MAX], msg[VMM_API_ERR_MAX + 64];
	struct vm_config cfg;

	if (api->state != VMM_NOT_STARTED) {
		reply__fault(resp, 400, MSG_AFTER_START);
		return;
	}
	if (vmm_api__build_config(api, &cfg, err, sizeof(err)) ||
	    api->ops->start(api->opaque, &cfg, err, sizeof(err))) {
		snprintf(msg, sizeof(msg), "Cannot start the microVM: %s", err);
		reply__fault(resp, 400, msg);
		return;
	}
	api->state = VMM_RUNNING;
	reply__no_content(resp);
}

/* The machine's ops, for calls that need a started VM. */
static void running_op(struct vmm_api *api, int (*op)(void *, char *, size_t),
		       enum vmm_state after, struct http_response *resp)
{
	char err[VMM_API_ERR_MAX];

	if (api->state == VMM_NOT_STARTED) {
		reply__fault(resp, 400, MSG_BEFORE_START);
		return;
	}
	if (op(api->opaque, err, sizeof(err))) {
		reply__fault(resp, 400, err);
		return;
	}
	api->state = after;
	reply__no_content(resp);
}

static void do_action(struct vmm_api *api, const char *type, struct http_response *resp)
{
	char err[VMM_API_ERR_MAX];

	if (!strcmp(type, "InstanceStart")) {
		instance_start(api, resp);
	} else if (!strcmp(type, "SendCtrlAltDel")) {
		running_op(api, api->ops->ctrl_alt_del, api->state, resp);
	} else if (!strcmp(type, "FlushMetrics")) {
		reply__fault(resp, 400, "FlushMetrics: nestvisor has no metrics system.");
	} else {
		set_err(err, sizeof(err), EINVAL,
			"An error occurred when deserializing the json body of a request: unknown "
			"variant `%.64s`, expected one of `FlushMetrics`, `InstanceStart`, "
			"`SendCtrlAltDel`.", type);
		reply__fault(resp, 400, err);
	}
}

static void put_actions(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const char *const fields[] = { "action_type", NULL };
	struct vmm_api *api = ctx;
	char err[VMM_API_ERR_MAX];
	const char *type = NULL;
	json_t *o;
	int ret;

	pthread_mutex_lock(&api->lock);
	ret = body__parse("PUT", req, fields, &o, err, sizeof(err));
	if (!ret) {
		ret = body__string(o, "action_type", &type, err, sizeof(err));
		if (ret == 1)
			ret = body__missing("action_type", err, sizeof(err));
	}
	if (ret)
		reply__fault(resp, 400, err);
	else
		do_action(api, type, resp);
	json_decref(o);
	pthread_mutex_unlock(&api->lock);
}

static void set_vm_state(struct vmm_api *api, const char *state, struct http_response *resp)
{
	char err[VMM_API_ERR_MAX];

	if (!strcmp(state, "Paused")) {
		running_op(api, api->ops->pause, VMM_PAUSED, resp);
	} else if (!strcmp(state, "Resumed")) {
		running_op(api, api->ops->resume, VMM_RUNNING, resp);
	} else {
		set_err(err, sizeof(err), EINVAL,
			"An error occurred when deserializing the json body of a request: unknown "
			"variant `%.64s`, expected `Paused` or `Resumed`.", state);
		reply__fault(resp, 400, err);
	}
}

static void patch_vm(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const char *const fields[] = { "state", NULL };
	struct vmm_api *api = ctx;
	char err[VMM_API_ERR_MAX];
	const char *state = NULL;
	json_t *o;
	int ret;

	pthread_mutex_lock(&api->lock);
	ret = body__parse("PATCH", req, fields, &o, err, sizeof(err));
	if (!ret) {
		ret = body__string(o, "state", &state, err, sizeof(err));
		if (ret == 1)
			ret = body__missing("state", err, sizeof(err));
	}
	if (ret)
		reply__fault(resp, 400, err);
	else
		set_vm_state(api, state, resp);
	json_decref(o);
	pthread_mutex_unlock(&api->lock);
}

static const struct http_route routes[] = {
	{ "GET", "/", get_instance },
	{ "PUT", "/actions", put_actions },
	{ "PUT", "/boot-source", put_boot_source },
	{ "GET", "/machine-config", get_machine_config },
	{ "PUT", "/machine-config", put_machine_config },
	{ "PATCH", "/machine-config", patch_machine_config },
	{ "PUT", "/drives/{}", put_drive },
	{ "PATCH", "/drives/{}", patch_drive },
	{ "PUT", "/network-interfaces/{}", put_iface },
	{ "PATCH", "/network-interfaces/{}", patch_iface },
	{ "PUT", "/entropy", put_entropy },
	{ "PUT", "/logger", put_logger },
	{ "PATCH", "/vm", patch_vm },
	{ "GET", "/vm/config", get_vm_config },
};

const struct http_route *vmm_api__routes(size_t *n)
{
	*n = ARRAY_SIZE(routes);
	return routes;
}

char *vmm_api__error_body(int status, const char *message)
{
	json_t *o = json_pack("{s:s}", "fault_message", message);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return s;
}

void vmm_api__dispatch(struct vmm_api *api, const char *method, const char *path,
		       const char *body, struct http_response *resp)
{
	struct http_request req = { .method = method, .path = path, .query = "",
				    .body = body ? body : "", .body_len = body ? strlen(body) : 0 };
	const struct http_route *route;
	char scratch[1024];
	int st;

	memset(resp, 0, sizeof(*resp));
	st = http__route_match(routes, ARRAY_SIZE(routes), method, path, &route, req.params,
			       &req.nparams, scratch, sizeof(scratch));
	if (st)
		reply__fault(resp, st, st == 404 ? "no such resource" :
			     "this method is not allowed on this resource");
	else
		route->handler(&req, resp, api);
	if (!resp->content_type && resp->status >= 400) {
		char *formatted = vmm_api__error_body(resp->status, resp->body ? resp->body : "");

		free(resp->body);
		resp->body = formatted;
		resp->body_len = formatted ? strlen(formatted) : 0;
		resp->content_type = "application/json";
	}
}

void vmm_api__host_limits(const char *kvm_path, struct vmm_api_limits *out)
{
	struct nested_facts facts;
	struct sysinfo si;

	memset(out, 0, sizeof(*out));
	nested__gather(&facts, NULL, kvm_path, "");
	out->max_vcpus = facts.max_vcpus && facts.max_vcpus < VM_MAX_CPUS ? facts.max_vcpus :
									       VM_MAX_CPUS;
	out->nested_ok = nested__available(&facts, out->nested_reason, sizeof(out->nested_reason));
	out->host_mib = sysinfo(&si) ? 1ULL << 20 : (u64)si.totalram * si.mem_unit / MiB;
}
