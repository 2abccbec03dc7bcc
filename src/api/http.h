/*
 * A small HTTP/1.1 server on a unix socket, shared by the control plane's daemon and the
 * VMM's per-VM API: one thread, poll(), keep-alive and pipelining, limits on header and body
 * sizes (431, 413), timeouts for slow clients (408), and a route table of method + path
 * pattern -> handler. Handlers run on the server's thread, so they must be quick.
 */
#ifndef NV_API_HTTP_H
#define NV_API_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define HTTP_MAX_PARAMS 4
#define HTTP_MAX_HEADERS 32

struct http_header {
	const char *name;
	const char *value;
};

/* Valid during the handler's call only. */
struct http_request {
	const char *method;		/* "GET", "PUT", ... */
	const char *path;		/* without the query */
	const char *query;		/* after '?', "" when none */
	struct http_header headers[HTTP_MAX_HEADERS];
	int nheaders;
	const char *body;		/* NUL-terminated for convenience; may hold NULs */
	size_t body_len;
	const char *params[HTTP_MAX_PARAMS];	/* what {} in the route's pattern matched */
	int nparams;
	uid_t uid;			/* the peer's credentials (SO_PEERCRED) */
	gid_t gid;
	pid_t pid;
	bool keep_alive;
};

struct http_response {
	int status;
	const char *content_type;	/* a string literal */
	char *body;			/* malloc'd; the server frees it */
	size_t body_len;
	bool close;			/* close the connection after this response */
};

typedef void (*http_handler)(const struct http_request *req, struct http_response *resp,
			     void *ctx);

/* A pattern is a path whose segments may be "{}" (any one non-empty segment, captured). */
struct http_route {
	const char *method;
	const char *pattern;
	http_handler handler;
};

/* Formats an error body (JSON) for a status and message into a malloc'd string. */
typedef char *(*http_error_body_fn)(int status, const char *message);

struct http_limits {
	size_t max_header_bytes;	/* request line and headers; 431 (414 for the URI) past it */
	size_t max_body_bytes;		/* 413 past it */
	int request_timeout_ms;		/* first byte to last of a request (and of its reply) */
	int idle_timeout_ms;		/* a keep-alive connection with nothing to do */
	int max_connections;		/* past it: eviction, then 503 (below) */
	int busy_timeout_ms;		/* both timeouts' cap once 3/4 of the table is in use */
};

struct http_server_config {
	const char *socket_path;
	unsigned socket_mode;		/* e.g. 0660; 0 leaves the umask's choice */
	const struct http_route *routes;
	size_t nroutes;
	void *ctx;			/* handed to every handler */
	http_error_body_fn error_body;	/* NULL: {"error": {"code": N, "message": "..."}} */
	struct http_limits limits;	/* zero fields take the defaults below */
};

#define HTTP_DEFAULT_MAX_HEADER_BYTES (16 * 1024)
#define HTTP_DEFAULT_MAX_BODY_BYTES (1024 * 1024)
#define HTTP_DEFAULT_REQUEST_TIMEOUT_MS 10000
#define HTTP_DEFAULT_IDLE_TIMEOUT_MS 60000
#define HTTP_DEFAULT_MAX_CONNECTIONS 64
#define HTTP_DEFAULT_BUSY_TIMEOUT_MS 2000

/*
 * Fairness when the connection table fills: from 3/4 full on, a connection waiting on its
 * peer (idle, or part of a request received) gets at most busy_timeout_ms instead of the idle
 * and request timeouts. A new connection at the limit takes the slot of the connection that
 * has waited on its peer the longest (a partial request is told 503 first; an idle one is just
 * closed), never one accepted in the same pass or one whose reply is being written; only when
 * there is no such connection is the newcomer refused with 503. A client that sends whole
 * requests is thus always served, however many others hold connections open.
 */

struct http_server;

/* Binds and listens (replacing a stale socket file, refusing a live one). */
int http_server__init(struct http_server **out, const struct http_server_config *cfg,
		      char *err, size_t errlen) __attribute__((warn_unused_result));
/* Serves until http_server__stop; 0, or -errno if polling failed. */
int http_server__run(struct http_server *s);
/* Async-signal-safe: makes run return soon. */
void http_server__stop(struct http_server *s);
/* Closes every connection and the socket, and removes the socket file. */
void http_server__destroy(struct http_server *s);

/* Handler helpers. */
const char *http__header(const struct http_request *req, const char *name);
/* The value of key in the query string (not decoded), or NULL. Copies into buf. */
const char *http__query(const struct http_request *req, const char *key, char *buf, size_t len);
void http__respond(struct http_response *resp, int status, const char *content_type,
		   const char *body, size_t len);
/* A status and a body that the server's error_body function formats. */
void http__respond_error(struct http_response *resp, int status, const char *message);
const char *http__status_text(int status);

/* Route matching, exposed for tests: 0 found, 404 no path, 405 path but not the method. */
int http__route_match(const struct http_route *routes, size_t n, const char *method,
		      const char *path, const struct http_route **found, const char **params,
		      int *nparams, char *scratch, size_t scratch_len);

/* The request parser, exposed for tests and for anything that frames HTTP itself. */
enum http_parse_result { HTTP_PARSE_MORE, HTTP_PARSE_DONE, HTTP_PARSE_ERROR };

struct http_reqparser;

struct http_reqparser *http_reqparser__new(const struct http_limits *limits);
void http_reqparser__free(struct http_reqparser *rp);
/* Forgets the last request; keeps the limits. */
void http_reqparser__reset(struct http_reqparser *rp);
/*
 * Parses up to len bytes; *consumed says how many were used (the rest belongs to a next,
 * pipelined request). DONE: http_reqparser__request is ready. ERROR: the status (400, 413,
 * 414, 431, 505, ...) and message say why; the connection should close after the reply.
 */
enum http_parse_result http_reqparser__feed(struct http_reqparser *rp, const char *data,
					    size_t len, size_t *consumed);
struct http_request *http_reqparser__request(struct http_reqparser *rp);
int http_reqparser__error(const struct http_reqparser *rp, const char **message);
/* True once any byte of a request has been seen (for the request timeout). */
bool http_reqparser__started(const struct http_reqparser *rp);

#endif
