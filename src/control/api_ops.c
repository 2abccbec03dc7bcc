/* REST handlers for operations, machine types and the API's root. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control/api.h"
#include "control/machine_types.h"
#include "control/store.h"

/*
 * Who may read an operation: viewers of its project; for one outside projects (organizations,
 * folders, projects, policies, IAM), viewers of the resource its target names. One whose
 * resource is gone (a delete) is for root and the daemon's user.
 */
static int op_authorize(struct api_ctx *c, const struct http_request *req,
			const struct store_op *op, struct http_response *resp)
{
	static const char *const perms[] = { "resourcemanager.organizations.get",
					     "resourcemanager.folders.get",
					     "resourcemanager.projects.get" };
	char name[STORE_NAME_LEN] = "";
	s64 id = 0;

	if (op->project_id)
		return api__authorize(c, req, RES_PROJECT, op->project_id,
				      "compute.operations.get", resp);
	for (int k = 0; k < 3; k++) {
		const char *coll = store__collection((enum resource_kind)k);
		size_t n = strlen(coll);

		if (strncmp(op->target, coll, n) || op->target[n] != '/')
			continue;
		n++;
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(op->target + n, "/"),
			 op->target + n);
		if (!api__resolve(c->st, (enum resource_kind)k, name, &id, NULL, 0))
			return api__authorize(c, req, (enum resource_kind)k, id, perms[k], resp);
	}
	return api__authorize(c, req, RES_ORGANIZATION, 0, "resourcemanager.organizations.create",
			      resp);
}

void api_op_get(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_ctx *c = ctx;
	struct store_op op;
	char err[256];
	int ret = store__op_get(c->st, req->params[req->nparams - 1], &op, err, sizeof(err));

	if (ret)
		api__fail(resp, ret, err);
	else if (!op_authorize(c, req, &op, resp))
		api__json(resp, 200, api__op_json(&op));
}

/* The same, but only if the operation belongs to the project in the path. */
void api_op_get_in_project(const struct http_request *req, struct http_response *resp,
			   void *ctx)
{
	struct api_ctx *c = ctx;
	struct store_project p;
	struct store_op op;
	char err[256];
	int ret;

	if (api__project_of(c, req, "compute.operations.get", &p, resp))
		return;
	ret = store__op_get(c->st, req->params[1], &op, err, sizeof(err));

	if (!ret && op.project_id != p.id)
		ret = set_err(err, sizeof(err), ENOENT, "operation '%s' was not found in project "
			      "'%s'", req->params[1], p.name);
	if (ret)
		api__fail(resp, ret, err);
	else
		api__json(resp, 200, api__op_json(&op));
}

static int add_op(const struct store_op *op, void *arg)
{
	return json_array_append_new(arg, api__op_json(op));
}

void api_op_list(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_ctx *c = ctx;
	struct store_project p;
	json_t *items;
	char err[256];
	int ret;

	if (api__project_of(c, req, "compute.operations.list", &p, resp))
		return;
	items = json_array();
	ret = store__op_list(c->st, p.id, add_op, items, err, sizeof(err));
	if (ret) {
		json_decref(items);
		api__fail(resp, ret, err);
		return;
	}
	api__json(resp, 200, json_pack("{s:o}", "items", items));
}

void api_machine_types(const struct http_request *req, struct http_response *resp, void *ctx)
{
	json_t *items = json_array();

	for (size_t i = 0; i < machine_types__count(); i++) {
		const struct machine_type *m = machine_types__at(i);

		json_array_append_new(items, json_pack("{s:s,s:i,s:i,s:b,s:b,s:s}", "name", m->name,
						       "guestCpus", m->vcpus, "memoryMb",
						       m->memory_mb, "isSharedCpu", m->shared_core,
						       "supportsNestedVirtualization", m->nested_ok,
						       "description", m->description));
	}
	api__json(resp, 200, json_pack("{s:o,s:s}", "items", items, "custom",
				       "custom-CPUS-MEMORYMB: 1-64 vCPUs, 256-8192 MB per vCPU in "
				       "steps of 256 MB; supports nested virtualization"));
}

void api_root(const struct http_request *req, struct http_response *resp, void *ctx)
{
	api__json(resp, 200, json_pack("{s:s,s:s,s:i}", "service", "nestvisor control plane",
				       "apiVersion", "v1", "schemaVersion",
				       store__schema_version(((struct api_ctx *)ctx)->st)));
}
