/*
 * REST handlers for instances: POST /v1/projects/P/instances validates the request, runs the
 * creation checks, then stores the instance (PROVISIONING) and its RUNNING operation in one
 * transaction; the runner finishes it. GET (one, list) and DELETE (an operation too).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/api.h"
#include "control/checks.h"
#include "control/instance_parse.h"
#include "control/names.h"
#include "control/runner.h"

static const char *const create_keys[] = {
	"name", "machineType", "image", "advancedMachineFeatures", "minCpuPlatform", "disks",
	"networkInterfaces", "metadata", NULL
};

struct create_req {
	struct store_project p;
	struct store_instance *in;
	struct machine_type mt;
	struct store_image img;
	char warning[STORE_TEXT_LEN];
};

/* The request's own fields: names, machine type, image, platform, nesting, children. */
static int parse(struct api_ctx *c, json_t *b, struct create_req *r, char *err, size_t errlen)
{
	const char *name, *mt, *image, *platform;
	struct store_instance *in = r->in;
	int ret;

	ret = api__str(b, "name", true, &name, err, errlen) ?:
	      api__str(b, "machineType", true, &mt, err, errlen) ?:
	      api__str(b, "image", true, &image, err, errlen) ?:
	      api__str(b, "minCpuPlatform", false, &platform, err, errlen) ?:
	      names__check("instance name", name, err, errlen);
	if (!ret && strlen(platform) >= sizeof(in->min_cpu_platform))
		ret = set_err(err, errlen, EINVAL, "minCpuPlatform is too long");
	/* A taken name is the first thing to say: nothing else matters then. */
	if (!ret && !store__instance_get(c->st, r->p.id, name, in, NULL, 0))
		ret = set_err(err, errlen, EEXIST, "instance '%s' already exists in project '%s'",
			      name, r->p.name);
	if (ret)
		return ret;
	memset(in, 0, sizeof(*in));
	ret = instance_parse__nested(b, &in->nested, err, errlen);
	if (!ret && machine_types__lookup(mt, &r->mt, err, errlen))
		ret = -EINVAL;
	if (!ret)
		ret = store__image_get(c->st, r->p.id, image, &r->img, err, errlen);
	if (ret == -ENOENT)
		set_err(err, errlen, ENOENT, "image '%s' was not found in project '%s' or the "
			"public catalogue", image, r->p.name);
	if (!ret)
		ret = instance_parse__children(b, in, err, errlen);
	if (ret)
		return ret;
	snprintf(in->name, sizeof(in->name), "%s", name);
	snprintf(in->machine_type, sizeof(in->machine_type), "%s", r->mt.name);
	snprintf(in->image, sizeof(in->image), "%s", r->img.name);
	snprintf(in->min_cpu_platform, sizeof(in->min_cpu_platform), "%s", platform);
	in->project_id = r->p.id;
	in->image_id = r->img.id;
	return 0;
}

static int check(struct api_ctx *c, struct create_req *r, char *err, size_t errlen)
{
	struct policy_effective pol = { 0 };
	struct nested_facts facts;
	bool need_host = r->in->nested || r->in->min_cpu_platform[0];
	struct create_check cc = {
		.nested = r->in->nested, .project = r->p.name, .policy = &pol, .mt = &r->mt,
		.image = &r->img, .min_cpu_platform = r->in->min_cpu_platform,
		/* cppcheck-suppress uninitvar ; only its address: nested__gather fills it below */
		.host = need_host ? &facts : NULL,
	};
	int ret = 0;

	if (r->in->nested)
		ret = policy__effective(c->st, RES_PROJECT, r->p.id, CONSTRAINT_DISABLE_NESTED, &pol,
					err, errlen);
	if (ret)
		return ret;
	if (need_host)
		nested__gather(&facts, NULL, c->kvm_path, c->host_root);
	return checks__instance_create(&cc, err, errlen, r->warning, sizeof(r->warning));
}

/* The instance and its operation, together or not at all. */
static json_t *store_both(struct api_ctx *c, struct create_req *r, char *err, size_t errlen,
			  int *ret)
{
	struct store_op op = { .project_id = r->p.id, .status = OP_RUNNING };

	snprintf(op.kind, sizeof(op.kind), "insert");
	snprintf(op.target_kind, sizeof(op.target_kind), "instance");
	snprintf(op.target, sizeof(op.target), "projects/%s/instances/%s", r->p.name, r->in->name);
	snprintf(op.warning, sizeof(op.warning), "%s", r->warning);
	r->in->status = INSTANCE_PROVISIONING;
	snprintf(r->in->status_message, sizeof(r->in->status_message), "creating");
	*ret = store__begin(c->st, err, errlen);
	if (*ret)
		return NULL;
	*ret = store__instance_insert(c->st, r->in, err, errlen);
	op.target_id = r->in->id;
	if (!*ret)
		*ret = store__op_insert(c->st, &op, err, errlen);
	*ret = store__end(c->st, *ret, err, errlen);
	return *ret ? NULL : api__op_json(&op);
}

void api_instance_create(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_ctx *c = ctx;
	struct create_req r = { 0 };
	char err[1024];
	json_t *body, *op = NULL;
	int ret;

	if (api__project_of(c, req, "compute.instances.create", &r.p, resp) ||
	    !(body = api__body(req, resp, create_keys)))
		return;
	r.in = calloc(1, sizeof(*r.in));
	ret = r.in ? parse(c, body, &r, err, sizeof(err)) :
	      set_err(err, sizeof(err), ENOMEM, "out of memory");
	json_decref(body);
	for (int i = 0; !ret && i < r.in->ndisks; i++)
		ret = api__caller_may_open(c, req, r.in->disks[i].source, !r.in->disks[i].read_only,
					   err, sizeof(err));
	if (!ret)
		ret = check(c, &r, err, sizeof(err));
	if (!ret)
		op = store_both(c, &r, err, sizeof(err), &ret);
	free(r.in);
	api__reply_queued(c, resp, ret, op, err);
}

void api_instance_get(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_ctx *c = ctx;
	struct store_project p;
	struct store_instance *in = calloc(1, sizeof(*in));

	if (!in)
		api__error(resp, 500, "out of memory");
	else if (!api__instance_of(c, req, "compute.instances.get", &p, in, resp))
		api__json(resp, 200, instance_parse__to_json(in, p.name));
	free(in);
}

struct lister {
	json_t *items;
	const char *project;
};

static int add_instance(const struct store_instance *in, void *arg)
{
	struct lister *l = arg;

	return json_array_append_new(l->items, instance_parse__to_json(in, l->project));
}

void api_instance_list(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_ctx *c = ctx;
	struct store_project p;
	struct lister l;
	char err[256];
	int ret;

	if (api__project_of(c, req, "compute.instances.list", &p, resp))
		return;
	l.items = json_array();
	l.project = p.name;
	ret = store__instance_list(c->st, p.id, add_instance, &l, err, sizeof(err));
	if (ret) {
		json_decref(l.items);
		api__fail(resp, ret, err);
		return;
	}
	api__json(resp, 200, json_pack("{s:o}", "items", l.items));
}

/* Marks the instance STOPPING and queues its deletion, refusing while another op runs. */
static json_t *queue_delete(struct api_ctx *c, const struct store_project *p,
			    const struct store_instance *in, char *err, size_t errlen, int *ret)
{
	struct store_op op = { .project_id = p->id, .status = OP_RUNNING, .target_id = in->id };
	struct store_op busy;

	snprintf(op.kind, sizeof(op.kind), "delete");
	snprintf(op.target_kind, sizeof(op.target_kind), "instance");
	snprintf(op.target, sizeof(op.target), "projects/%s/instances/%s", p->name, in->name);
	*ret = store__begin(c->st, err, errlen);
	if (*ret)
		return NULL;
	if (!store__op_active_on(c->st, "instance", in->id, &busy, NULL, 0))
		*ret = set_err(err, errlen, EBUSY, "instance '%s' has an operation in progress "
			       "(%s %s): wait for it first", in->name, busy.kind, busy.name);
	if (!*ret)
		*ret = store__instance_set_status(c->st, in->id, INSTANCE_STOPPING, "deleting",
						  err, errlen);
	if (!*ret)
		*ret = store__op_insert(c->st, &op, err, errlen);
	*ret = store__end(c->st, *ret, err, errlen);
	return *ret ? NULL : api__op_json(&op);
}

void api_instance_delete(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_ctx *c = ctx;
	struct store_project p;
	struct store_instance *in;
	char err[512];
	json_t *op = NULL;
	int ret;

	in = calloc(1, sizeof(*in));
	if (!in) {
		api__error(resp, 500, "out of memory");
		return;
	}
	if (!api__instance_of(c, req, "compute.instances.delete", &p, in, resp)) {
		op = queue_delete(c, &p, in, err, sizeof(err), &ret);
		api__reply_queued(c, resp, ret, op, err);
	}
	free(in);
}

int api__instance_recheck(struct api_ctx *c, const struct store_project *p,
			  struct store_instance *in, char *err, size_t errlen)
{
	struct create_req r = { .p = *p, .in = in };
	int ret;

	if (machine_types__lookup(in->machine_type, &r.mt, err, errlen))
		return -EINVAL;
	ret = store__image_get(c->st, p->id, in->image, &r.img, err, errlen);
	return ret ? ret : check(c, &r, err, errlen);
}
