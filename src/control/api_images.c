/*
 * REST handlers for images: a project's own (POST/GET/DELETE /v1/projects/P/images[/NAME])
 * and the public catalogue every project sees (GET /v1/images), filled by the daemon at start.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "control/api.h"
#include "control/names.h"

static json_t *image_json(const struct store_image *img)
{
	json_t *o = json_pack("{s:s,s:s,s:o,s:o,s:s,s:o}", "name", img->name, "family", img->family,
			      "description", api__jstr(img->description), "kernel",
			      api__jstr(img->kernel), "visibility",
			      img->project_id ? "project" : "public", "createTime",
			      api__time(img->created));

	if (img->initrd[0])
		json_object_set_new(o, "initrd", api__jstr(img->initrd));
	if (img->disk[0])
		json_object_set_new(o, "disk", api__jstr(img->disk));
	if (img->kvm_modules >= 0)
		json_object_set_new(o, "kvmModules", json_boolean(img->kvm_modules));
	return o;
}

static int add_image(const struct store_image *img, void *arg)
{
	return json_array_append_new(arg, image_json(img));
}

void api_image_list(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_ctx *c = ctx;
	struct store_project p = { 0 };
	json_t *items = json_array();
	char err[256];
	int ret = 0;

	/* /v1/images (no parameter) lists the public catalogue alone. */
	if (req->nparams && api__project_of(c, req, "compute.images.list", &p, resp)) {
		json_decref(items);
		return;
	}
	ret = store__image_list(c->st, p.id, add_image, items, err, sizeof(err));
	if (ret) {
		json_decref(items);
		api__fail(resp, ret, err);
		return;
	}
	api__json(resp, 200, json_pack("{s:o}", "items", items));
}

void api_image_get(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_ctx *c = ctx;
	struct store_project p = { 0 };
	struct store_image img;
	char err[256];
	int ret;

	if (req->nparams > 1 && api__project_of(c, req, "compute.images.get", &p, resp))
		return;
	ret = store__image_get(c->st, p.id, req->params[req->nparams - 1], &img, err, sizeof(err));
	if (ret)
		api__fail(resp, ret, err);
	else
		api__json(resp, 200, image_json(&img));
}

/* A file the VMM will open later: it must exist and be readable now. */
static int check_file(const char *field, const char *path, bool required, char *err,
		      size_t errlen)
{
	if (!*path)
		return required ? set_err(err, errlen, EINVAL, "field '%s' is required", field) : 0;
	if (path[0] != '/')
		return set_err(err, errlen, EINVAL, "%s '%s' must be an absolute path", field, path);
	if (strlen(path) >= STORE_PATH_LEN)
		return set_err(err, errlen, EINVAL, "%s path is too long", field);
	if (access(path, R_OK))
		return set_err(err, errlen, EINVAL, "%s '%s' cannot be read: %s", field, path,
			       strerror(errno));
	return 0;
}

static int parse_image(json_t *b, struct store_image *img, char *err, size_t errlen)
{
	const char *name, *family, *desc, *kernel, *initrd, *disk;
	json_t *kvm = json_object_get(b, "kvmModules");
	int ret = api__str(b, "name", true, &name, err, errlen) ?:
		  api__str(b, "family", false, &family, err, errlen) ?:
		  api__str(b, "description", false, &desc, err, errlen) ?:
		  api__str(b, "kernel", false, &kernel, err, errlen) ?:
		  api__str(b, "initrd", false, &initrd, err, errlen) ?:
		  api__str(b, "disk", false, &disk, err, errlen);

	if (ret)
		return ret;
	if (kvm && !json_is_boolean(kvm))
		return set_err(err, errlen, EINVAL, "field 'kvmModules' must be true or false");
	ret = names__check("image name", name, err, errlen) ?:
	      (*family ? names__check("image family", family, err, errlen) : 0) ?:
	      check_file("kernel", kernel, true, err, errlen) ?:
	      check_file("initrd", initrd, false, err, errlen) ?:
	      check_file("disk", disk, false, err, errlen);
	if (!ret && strlen(desc) >= sizeof(img->description))
		ret = set_err(err, errlen, EINVAL, "description is longer than %zu bytes",
			      sizeof(img->description) - 1);
	if (ret)
		return ret;
	snprintf(img->name, sizeof(img->name), "%s", name);
	snprintf(img->family, sizeof(img->family), "%s", family);
	snprintf(img->description, sizeof(img->description), "%s", desc);
	snprintf(img->kernel, sizeof(img->kernel), "%s", kernel);
	snprintf(img->initrd, sizeof(img->initrd), "%s", initrd);
	snprintf(img->disk, sizeof(img->disk), "%s", disk);
	img->kvm_modules = kvm ? json_is_true(kvm) : -1;
	return 0;
}

void api_image_create(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const char *const keys[] = { "name", "family", "description", "kernel", "initrd",
					    "disk", "kvmModules", NULL };
	struct api_ctx *c = ctx;
	struct store_project p;
	struct store_image img = { 0 };
	char err[512], target[STORE_TEXT_LEN];
	json_t *body;
	int ret;

	if (api__project_of(c, req, "compute.images.create", &p, resp) ||
	    !(body = api__body(req, resp, keys)))
		return;
	ret = parse_image(body, &img, err, sizeof(err)) ?:
	      api__caller_may_open(c, req, img.kernel, false, err, sizeof(err)) ?:
	      api__caller_may_open(c, req, img.initrd, false, err, sizeof(err)) ?:
	      api__caller_may_open(c, req, img.disk, false, err, sizeof(err));
	json_decref(body);
	img.project_id = p.id;
	if (!ret)
		ret = store__begin(c->st, err, sizeof(err));
	if (ret) {
		api__fail(resp, ret, err);
		return;
	}
	snprintf(target, sizeof(target), "projects/%s/images/%s", p.name, img.name);
	ret = store__image_insert(c->st, &img, err, sizeof(err));
	api__end_done_op(c, resp, ret, "insert", "image", target, img.id, p.id, err, sizeof(err));
}

void api_image_delete(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_ctx *c = ctx;
	struct store_project p;
	struct store_image img = { 0 };
	char err[512], target[STORE_TEXT_LEN];
	int ret;

	if (api__project_of(c, req, "compute.images.delete", &p, resp))
		return;
	ret = store__begin(c->st, err, sizeof(err));
	if (!ret)
		ret = store__image_get(c->st, p.id, req->params[1], &img, err, sizeof(err));
	if (!ret && !img.project_id)
		ret = set_err(err, sizeof(err), EACCES, "image '%s' is public: it belongs to the "
			      "daemon's catalogue, not to project '%s'", img.name, p.name);
	if (!ret)
		/* cppcheck-suppress uninitStructMember ; read only when store__image_get filled img */
		ret = store__image_delete(c->st, img.id, err, sizeof(err));
	snprintf(target, sizeof(target), "projects/%s/images/%s", p.name, req->params[1]);
	api__end_done_op(c, resp, ret, "delete", "image", target, img.id, p.id, err, sizeof(err));
}
