/*
 * Request bodies of the VMM API: JSON parsed strictly (unknown and duplicate fields refused),
 * typed field access with Firecracker-like messages, id and path checks, and replies.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/vmm_api_internal.h"

#define DESER "An error occurred when deserializing the json body of a request: "

/* Describes a value the way a type error names it: "string \"2\"", "integer `-1`". */
static void describe(json_t *v, char *out, size_t len)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		snprintf(out, len, "string \"%.40s\"", json_string_value(v));
		break;
	case JSON_INTEGER:
		snprintf(out, len, "integer `%lld`", (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		snprintf(out, len, "floating point `%g`", json_real_value(v));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		snprintf(out, len, "boolean `%s`", json_is_true(v) ? "true" : "false");
		break;
	case JSON_ARRAY:
		snprintf(out, len, "sequence");
		break;
	case JSON_OBJECT:
		snprintf(out, len, "map");
		break;
	default:
		snprintf(out, len, "null");
		break;
	}
}

static int wrong_type(json_t *v, const char *name, const char *expected, char *err,
		      size_t errlen)
{
	char got[96];

	describe(v, got, sizeof(got));
	return set_err(err, errlen, EINVAL, DESER "invalid type: %s, expected %s for `%s`.", got,
		       expected, name);
}

static int check_fields(json_t *o, const char *const *fields, char *err, size_t errlen)
{
	const char *key;
	json_t *v;
	char list[512];
	size_t n = 0;

	json_object_foreach(o, key, v) {
		size_t i;

		for (i = 0; fields[i] && strcmp(fields[i], key); i++)
			;
		if (fields[i])
			continue;
		list[0] = '\0';
		for (i = 0; fields[i] && n < sizeof(list); i++)
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s`%s`", i ? ", " : "",
					      fields[i]);
		return set_err(err, errlen, EINVAL, DESER "unknown field `%.64s`, expected %s%s.",
			       key, i > 1 ? "one of " : "", list);
	}
	return 0;
}

int body__parse(const char *method, const struct http_request *req, const char *const *fields,
		json_t **out, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *o;
	int ret;

	*out = NULL;
	if (!req->body_len)
		return set_err(err, errlen, EINVAL, "Empty %s request.", method);
	o = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
		       &jerr);
	if (!o)
		return set_err(err, errlen, EINVAL, DESER "%s at line %d column %d.", jerr.text,
			       jerr.line, jerr.column);
	if (!json_is_object(o)) {
		ret = wrong_type(o, "the body", "a JSON object", err, errlen);
		json_decref(o);
		return ret;
	}
	ret = check_fields(o, fields, err, errlen);
	if (ret) {
		json_decref(o);
		return ret;
	}
	*out = o;
	return 0;
}

int body__string(json_t *o, const char *name, const char **out, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, name);

	if (!v || json_is_null(v))
		return 1;
	if (!json_is_string(v))
		return wrong_type(v, name, "a string", err, errlen);
	/* Strings end at the first NUL for everything that uses them. */
	if (strlen(json_string_value(v)) != json_string_length(v))
		return set_err(err, errlen, EINVAL, DESER "`%s` holds a NUL character.", name);
	*out = json_string_value(v);
	return 0;
}

int body__bool(json_t *o, const char *name, bool *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, name);

	if (!v || json_is_null(v))
		return 1;
	if (!json_is_boolean(v))
		return wrong_type(v, name, "a boolean", err, errlen);
	*out = json_is_true(v);
	return 0;
}

int body__uint(json_t *o, const char *name, u64 *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, name);

	if (!v || json_is_null(v))
		return 1;
	if (!json_is_integer(v))
		return wrong_type(v, name, "an unsigned integer", err, errlen);
	if (json_integer_value(v) < 0)
		return set_err(err, errlen, EINVAL,
			       DESER "invalid value: integer `%lld`, expected an unsigned integer "
			       "for `%s`.",
			       (long long)json_integer_value(v), name);
	*out = (u64)json_integer_value(v);
	return 0;
}

int body__missing(const char *name, char *err, size_t errlen)
{
	return set_err(err, errlen, EINVAL, DESER "missing field `%s`.", name);
}

int body__unsupported(json_t *o, const char *name, const char *why, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, name);

	if (!v || json_is_null(v))
		return 0;
	return set_err(err, errlen, ENOTSUP, "`%s` is not supported by nestvisor: %s.", name, why);
}

int api_id__check(const char *id, char *err, size_t errlen)
{
	if (!*id)
		return set_err(err, errlen, EINVAL, "The ID cannot be empty.");
	if (strlen(id) > VMM_API_ID_MAX)
		return set_err(err, errlen, EINVAL,
			       "API Resource IDs can be at most %d characters long.", VMM_API_ID_MAX);
	for (const char *p = id; *p; p++) {
		bool alnum = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			     (*p >= '0' && *p <= '9');

		if (!alnum && *p != '_')
			return set_err(err, errlen, EINVAL,
				       "API Resource IDs can only contain alphanumeric characters "
				       "and underscores.");
	}
	return 0;
}

int api_path__check(const char *field, const char *path, bool block_ok, bool want_write,
		    char *err, size_t errlen)
{
	struct stat sb;

	if (!*path)
		return set_err(err, errlen, EINVAL, "%s is empty.", field);
	if (strlen(path) >= sizeof(((struct disk_option *)0)->path))
		return set_err(err, errlen, ENAMETOOLONG, "%s is too long.", field);
	/* A descriptor the VMM was started with: disk__open checks its mode and type. */
	if (path_passed_fd(path) >= 0)
		return 0;
	if (stat(path, &sb))
		return set_err(err, errlen, errno, "%s %s: %s.", field, path, strerror(errno));
	if (!S_ISREG(sb.st_mode) && !(block_ok && S_ISBLK(sb.st_mode)))
		return set_err(err, errlen, EINVAL, "%s %s is not a regular file%s.", field, path,
			       block_ok ? " or a block device" : "");
	if (access(path, want_write ? R_OK | W_OK : R_OK))
		return set_err(err, errlen, errno, "%s %s cannot be %s: %s.", field, path,
			       want_write ? "read and written" : "read", strerror(errno));
	return 0;
}

void reply__no_content(struct http_response *resp)
{
	http__respond(resp, 204, "application/json", "", 0);
}

/* The server (or vmm_api__dispatch) wraps message in {"fault_message": ...}. */
void reply__fault(struct http_response *resp, int status, const char *message)
{
	http__respond_error(resp, status, message);
}

void reply__json(struct http_response *resp, json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	if (!s) {
		reply__fault(resp, 500, "out of memory");
		return;
	}
	http__respond(resp, 200, "application/json", s, strlen(s));
	free(s);
}

void reply__finish(struct vmm_api *api, struct http_response *resp, json_t *o, int ret,
		   const char *err)
{
	if (ret)
		reply__fault(resp, 400, err);
	else
		reply__no_content(resp);
	json_decref(o);
	pthread_mutex_unlock(&api->lock);
}
