/*
 * Access control in the REST API: the gate every handler passes (api__authorize), and the
 * handlers of the IAM policy of an organization, folder or project:
 *   GET  /v1/{organizations|folders|projects}/NAME/iamPolicy[?effective=true]
 *   POST the same path + /addBinding or /removeBinding, body {"member": "uid:N", "role": R}
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/api.h"
#include "control/iam.h"


int api__resolve(struct store *st, enum resource_kind kind, const char *name, s64 *id,
		 char *err, size_t errlen)
{
	struct store_org o = { 0 };
	struct store_folder f = { 0 };
	struct store_project p = { 0 };
	int ret;

	if (kind == RES_ORGANIZATION) {
		ret = store__org_get(st, name, &o, err, errlen);
		*id = o.id;
	} else if (kind == RES_FOLDER) {
		ret = store__folder_get(st, name, &f, err, errlen);
		*id = f.id;
	} else {
		ret = store__project_get(st, name, &p, err, errlen);
		*id = p.id;
	}
	return ret;
}

int api__authorize(struct api_ctx *c, const struct http_request *req, enum resource_kind kind,
		   s64 id, const char *perm, struct http_response *resp)
{
	char err[512];
	int ret = iam__check(c->st, req->uid, c->daemon_uid, kind, id, perm, err, sizeof(err));

	if (ret)
		api__fail(resp, ret, err);
	return ret;
}

bool api__allowed(struct api_ctx *c, const struct http_request *req, enum resource_kind kind,
		  s64 id, const char *perm)
{
	return !iam__check(c->st, req->uid, c->daemon_uid, kind, id, perm, NULL, 0);
}

int api__caller_may_open(struct api_ctx *c, const struct http_request *req, const char *path,
			 bool write, char *err, size_t errlen)
{
	if (!path || !*path || iam__superuser(req->uid, c->daemon_uid))
		return 0;
	return iam__path_access(path, req->uid, req->gid, write ? R_OK | W_OK : R_OK, err,
				errlen);
}

/* "resourcemanager.projects.getIamPolicy" and the like. */
static const char *perm_name(enum resource_kind kind, bool set, char *buf, size_t len)
{
	snprintf(buf, len, "resourcemanager.%s.%s", store__collection(kind),
		 set ? "setIamPolicy" : "getIamPolicy");
	return buf;
}

/* The bindings of one resource, grouped by role: [{"role", "members": ["uid:N", ...]}]. */
static int add_grouped(const struct store_binding *b, void *arg)
{
	json_t *list = arg, *last = json_array_get(list, json_array_size(list) - 1);
	char member[24];

	snprintf(member, sizeof(member), "uid:%u", b->uid);
	if (!last || strcmp(json_string_value(json_object_get(last, "role")),
			    iam__role_name(b->role))) {
		last = json_pack("{s:s,s:[]}", "role", iam__role_name(b->role), "members");
		if (json_array_append_new(list, last))
			return -ENOMEM;
	}
	return json_array_append_new(json_object_get(last, "members"), json_string(member));
}

struct flat {
	json_t *list;
	const char *source;
};

static int add_flat(const struct store_binding *b, void *arg)
{
	struct flat *f = arg;
	char member[24];

	snprintf(member, sizeof(member), "uid:%u", b->uid);
	return json_array_append_new(f->list, json_pack("{s:s,s:s,s:s}", "role",
							iam__role_name(b->role), "member", member,
							"source", f->source));
}

/* Every binding that applies to the resource, nearest first, then the built-in admins. */
static json_t *effective_json(struct api_ctx *c, enum resource_kind kind, s64 id,
			      char *err, size_t errlen, int *ret)
{
	struct iam_chain *ch = malloc(sizeof(*ch));
	char src[STORE_NAME_LEN + 16], self[24];
	struct flat f = { json_array(), src };

	*ret = ch ? iam__chain(c->st, kind, id, ch, err, errlen) :
	       set_err(err, errlen, ENOMEM, "out of memory");
	for (int i = 0; !*ret && i < ch->n; i++) {
		iam__path(ch->nodes[i].kind, ch->nodes[i].name, src, sizeof(src));
		*ret = store__iam_list(c->st, ch->nodes[i].kind, ch->nodes[i].id, add_flat, &f, err,
				       errlen);
	}
	free(ch);
	snprintf(self, sizeof(self), "uid:%u", (unsigned)c->daemon_uid);
	json_array_append_new(f.list, json_pack("{s:s,s:s,s:s}", "role", "roles/admin", "member",
						"uid:0", "source", "built-in (root)"));
	if (c->daemon_uid)
		json_array_append_new(f.list, json_pack("{s:s,s:s,s:s}", "role", "roles/admin",
							"member", self, "source",
							"built-in (the daemon's user)"));
	return f.list;
}

static void get(const struct http_request *req, struct http_response *resp, struct api_ctx *c,
		enum resource_kind kind)
{
	char err[256], perm[64], buf[8], path[STORE_NAME_LEN + 16];
	json_t *o, *bindings = json_array();
	s64 id = 0;
	int ret = api__resolve(c->st, kind, req->params[0], &id, err, sizeof(err));

	if (ret) {
		json_decref(bindings);
		api__fail(resp, ret, err);
		return;
	}
	if (api__authorize(c, req, kind, id, perm_name(kind, false, perm, sizeof(perm)), resp)) {
		json_decref(bindings);
		return;
	}
	ret = store__iam_list(c->st, kind, id, add_grouped, bindings, err, sizeof(err));
	o = json_pack("{s:s,s:o}", "resource", iam__path(kind, req->params[0], path, sizeof(path)),
		      "bindings", bindings);
	if (!ret && http__query(req, "effective", buf, sizeof(buf)) && strcmp(buf, "false"))
		json_object_set_new(o, "effectiveBindings", effective_json(c, kind, id, err,
									   sizeof(err), &ret));
	if (ret) {
		json_decref(o);
		api__fail(resp, ret, err);
		return;
	}
	api__json(resp, 200, o);
}

void api_iam_get_org(const struct http_request *req, struct http_response *resp, void *ctx)
{
	get(req, resp, ctx, RES_ORGANIZATION);
}

void api_iam_get_folder(const struct http_request *req, struct http_response *resp, void *ctx)
{
	get(req, resp, ctx, RES_FOLDER);
}

void api_iam_get_project(const struct http_request *req, struct http_response *resp, void *ctx)
{
	get(req, resp, ctx, RES_PROJECT);
}

static int parse_binding(const struct http_request *req, struct http_response *resp,
			 u32 *uid, enum iam_role *role)
{
	static const char *const keys[] = { "member", "role", NULL };
	json_t *body = api__body(req, resp, keys);
	const char *member, *r;
	char err[256];
	int ret;

	if (!body)
		return -EINVAL;
	ret = api__str(body, "member", true, &member, err, sizeof(err)) ?:
	      api__str(body, "role", true, &r, err, sizeof(err));
	if (!ret && iam__parse_member(member, uid))
		ret = set_err(err, sizeof(err), EINVAL, "member '%.64s' is not 'uid:N'", member);
	if (!ret && iam__parse_role(r, role))
		ret = set_err(err, sizeof(err), EINVAL, "role '%.64s' is not admin, editor or "
			      "viewer (roles/admin, roles/editor, roles/viewer)", r);
	json_decref(body);
	if (ret)
		api__fail(resp, ret, err);
	return ret;
}

static void change(const struct http_request *req, struct http_response *resp,
		   struct api_ctx *c, enum resource_kind kind, bool add)
{
	char err[512], perm[64], target[STORE_TEXT_LEN];
	enum iam_role role;
	bool added;
	s64 id = 0;
	u32 uid;
	int ret = api__resolve(c->st, kind, req->params[0], &id, err, sizeof(err));

	if (ret) {
		api__fail(resp, ret, err);
		return;
	}
	if (api__authorize(c, req, kind, id, perm_name(kind, true, perm, sizeof(perm)), resp) ||
	    parse_binding(req, resp, &uid, &role))
		return;
	ret = store__begin(c->st, err, sizeof(err));
	if (ret) {
		api__fail(resp, ret, err);
		return;
	}
	if (add)
		ret = store__iam_add(c->st, kind, id, uid, role, &added, err, sizeof(err));
	else
		ret = store__iam_remove(c->st, kind, id, uid, role, err, sizeof(err));
	snprintf(target, sizeof(target), "%s/%s/iamPolicy", store__collection(kind),
		 req->params[0]);
	api__end_done_op(c, resp, ret, "setIamPolicy", "iamPolicy", target, id, 0, err,
			 sizeof(err));
}

void api_iam_add_org(const struct http_request *req, struct http_response *resp, void *ctx)
{
	change(req, resp, ctx, RES_ORGANIZATION, true);
}

void api_iam_add_folder(const struct http_request *req, struct http_response *resp, void *ctx)
{
	change(req, resp, ctx, RES_FOLDER, true);
}

void api_iam_add_project(const struct http_request *req, struct http_response *resp, void *ctx)
{
	change(req, resp, ctx, RES_PROJECT, true);
}

void api_iam_remove_org(const struct http_request *req, struct http_response *resp, void *ctx)
{
	change(req, resp, ctx, RES_ORGANIZATION, false);
}

void api_iam_remove_folder(const struct http_request *req, struct http_response *resp,
			   void *ctx)
{
	change(req, resp, ctx, RES_FOLDER, false);
}

void api_iam_remove_project(const struct http_request *req, struct http_response *resp,
			    void *ctx)
{
	change(req, resp, ctx, RES_PROJECT, false);
}
