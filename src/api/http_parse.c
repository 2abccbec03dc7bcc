/*
 * The HTTP/1.1 request parser: http-parser (node's) does the framing; this file keeps the
 * request line and headers in one bounded arena, the body in a bounded buffer, and turns
 * every way a request can be too big or malformed into a status and a message.
 */
#include <errno.h>
#include <http_parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/http.h"

enum item { ITEM_NONE, ITEM_URL, ITEM_FIELD, ITEM_VALUE };

struct http_reqparser {
	http_parser p;
	struct http_limits lim;
	char *arena;
	size_t arena_len, arena_cap;
	size_t header_bytes;	/* URL, names and values, without the NULs */
	enum item cur;
	size_t url_off;
	size_t field_off[HTTP_MAX_HEADERS], value_off[HTTP_MAX_HEADERS];
	int nfields;
	char *body;
	size_t body_len, body_cap;
	bool started, done;
	int status;
	char msg[160];
	struct http_request req;
};

static int fail(struct http_reqparser *rp, int status, const char *msg)
{
	rp->status = status;
	snprintf(rp->msg, sizeof(rp->msg), "%s", msg);
	return -1;
}

/* Appends to the current item, starting a new one (the old one NUL-terminated) on a change. */
static int append(struct http_reqparser *rp, enum item kind, const char *at, size_t len)
{
	if (kind != rp->cur) {
		if (rp->cur != ITEM_NONE)
			rp->arena[rp->arena_len++] = '\0';
		if (kind == ITEM_FIELD && rp->nfields == HTTP_MAX_HEADERS)
			return fail(rp, 431, "too many header fields");
		if (kind == ITEM_URL)
			rp->url_off = rp->arena_len;
		else if (kind == ITEM_FIELD)
			rp->field_off[rp->nfields++] = rp->arena_len;
		else
			rp->value_off[rp->nfields - 1] = rp->arena_len;
		rp->cur = kind;
	}
	/* arena_cap reserves room for each item's NUL beyond max_header_bytes. */
	if (len > rp->lim.max_header_bytes - rp->header_bytes)
		return kind == ITEM_URL ? fail(rp, 414, "the request URI is too long") :
		       fail(rp, 431, "the request's header fields are too large");
	memcpy(rp->arena + rp->arena_len, at, len);
	rp->arena_len += len;
	rp->header_bytes += len;
	return 0;
}

static int on_message_begin(http_parser *p)
{
	((struct http_reqparser *)p->data)->started = true;
	return 0;
}

static int on_url(http_parser *p, const char *at, size_t len)
{
	return append(p->data, ITEM_URL, at, len);
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
	return append(p->data, ITEM_FIELD, at, len);
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
	return append(p->data, ITEM_VALUE, at, len);
}

static int on_headers_complete(http_parser *p)
{
	struct http_reqparser *rp = p->data;

	if (rp->cur != ITEM_NONE)
		rp->arena[rp->arena_len++] = '\0';
	rp->cur = ITEM_NONE;
	if (p->http_major != 1)
		return fail(rp, 505, "only HTTP/1.0 and HTTP/1.1 are served");
	if ((p->flags & F_CONTENTLENGTH) && p->content_length > rp->lim.max_body_bytes)
		return fail(rp, 413, "the request body is too large");
	return 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
	struct http_reqparser *rp = p->data;

	if (len > rp->lim.max_body_bytes - rp->body_len)
		return fail(rp, 413, "the request body is too large");
	if (rp->body_len + len + 1 > rp->body_cap) {
		size_t cap = rp->body_cap * 2 > rp->body_len + len + 1 ? rp->body_cap * 2 :
			     rp->body_len + len + 1;
		char *b = realloc(rp->body, cap);

		if (!b)
			return fail(rp, 503, "out of memory for the request body");
		rp->body = b;
		rp->body_cap = cap;
	}
	memcpy(rp->body + rp->body_len, at, len);
	rp->body_len += len;
	return 0;
}

static int on_message_complete(http_parser *p)
{
	struct http_reqparser *rp = p->data;

	rp->done = true;
	/* Stop here: bytes after this belong to the next, pipelined request. */
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings settings = {
	.on_message_begin = on_message_begin,
	.on_url = on_url,
	.on_header_field = on_header_field,
	.on_header_value = on_header_value,
	.on_headers_complete = on_headers_complete,
	.on_body = on_body,
	.on_message_complete = on_message_complete,
};

struct http_reqparser *http_reqparser__new(const struct http_limits *limits)
{
	struct http_reqparser *rp = calloc(1, sizeof(*rp));

	if (!rp)
		return NULL;
	rp->lim = *limits;
	if (!rp->lim.max_header_bytes)
		rp->lim.max_header_bytes = HTTP_DEFAULT_MAX_HEADER_BYTES;
	if (!rp->lim.max_body_bytes)
		rp->lim.max_body_bytes = HTTP_DEFAULT_MAX_BODY_BYTES;
	/* One NUL per item: the URL and a field and value per header. */
	rp->arena_cap = rp->lim.max_header_bytes + 2 * HTTP_MAX_HEADERS + 2;
	rp->arena = malloc(rp->arena_cap);
	if (!rp->arena) {
		free(rp);
		return NULL;
	}
	http_reqparser__reset(rp);
	return rp;
}

void http_reqparser__free(struct http_reqparser *rp)
{
	if (!rp)
		return;
	free(rp->arena);
	free(rp->body);
	free(rp);
}

void http_reqparser__reset(struct http_reqparser *rp)
{
	http_parser_init(&rp->p, HTTP_REQUEST);
	rp->p.data = rp;
	rp->arena_len = rp->header_bytes = 0;
	rp->cur = ITEM_NONE;
	rp->url_off = 0;
	rp->nfields = 0;
	for (int i = 0; i < HTTP_MAX_HEADERS; i++)
		rp->value_off[i] = SIZE_MAX;
	rp->body_len = 0;
	rp->started = rp->done = false;
	rp->status = 0;
	rp->msg[0] = '\0';
	memset(&rp->req, 0, sizeof(rp->req));
}

/* Splits the URL into path and query; origin-form only ("/path?query"). */
static int split_url(struct http_reqparser *rp)
{
	char *url = rp->arena + rp->url_off;
	char *q = strchr(url, '?'), *frag = strchr(url, '#');

	if (url[0] != '/')
		return fail(rp, 400, "the request target must be a path starting with '/'");
	if (frag)
		*frag = '\0';
	rp->req.path = url;
	rp->req.query = "";
	if (q && (!frag || q < frag)) {
		*q = '\0';
		rp->req.query = q + 1;
	}
	return 0;
}

static int build_request(struct http_reqparser *rp)
{
	struct http_request *r = &rp->req;

	r->method = http_method_str((enum http_method)rp->p.method);
	for (int i = 0; i < rp->nfields; i++) {
		r->headers[i].name = rp->arena + rp->field_off[i];
		r->headers[i].value = rp->value_off[i] == SIZE_MAX ? "" :
				      rp->arena + rp->value_off[i];
	}
	r->nheaders = rp->nfields;
	if (!rp->body) {
		rp->body = malloc(1);
		if (!rp->body)
			return fail(rp, 503, "out of memory");
		rp->body_cap = 1;
	}
	rp->body[rp->body_len] = '\0';
	r->body = rp->body;
	r->body_len = rp->body_len;
	r->keep_alive = http_should_keep_alive(&rp->p) && !rp->p.upgrade;
	return split_url(rp);
}

/* A status and message for a framing error that no callback of ours reported. */
static void framing_error(struct http_reqparser *rp, enum http_errno e)
{
	char msg[128];

	if (e == HPE_HEADER_OVERFLOW) {
		fail(rp, 431, "the request's header fields are too large");
		return;
	}
	snprintf(msg, sizeof(msg), "malformed request: %s", http_errno_description(e));
	fail(rp, 400, msg);
}

enum http_parse_result http_reqparser__feed(struct http_reqparser *rp, const char *data,
					    size_t len, size_t *consumed)
{
	enum http_errno e;

	*consumed = 0;
	if (rp->status)
		return HTTP_PARSE_ERROR;
	if (rp->done)
		return HTTP_PARSE_DONE;
	*consumed = http_parser_execute(&rp->p, &settings, data, len);
	e = HTTP_PARSER_ERRNO(&rp->p);
	if (rp->done && e == HPE_PAUSED)
		return build_request(rp) ? HTTP_PARSE_ERROR : HTTP_PARSE_DONE;
	if (rp->status)
		return HTTP_PARSE_ERROR;
	if (e != HPE_OK) {
		framing_error(rp, e);
		return HTTP_PARSE_ERROR;
	}
	return HTTP_PARSE_MORE;
}

struct http_request *http_reqparser__request(struct http_reqparser *rp)
{
	return rp->done && !rp->status ? &rp->req : NULL;
}

int http_reqparser__error(const struct http_reqparser *rp, const char **message)
{
	if (message)
		*message = rp->msg;
	return rp->status;
}

bool http_reqparser__started(const struct http_reqparser *rp)
{
	return rp->started;
}
