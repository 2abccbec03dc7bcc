/*
 * PATCH /v1/projects/P/instances/I: change a stopped instance's machine type, minimum CPU
 * platform or nested switch ({"machineType", "minCpuPlatform", "advancedMachineFeatures":
 * {"enableNestedVirtualization"}}). As in the clouds, only a TERMINATED instance can be
 * updated; the changed instance must pass the creation checks again (the policy first, then
 * the platform, machine type, host and image). Done at once: the operation is DONE.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/api.h"
#include "control/instance_parse.h"
#include "control/machine_types.h"

static const char *const update_keys[] = { "machineType", "minCpuPlatform",
					   "advancedMachineFeatures", NULL };

/* The fields the body gives, over the stored instance; -EINVAL when none or a bad one. */
static int apply(json_t *b, struct store_instance *in, char *err, size_t errlen)
{
	json_t *amf = json_object_get(b, "advancedMachineFeatures");
	const char *mt, *platform;
	struct machine_type m;
	int ret;

	if (!json_object_size(b))
		return set_err(err, errlen, EINVAL, "nothing to update: give machineType, "
			       "minCpuPlatform or advancedMachineFeatures.enableNestedVirtualization");
	ret = api__str(b, "machineType", false, &mt, err, errlen) ?:
	      api__str(b, "minCpuPlatform", false, &platform, err, errlen);
	if (!ret && amf && json_is_object(amf) &&
	    !json_object_get(amf, "enableNestedVirtualization"))
		ret = set_err(err, errlen, EINVAL, "advancedMachineFeatures needs "
			      "enableNestedVirtualization");
	if (!ret && amf)
		ret = instance_parse__nested(b, &in->nested, err, errlen);
	if (!ret && *mt && machine_types__lookup(mt, &m, err, errlen))
		ret = -EINVAL;
	if (!ret && strlen(platform) >= sizeof(in->min_cpu_platform))
		ret = set_err(err, errlen, EINVAL, "minCpuPlatform is too long");
	if (ret)
		return ret;
	if (*mt)
		snprintf(in->machine_type, sizeof(in->machine_type), "%s", m.name);
	if (json_object_get(b, "minCpuPlatform"))
		snprintf(in->min_cpu_platform, sizeof(in->min_cpu_platform), "%s", platform);
	return 0;
}

/* Stopped, and no operation on it; 400 FAILED_PRECONDITION or 409 otherwise. */
static int stopped(struct api_ctx *c, const struct store_instance *in, char *err, size_t errlen)
{
	struct store_op busy;

	if (in->status != INSTANCE_TERMINATED)
		return set_err(err, errlen, EOPNOTSUPP, "instance '%s' is %s: stop it first (only "
			       "a TERMINATED instance can be updated)", in->name,
			       store__status_name(in->status));
	if (!store__op_active_on(c->st, "instance", in->id, &busy, NULL, 0))
		return set_err(err, errlen, EBUSY, "instance '%s' has an operation in progress "
			       "(%s %s): wait for it first", in->name, busy.kind, busy.name);
	return 0;
}

/* Checks and stores the update in one transaction, replying with its DONE operation. */
static void update(struct api_ctx *c, const struct store_project *p, struct store_instance *in,
		   json_t *body, struct http_response *resp)
{
	char err[1024], target[STORE_TEXT_LEN];
	int ret = stopped(c, in, err, sizeof(err)) ?:
		  apply(body, in, err, sizeof(err)) ?:
		  api__instance_recheck(c, p, in, err, sizeof(err));

	if (!ret)
		ret = store__begin(c->st, err, sizeof(err));
	if (ret) {
		api__fail(resp, ret, err);
		return;
	}
	/* Again inside the transaction: a start may have been queued meanwhile. */
	ret = stopped(c, in, err, sizeof(err)) ?:
	      store__instance_update(c->st, in, err, sizeof(err));
	snprintf(target, sizeof(target), "projects/%s/instances/%s", p->name, in->name);
	api__end_done_op(c, resp, ret, "update", "instance", target, in->id, p->id, err,
			 sizeof(err));
}

void api_instance_update(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_ctx *c = ctx;
	struct store_project p;
	struct store_instance *in = calloc(1, sizeof(*in));
	json_t *body;

	if (!in)
		api__error(resp, 500, "out of memory");
	else if (!api__instance_of(c, req, "compute.instances.update", &p, in, resp) &&
		 (body = api__body(req, resp, update_keys))) {
		update(c, &p, in, body, resp);
		json_decref(body);
	}
	free(in);
}
