/*
 * REST handlers for organization policy on an organization, folder or project:
 *   GET  /v1/{organizations|folders|projects}/NAME/policies/CONSTRAINT[?effective=true]
 *   PUT  the same path, body {"enforced": true|false} or {"inheritFromParent": true}
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control/api.h"
#include "control/policy.h"


static const char *constraint_of(const struct http_request *req, struct http_response *resp)
{
	const char *c = policy__constraint(req->params[1]);

	if (!c)
		api__error(resp, 404, "constraint '%s' is unknown (known: %s)", req->params[1],
			   CONSTRAINT_DISABLE_NESTED);
	return c;
}

static json_t *effective_json(const struct policy_effective *e)
{
	char src[STORE_NAME_LEN + 16];

	if (e->explicit_set)
		snprintf(src, sizeof(src), "%s/%s", store__collection(e->source_kind), e->source);
	else
		snprintf(src, sizeof(src), "default");
	return json_pack("{s:b,s:s,s:b}", "enforced", e->enforced, "source", src, "default",
			 !e->explicit_set);
}

static void get(const struct http_request *req, struct http_response *resp, struct api_ctx *c,
		enum resource_kind kind)
{
	const char *constraint = constraint_of(req, resp);
	char err[256], buf[8], resource[STORE_NAME_LEN + 16];
	struct policy_effective e;
	enum policy_setting v;
	json_t *o;
	s64 id = 0;
	int ret;

	if (!constraint)
		return;
	ret = api__resolve(c->st, kind, req->params[0], &id, err, sizeof(err));
	if (!ret && api__authorize(c, req, kind, id, "orgpolicy.policy.get", resp))
		return;
	ret = ret ?: store__policy_get(c->st, kind, id, constraint, &v, err, sizeof(err)) ?:
	      policy__effective(c->st, kind, id, constraint, &e, err, sizeof(err));
	if (ret) {
		api__fail(resp, ret, err);
		return;
	}
	snprintf(resource, sizeof(resource), "%s/%s", store__collection(kind), req->params[0]);
	o = json_pack("{s:s,s:s,s:s}", "constraint", constraint, "resource", resource,
		      "setting", policy__setting_name(v));
	if (v != POLICY_INHERIT)
		json_object_set_new(o, "booleanPolicy", json_pack("{s:b}", "enforced",
								  v == POLICY_TRUE));
	else
		json_object_set_new(o, "inheritFromParent", json_true());
	if (http__query(req, "effective", buf, sizeof(buf)) && strcmp(buf, "false"))
		json_object_set_new(o, "effectivePolicy", effective_json(&e));
	api__json(resp, 200, o);
}

void api_policy_get_org(const struct http_request *req, struct http_response *resp, void *ctx)
{
	get(req, resp, ctx, RES_ORGANIZATION);
}

void api_policy_get_folder(const struct http_request *req, struct http_response *resp, void *ctx)
{
	get(req, resp, ctx, RES_FOLDER);
}

void api_policy_get_project(const struct http_request *req, struct http_response *resp,
			    void *ctx)
{
	get(req, resp, ctx, RES_PROJECT);
}

static int parse_setting(json_t *body, enum policy_setting *out, char *err, size_t errlen)
{
	json_t *enf = json_object_get(body, "enforced"), *inh = json_object_get(body,
										 "inheritFromParent");

	if ((enf && inh) || (!enf && !inh))
		return set_err(err, errlen, EINVAL, "give exactly one of 'enforced' (true or false) "
			       "and 'inheritFromParent' (true)");
	if (enf && !json_is_boolean(enf))
		return set_err(err, errlen, EINVAL, "field 'enforced' must be true or false");
	if (inh && !json_is_true(inh))
		return set_err(err, errlen, EINVAL, "field 'inheritFromParent' can only be true");
	*out = inh ? POLICY_INHERIT : json_is_true(enf) ? POLICY_TRUE : POLICY_FALSE;
	return 0;
}

static void set(const struct http_request *req, struct http_response *resp, struct api_ctx *c,
		enum resource_kind kind)
{
	static const char *const keys[] = { "enforced", "inheritFromParent", NULL };
	const char *constraint = constraint_of(req, resp);
	char err[256], target[STORE_TEXT_LEN];
	enum policy_setting v = POLICY_INHERIT;
	json_t *body;
	s64 id = 0;
	int ret;

	if (!constraint)
		return;
	ret = api__resolve(c->st, kind, req->params[0], &id, err, sizeof(err));
	if (ret) {
		api__fail(resp, ret, err);
		return;
	}
	if (api__authorize(c, req, kind, id, "orgpolicy.policy.set", resp) ||
	    !(body = api__body(req, resp, keys)))
		return;
	ret = parse_setting(body, &v, err, sizeof(err));
	json_decref(body);
	if (!ret)
		ret = store__begin(c->st, err, sizeof(err));
	if (ret) {
		api__fail(resp, ret, err);
		return;
	}
	snprintf(target, sizeof(target), "%s/%s/policies/%s", store__collection(kind),
		 req->params[0], constraint);
	/* Again inside the transaction: a delete on another worker may have come in between. */
	ret = api__resolve(c->st, kind, req->params[0], &id, err, sizeof(err)) ?:
	      store__policy_set(c->st, kind, id, constraint, v, err, sizeof(err));
	api__end_done_op(c, resp, ret, "setPolicy", "policy", target, id, 0, err, sizeof(err));
}

void api_policy_set_org(const struct http_request *req, struct http_response *resp, void *ctx)
{
	set(req, resp, ctx, RES_ORGANIZATION);
}

void api_policy_set_folder(const struct http_request *req, struct http_response *resp, void *ctx)
{
	set(req, resp, ctx, RES_FOLDER);
}

void api_policy_set_project(const struct http_request *req, struct http_response *resp,
			    void *ctx)
{
	set(req, resp, ctx, RES_PROJECT);
}
