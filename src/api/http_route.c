/* HTTP helpers for handlers: route matching, headers, query strings, responses, status texts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/http.h"

/* Matches one path against a pattern, capturing "{}" segments into params (in scratch). */
static bool match(const char *pattern, const char *path, const char **params, int *nparams,
		  char *scratch, size_t scratch_len)
{
	size_t used = 0;

	*nparams = 0;
	while (*pattern && *path) {
		size_t plen = strcspn(pattern + 1, "/") + 1, len = strcspn(path + 1, "/") + 1;

		if (*pattern != '/' || *path != '/')
			return false;
		if (plen == 3 && !strncmp(pattern, "/{}", 3)) {
			if (len < 2 || *nparams == HTTP_MAX_PARAMS || used + len > scratch_len)
				return false;
			memcpy(scratch + used, path + 1, len - 1);
			scratch[used + len - 1] = '\0';
			params[(*nparams)++] = scratch + used;
			used += len;
		} else if (plen != len || strncmp(pattern, path, len)) {
			return false;
		}
		pattern += plen;
		path += len;
	}
	return !*pattern && !*path;
}

int http__route_match(const struct http_route *routes, size_t n, const char *method,
		      const char *path, const struct http_route **found, const char **params,
		      int *nparams, char *scratch, size_t scratch_len)
{
	const char *tmp[HTTP_MAX_PARAMS];
	bool path_seen = false;

	for (size_t i = 0; i < n; i++) {
		int nt;

		if (!match(routes[i].pattern, path, tmp, &nt, scratch, scratch_len))
			continue;
		path_seen = true;
		if (strcmp(routes[i].method, method))
			continue;
		/* Match again: the scratch may hold a previous candidate's captures. */
		match(routes[i].pattern, path, params, nparams, scratch, scratch_len);
		*found = &routes[i];
		return 0;
	}
	return path_seen ? 405 : 404;
}

const char *http__header(const struct http_request *req, const char *name)
{
	for (int i = 0; i < req->nheaders; i++)
		if (!strcasecmp(req->headers[i].name, name))
			return req->headers[i].value;
	return NULL;
}

const char *http__query(const struct http_request *req, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);

	for (const char *p = req->query; p && *p;) {
		size_t n = strcspn(p, "&");

		if (n >= klen && !strncmp(p, key, klen) && (p[klen] == '=' || klen == n)) {
			const char *v = p[klen] == '=' ? p + klen + 1 : p + klen;
			size_t vlen = n - (size_t)(v - p);

			snprintf(buf, len, "%.*s", (int)vlen, v);
			return buf;
		}
		p += n + (p[n] == '&');
	}
	return NULL;
}

void http__respond(struct http_response *resp, int status, const char *content_type,
		   const char *body, size_t len)
{
	free(resp->body);
	resp->status = status;
	resp->content_type = content_type;
	resp->body = malloc(len + 1);
	resp->body_len = resp->body ? len : 0;
	if (resp->body) {
		memcpy(resp->body, body, len);
		resp->body[len] = '\0';
	}
}

/* The server formats the body later, with its configured error_body function. */
void http__respond_error(struct http_response *resp, int status, const char *message)
{
	http__respond(resp, status, NULL, message, strlen(message));
}

const char *http__status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return status < 400 ? "OK" : "Error";
	}
}
