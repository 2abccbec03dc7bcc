/* REST handlers for organizations, folders and projects (created and deleted at once). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control/api.h"
#include "control/iam.h"
#include "control/names.h"

static const char *const create_keys[] = { "name", "parent", NULL };

/* "organizations/NAME" or "folders/NAME" -> the organization and folder (0 if none) ids. */
static int parse_parent(struct store *st, const char *parent, s64 *org_id, s64 *folder_id,
			char *err, size_t errlen)
{
	struct store_org o = { 0 };
	struct store_folder f = { 0 };
	int ret;

	*folder_id = 0;
	if (!strncmp(parent, "organizations/", 14)) {
		ret = store__org_get(st, parent + 14, &o, err, errlen);
		*org_id = o.id;
		return ret;
	}
	if (!strncmp(parent, "folders/", 8)) {
		ret = store__folder_get(st, parent + 8, &f, err, errlen);
		*org_id = f.org_id;
		*folder_id = f.id;
		return ret;
	}
	return set_err(err, errlen, EINVAL, "field 'parent' must be 'organizations/NAME' or "
		       "'folders/NAME'");
}

/* Parent path of a folder or project: its folder when it has one, else its organization. */
static json_t *parent_json(struct store *st, s64 org_id, s64 folder_id, const char *org_name)
{
	struct store_folder f;
	char buf[STORE_NAME_LEN + 16];

	if (folder_id && !store__folder_get_id(st, folder_id, &f, NULL, 0))
		snprintf(buf, sizeof(buf), "folders/%s", f.name);
	else
		snprintf(buf, sizeof(buf), "organizations/%s", org_name);
	return json_string(buf);
}

static json_t *org_json(const struct store_org *o)
{
	return json_pack("{s:s,s:s,s:o}", "name", o->name, "kind", "organization", "createTime",
			 api__time(o->created));
}

static json_t *child_json(struct store *st, const char *kind, const char *name, s64 org_id,
			  s64 folder_id, s64 created)
{
	struct store_org o = { 0 };

	store__org_get_id(st, org_id, &o, NULL, 0);
	return json_pack("{s:s,s:s,s:s,s:o,s:o}", "name", name, "kind", kind, "organization",
			 o.name, "parent", parent_json(st, org_id, folder_id, o.name),
			 "createTime", api__time(created));
}

/* A listing shows what the caller may see (resourcemanager.*.get), as clouds' searches do. */
struct lister {
	struct api_ctx *c;
	const struct http_request *req;
	json_t *items;
};

static int add_org(const struct store_org *o, void *arg)
{
	struct lister *l = arg;

	if (!api__allowed(l->c, l->req, RES_ORGANIZATION, o->id,
			  "resourcemanager.organizations.get"))
		return 0;
	return json_array_append_new(l->items, org_json(o));
}

static int add_folder(const struct store_folder *f, void *arg)
{
	struct lister *l = arg;

	if (!api__allowed(l->c, l->req, RES_FOLDER, f->id, "resourcemanager.folders.get"))
		return 0;
	return json_array_append_new(l->items, child_json(l->c->st, "folder", f->name, f->org_id,
							  f->parent_id, f->created));
}

static int add_project(const struct store_project *p, void *arg)
{
	struct lister *l = arg;

	if (!api__allowed(l->c, l->req, RES_PROJECT, p->id, "resourcemanager.projects.get"))
		return 0;
	return json_array_append_new(l->items, child_json(l->c->st, "project", p->name,
							  p->org_id, p->folder_id, p->created));
}

/* The ?organization= filter of folder and project listings (0: all). */
static int org_filter(const struct http_request *req, struct store *st, s64 *org_id,
		      char *err, size_t errlen)
{
	char name[STORE_NAME_LEN];
	struct store_org o;

	*org_id = 0;
	if (!http__query(req, "organization", name, sizeof(name)))
		return 0;
	if (store__org_get(st, name, &o, err, errlen))
		return -ENOENT;
	*org_id = o.id;
	return 0;
}

static void list(const struct http_request *req, struct http_response *resp,
		 struct api_ctx *c, int which)
{
	struct lister l = { c, req, json_array() };
	char err[256];
	s64 org_id = 0;
	int ret = which ? org_filter(req, c->st, &org_id, err, sizeof(err)) : 0;

	if (!ret && which == 0)
		ret = store__org_list(c->st, add_org, &l, err, sizeof(err));
	else if (!ret && which == 1)
		ret = store__folder_list(c->st, org_id, add_folder, &l, err, sizeof(err));
	else if (!ret)
		ret = store__project_list(c->st, org_id, add_project, &l, err, sizeof(err));
	if (ret) {
		json_decref(l.items);
		api__fail(resp, ret, err);
		return;
	}
	api__json(resp, 200, json_pack("{s:o}", "items", l.items));
}

void api_org_list(const struct http_request *req, struct http_response *resp, void *ctx)
{
	list(req, resp, ctx, 0);
}

void api_folder_list(const struct http_request *req, struct http_response *resp, void *ctx)
{
	list(req, resp, ctx, 1);
}

void api_project_list(const struct http_request *req, struct http_response *resp, void *ctx)
{
	list(req, resp, ctx, 2);
}

/* The resource of the path, if it exists and the caller may see it; else replied. */
static int lookup(const struct http_request *req, struct http_response *resp,
		  struct api_ctx *c, enum resource_kind kind, s64 *id)
{
	static const char *const perms[] = { "resourcemanager.organizations.get",
					     "resourcemanager.folders.get",
					     "resourcemanager.projects.get" };
	char err[256];
	int ret = api__resolve(c->st, kind, req->params[0], id, err, sizeof(err));

	if (ret) {
		api__fail(resp, ret, err);
		return ret;
	}
	return api__authorize(c, req, kind, *id, perms[kind], resp);
}

void api_org_get(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_ctx *c = ctx;
	struct store_org o;
	char err[256];
	s64 id;
	int ret;

	if (lookup(req, resp, c, RES_ORGANIZATION, &id))
		return;
	ret = store__org_get_id(c->st, id, &o, err, sizeof(err));
	if (ret)
		api__fail(resp, ret, err);
	else
		api__json(resp, 200, org_json(&o));
}

void api_folder_get(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_ctx *c = ctx;
	struct store_folder f;
	char err[256];
	s64 id;
	int ret;

	if (lookup(req, resp, c, RES_FOLDER, &id))
		return;
	ret = store__folder_get_id(c->st, id, &f, err, sizeof(err));
	if (ret)
		api__fail(resp, ret, err);
	else
		api__json(resp, 200, child_json(c->st, "folder", f.name, f.org_id, f.parent_id,
						 f.created));
}

void api_project_get(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_ctx *c = ctx;
	struct store_project p;
	char err[256];
	s64 id;
	int ret;

	if (lookup(req, resp, c, RES_PROJECT, &id))
		return;
	ret = store__project_get_id(c->st, id, &p, err, sizeof(err));
	if (ret)
		api__fail(resp, ret, err);
	else
		api__json(resp, 200, child_json(c->st, "project", p.name, p.org_id, p.folder_id,
						 p.created));
}

/* Validates a create body: the name (and the parent, unless an organization). */
static int parse_create(json_t *body, const char *what, bool needs_parent, const char **name,
			const char **parent, char *err, size_t errlen)
{
	char label[48];

	snprintf(label, sizeof(label), "%s name", what);
	return api__str(body, "name", true, name, err, errlen) ?:
	       api__str(body, "parent", needs_parent, parent, err, errlen) ?:
	       names__check(label, *name, err, errlen);
}

/*
 * An organization is created by root or the daemon's user only (nobody could hold a role on
 * what does not exist yet); a folder or project by an admin of its parent.
 */
static int may_create(struct api_ctx *c, const struct http_request *req, int which,
		      s64 org_id, s64 folder_id, char *err, size_t errlen)
{
	static const char *const perms[] = { "resourcemanager.organizations.create",
					     "resourcemanager.folders.create",
					     "resourcemanager.projects.create" };

	return iam__check(c->st, req->uid, c->daemon_uid,
			  folder_id ? RES_FOLDER : RES_ORGANIZATION, folder_id ?: org_id,
			  perms[which], err, errlen);
}

/* Inserts the resource and its finished operation in one transaction. */
static json_t *create_in_tx(struct api_ctx *c, const struct http_request *req, int which,
			    const char *name, const char *parent, char *err, size_t errlen,
			    int *ret)
{
	static const char *const kinds[] = { "organization", "folder", "project" };
	char target[STORE_TEXT_LEN];
	s64 org_id = 0, folder_id = 0, id = 0;
	json_t *op = NULL;

	*ret = store__begin(c->st, err, errlen);
	if (*ret)
		return NULL;
	if (which)
		*ret = parse_parent(c->st, parent, &org_id, &folder_id, err, errlen);
	if (!*ret)
		*ret = may_create(c, req, which, org_id, folder_id, err, errlen);
	if (!*ret && which == 0) {
		struct store_org o;

		*ret = store__org_insert(c->st, name, &o, err, errlen);
		id = o.id;
	} else if (!*ret && which == 1) {
		struct store_folder f;

		*ret = store__folder_insert(c->st, name, org_id, folder_id, &f, err, errlen);
		id = f.id;
	} else if (!*ret) {
		struct store_project p;

		*ret = store__project_insert(c->st, name, org_id, folder_id, &p, err, errlen);
		id = p.id;
	}
	iam__path(which, name, target, sizeof(target));
	if (!*ret && !(op = api__done_op(c->st, "insert", kinds[which], target, id, 0, err, errlen)))
		*ret = -EIO;
	*ret = store__end(c->st, *ret, err, errlen);
	if (*ret) {
		json_decref(op);
		return NULL;
	}
	return op;
}

static void create(const struct http_request *req, struct http_response *resp,
		   struct api_ctx *c, int which)
{
	static const char *const what[] = { "organization", "folder", "project" };
	const char *name, *parent = "";
	char err[512];
	json_t *body = api__body(req, resp, create_keys), *op;
	int ret;

	if (!body)
		return;
	ret = parse_create(body, what[which], which != 0, &name, &parent, err, sizeof(err));
	if (!ret && which == 0 && *parent)
		ret = set_err(err, sizeof(err), EINVAL, "an organization has no parent");
	op = ret ? NULL : create_in_tx(c, req, which, name, parent, err, sizeof(err), &ret);
	json_decref(body);
	if (ret)
		api__fail(resp, ret, err);
	else
		api__json(resp, 200, op);
}

void api_org_create(const struct http_request *req, struct http_response *resp, void *ctx)
{
	create(req, resp, ctx, 0);
}

void api_folder_create(const struct http_request *req, struct http_response *resp, void *ctx)
{
	create(req, resp, ctx, 1);
}

void api_project_create(const struct http_request *req, struct http_response *resp, void *ctx)
{
	create(req, resp, ctx, 2);
}

static void delete(const struct http_request *req, struct http_response *resp,
		   struct api_ctx *c, int which)
{
	static const char *const kinds[] = { "organization", "folder", "project" };
	static const char *const perms[] = { "resourcemanager.organizations.delete",
					     "resourcemanager.folders.delete",
					     "resourcemanager.projects.delete" };
	const char *name = req->params[0];
	char err[512], target[STORE_TEXT_LEN];
	s64 id = 0;
	int ret = api__resolve(c->st, (enum resource_kind)which, name, &id, err, sizeof(err));

	if (!ret && api__authorize(c, req, (enum resource_kind)which, id, perms[which], resp))
		return;
	if (!ret)
		ret = store__begin(c->st, err, sizeof(err));
	if (ret) {
		api__fail(resp, ret, err);
		return;
	}
	if (which == 0)
		ret = store__org_delete(c->st, name, err, sizeof(err));
	else if (which == 1)
		ret = store__folder_delete(c->st, name, err, sizeof(err));
	else
		ret = store__project_delete(c->st, name, err, sizeof(err));
	iam__path(which, name, target, sizeof(target));
	api__end_done_op(c, resp, ret, "delete", kinds[which], target, 0, 0, err, sizeof(err));
}

void api_org_delete(const struct http_request *req, struct http_response *resp, void *ctx)
{
	delete(req, resp, ctx, 0);
}

void api_folder_delete(const struct http_request *req, struct http_response *resp, void *ctx)
{
	delete(req, resp, ctx, 1);
}

void api_project_delete(const struct http_request *req, struct http_response *resp, void *ctx)
{
	delete(req, resp, ctx, 2);
}
