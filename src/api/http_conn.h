/* One HTTP connection of the server (http.c's helper; not for other modules). */
#ifndef NV_API_HTTP_CONN_H
#define NV_API_HTTP_CONN_H

#include "api/http.h"

struct http_conn;

long long http_now_ms(void);

/* Takes fd (non-blocking); NULL when out of memory (fd is then the caller's). */
struct http_conn *http_conn__new(int fd, const struct http_server_config *cfg);
void http_conn__free(struct http_conn *c);
/* Best effort: writes one error reply on fd without waiting. */
void http_conn__refuse(int fd, const struct http_server_config *cfg, int status,
		       const char *message);
bool http_conn__closed(const struct http_conn *c);
int http_conn__fd(const struct http_conn *c);
short http_conn__events(const struct http_conn *c);
/* When the connection next needs attention without I/O (ms, CLOCK_MONOTONIC), 0 for never. */
long long http_conn__deadline(const struct http_conn *c);
void http_conn__handle(struct http_conn *c, short revents, long long now);
/* The server's table is nearly full: waiting on the peer is cut to busy_timeout_ms. */
void http_conn__set_busy(struct http_conn *c, bool busy);
/* Since when it has waited on its peer (ms), or 0 when it has a reply to write or is closing. */
long long http_conn__waiting_since(const struct http_conn *c);
/* True once the peer has sent a byte: a connection not yet heard from may not have had its turn. */
bool http_conn__heard(const struct http_conn *c);
/* Closes it for a newcomer's sake; a peer with part of a request sent is told 503 first. */
void http_conn__evict(struct http_conn *c);

/* The default error body: {"error": {"code": N, "message": "..."}}. */
char *http__default_error_body(int status, const char *message);
/* Escapes s as a JSON string's content (bytes outside printable ASCII as \u00XX). */
size_t http__json_escape(const char *s, char *out, size_t len);

#endif
