/* The REST API's common parts: error replies in one shape, JSON bodies, operations as JSON. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control/api.h"
#include "control/runner.h"

static const char *status_name(int http)
{
	switch (http) {
	case 400: return "INVALID_ARGUMENT";
	case 403: return "PERMISSION_DENIED";
	case 404: return "NOT_FOUND";
	case 405: return "METHOD_NOT_ALLOWED";
	case 408: return "DEADLINE_EXCEEDED";
	case 409: return "ALREADY_EXISTS";
	case 412: return "FAILED_PRECONDITION";
	case 413: case 414: case 431: return "REQUEST_TOO_LARGE";
	case 503: return "UNAVAILABLE";
	default: return http >= 500 ? "INTERNAL" : "INVALID_ARGUMENT";
	}
}

json_t *api__jstr(const char *s)
{
	json_t *j = json_string(s ? s : "");
	char *copy;

	if (j)
		return j;
	copy = strdup(s);
	for (char *p = copy; p && *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = json_string(copy ? copy : "");
	free(copy);
	return j;
}

/* reason (may be NULL) tells kinds of one status apart, e.g. IAM_PERMISSION_DENIED. */
static char *error_body_why(int http, const char *status, const char *reason,
			    const char *message)
{
	json_t *o = json_pack("{s:{s:i,s:s,s:o}}", "error", "code", http, "status", status,
			      "message", api__jstr(message));
	char *s;

	if (o && reason)
		json_object_set_new(json_object_get(o, "error"), "reason", json_string(reason));
	s = o ? json_dumps(o, JSON_INDENT(2)) : NULL;

	json_decref(o);
	return s;
}

static char *error_body(int http, const char *status, const char *message)
{
	return error_body_why(http, status, NULL, message);
}

char *api__error_body(int status, const char *message)
{
	return error_body(status, status_name(status), message);
}

static void reply_text(struct http_response *resp, int http, char *body)
{
	size_t len = body ? strlen(body) : 0;

	http__respond(resp, http, "application/json", body ? body : "", len);
	free(body);
}

void api__error(struct http_response *resp, int http, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	reply_text(resp, http, error_body(http, status_name(http), msg));
}

void api__fail(struct http_response *resp, int neg_errno, const char *message)
{
	int http = 500;
	const char *status = "INTERNAL", *reason = NULL;

	switch (-neg_errno) {
	case EINVAL: http = 400; status = "INVALID_ARGUMENT"; break;
	case ENOENT: http = 404; status = "NOT_FOUND"; break;
	case EEXIST: http = 409; status = "ALREADY_EXISTS"; break;
	case EACCES: http = 403; status = "PERMISSION_DENIED"; break;
	case EPERM: /* access control (iam.c), told apart from a policy's refusal */
		http = 403;
		status = "PERMISSION_DENIED";
		reason = "IAM_PERMISSION_DENIED";
		break;
	case EOPNOTSUPP: case ENOTEMPTY: http = 400; status = "FAILED_PRECONDITION"; break;
	case EBUSY: http = 409; status = "ABORTED"; break;
	}
	reply_text(resp, http, error_body_why(http, status, reason, message));
}

void api__json(struct http_response *resp, int http, json_t *obj)
{
	char *s = obj ? json_dumps(obj, JSON_INDENT(2)) : NULL;

	json_decref(obj);
	if (!s) {
		api__error(resp, 500, "cannot format the reply");
		return;
	}
	reply_text(resp, http, s);
}

int api__check_keys(json_t *obj, const char *const *allowed, const char *where,
		    char *err, size_t errlen)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		bool ok = false;

		for (size_t i = 0; allowed && allowed[i] && !ok; i++)
			ok = !strcmp(key, allowed[i]);
		if (!ok)
			return set_err(err, errlen, EINVAL, "unknown field '%.64s' in %s", key, where);
	}
	return 0;
}

json_t *api__body(const struct http_request *req, struct http_response *resp,
		  const char *const *allowed)
{
	json_error_t jerr;
	char err[256];
	json_t *o;

	if (!req->body_len) {
		api__error(resp, 400, "the request has no JSON body");
		return NULL;
	}
	o = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o) {
		api__error(resp, 400, "malformed JSON at line %d column %d: %s", jerr.line,
			   jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		api__error(resp, 400, "the request body must be a JSON object");
		return NULL;
	}
	if (api__check_keys(o, allowed, "the request", err, sizeof(err))) {
		json_decref(o);
		api__error(resp, 400, "%s", err);
		return NULL;
	}
	return o;
}

int api__str(json_t *obj, const char *key, bool required, const char **out,
	     char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, key);

	*out = "";
	if (!v && required)
		return set_err(err, errlen, EINVAL, "field '%s' is required", key);
	if (v && !json_is_string(v))
		return set_err(err, errlen, EINVAL, "field '%s' must be a string", key);
	if (v)
		*out = json_string_value(v);
	return 0;
}

int api__bool(json_t *obj, const char *key, bool *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, key);

	if (v && !json_is_boolean(v))
		return set_err(err, errlen, EINVAL, "field '%s' must be true or false", key);
	if (v)
		*out = json_is_true(v);
	return 0;
}

json_t *api__time(s64 t)
{
	char buf[40];
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

json_t *api__op_json(const struct store_op *op)
{
	json_t *o = json_pack("{s:o,s:s,s:o,s:s,s:i,s:o}", "name", api__jstr(op->name),
			      "operationType", op->kind, "targetLink", api__jstr(op->target),
			      "status", store__op_status_name(op->status), "progress", op->progress,
			      "insertTime", api__time(op->created));

	if (!o)
		return NULL;
	if (op->started)
		json_object_set_new(o, "startTime", api__time(op->started));
	if (op->ended)
		json_object_set_new(o, "endTime", api__time(op->ended));
	if (op->error_code)
		json_object_set_new(o, "error", json_pack("{s:i,s:o}", "code", op->error_code,
							  "message", api__jstr(op->error)));
	if (op->warning[0])
		json_object_set_new(o, "warnings", json_pack("[{s:o}]", "message",
							     api__jstr(op->warning)));
	return o;
}

json_t *api__done_op(struct store *st, const char *kind, const char *target_kind,
		     const char *target, s64 target_id, s64 project_id, char *err, size_t errlen)
{
	struct store_op op = { .project_id = project_id, .target_id = target_id,
			       .status = OP_DONE, .progress = 100 };

	snprintf(op.kind, sizeof(op.kind), "%s", kind);
	snprintf(op.target_kind, sizeof(op.target_kind), "%s", target_kind);
	snprintf(op.target, sizeof(op.target), "%s", target);
	op.started = op.ended = (s64)time(NULL);
	if (store__op_insert(st, &op, err, errlen))
		return NULL;
	return api__op_json(&op);
}

void api__end_done_op(struct api_ctx *c, struct http_response *resp, int ret, const char *kind,
		      const char *target_kind, const char *target, s64 target_id, s64 project_id,
		      char *err, size_t errlen)
{
	json_t *op = NULL;

	if (!ret && !(op = api__done_op(c->st, kind, target_kind, target, target_id, project_id,
					err, errlen)))
		ret = -EIO;
	ret = store__end(c->st, ret, err, errlen);
	if (ret) {
		json_decref(op);
		api__fail(resp, ret, err);
		return;
	}
	api__json(resp, 200, op);
}

int api__project_of(struct api_ctx *c, const struct http_request *req, const char *perm,
		    struct store_project *p, struct http_response *resp)
{
	char err[256];
	int ret = store__project_get(c->st, req->params[0], p, err, sizeof(err));

	if (ret) {
		api__fail(resp, ret, err);
		return ret;
	}
	return api__authorize(c, req, RES_PROJECT, p->id, perm, resp);
}

int api__instance_of(struct api_ctx *c, const struct http_request *req, const char *perm,
		     struct store_project *p, struct store_instance *in, struct http_response *resp)
{
	char err[256];
	int ret = api__project_of(c, req, perm, p, resp);

	if (ret)
		return ret;
	ret = store__instance_get(c->st, p->id, req->params[1], in, err, sizeof(err));
	if (ret)
		api__fail(resp, ret, err);
	return ret;
}

void api__reply_queued(struct api_ctx *c, struct http_response *resp, int ret, json_t *op,
		       const char *err)
{
	if (ret) {
		api__fail(resp, ret, err);
		return;
	}
	runner__kick(c->runner);
	api__json(resp, 200, op);
}
