/*
 * Fuzz target: the HTTP/1.1 server shared by both APIs. The first byte picks the mode:
 * the request parser fed in input-chosen chunks (pipelined requests, every accessor on
 * what it parsed), or one whole server connection over a socketpair with a small route
 * table (replies, keep-alive, errors, timeouts).
 */
#include <stdio.h>

#include "api/http.h"
#include "fuzz_common.h"
#include "fuzz_http_conn.h"

#define LIMITS { .max_header_bytes = 2048, .max_body_bytes = 1024, \
		 .request_timeout_ms = 1000, .idle_timeout_ms = 2000, .max_connections = 4 }

static const struct http_limits limits = LIMITS;

static void h_echo(const struct http_request *req, struct http_response *resp, void *ctx)
{
	char q[16];
	const char *v = http__query(req, "x", q, sizeof(q));

	http__respond(resp, 200, "text/plain", req->body, req->body_len);
	if (v && *v == 'c')
		resp->close = true;
}

static void h_param(const struct http_request *req, struct http_response *resp, void *ctx)
{
	if (req->nparams < 1 || req->nparams > HTTP_MAX_PARAMS)
		abort();
	http__respond_error(resp, 404, req->params[req->nparams - 1]);
}

static void h_nothing(const struct http_request *req, struct http_response *resp, void *ctx)
{
}

static const struct http_route routes[] = {
	{ "GET", "/", h_echo },
	{ "PUT", "/echo", h_echo },
	{ "POST", "/echo", h_echo },
	{ "GET", "/a/{}", h_param },
	{ "DELETE", "/a/{}/b/{}", h_param },
	{ "GET", "/{}/{}/{}/{}", h_param },
	{ "PATCH", "/nothing", h_nothing },
};

static const struct http_server_config cfg = {
	.socket_path = "unused", .routes = routes, .nroutes = ARRAY_SIZE(routes),
	.limits = LIMITS,
};

/* What a handler would do with a parsed request. */
static void use_request(const struct http_request *r)
{
	const struct http_route *found;
	const char *params[HTTP_MAX_PARAMS];
	char buf[8], scratch[64], esc[256];
	int nparams;

	if (!r->method || !r->path || !r->query || !r->body || r->nheaders < 0 ||
	    r->nheaders > HTTP_MAX_HEADERS || r->body_len > limits.max_body_bytes)
		abort();
	for (int i = 0; i < r->nheaders; i++) {
		if (!r->headers[i].name || !r->headers[i].value)
			abort();
		(void)http__header(r, r->headers[i].name);
	}
	(void)http__query(r, "a", buf, sizeof(buf));
	(void)http__query(r, "", buf, 1);
	(void)http__route_match(routes, ARRAY_SIZE(routes), r->method, r->path, &found, params,
				&nparams, scratch, sizeof(scratch));
	http__json_escape(r->path, esc, sizeof(esc));
	free(http__default_error_body(400, r->path));
}

/* Feeds data in chunks whose sizes come from the input's own bytes. */
static void parse(const u8 *data, size_t size)
{
	struct http_reqparser *rp = http_reqparser__new(&limits);
	size_t off = 0, chunk = 1, used;
	enum http_parse_result res;

	while (off < size) {
		size_t len = min_u64(chunk, size - off);

		res = http_reqparser__feed(rp, (const char *)data + off, len, &used);
		if (used > len)
			abort();
		off += used;
		if (res == HTTP_PARSE_ERROR) {
			int st = http_reqparser__error(rp, NULL);

			if (st < 400 || st > 599)
				abort();
			break;
		}
		if (res == HTTP_PARSE_DONE) {
			use_request(http_reqparser__request(rp));
			http_reqparser__reset(rp);
		} else if (used < len) {
			abort();	/* MORE must take all it was given */
		}
		chunk = 1 + data[off % size] % 64;
	}
	http_reqparser__free(rp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_quiet();
	if (!size)
		return 0;
	if (data[0] & 1)
		fuzz_http_serve(&cfg, data + 1, size - 1);
	else
		parse(data + 1, size - 1);
	return 0;
}
