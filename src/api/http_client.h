/* A minimal HTTP/1.1 client over a unix socket: one request per connection, with a deadline. */
#ifndef NV_API_HTTP_CLIENT_H
#define NV_API_HTTP_CLIENT_H

#include <stddef.h>

#define HTTP_CLIENT_MAX_BODY (16 * 1024 * 1024)

struct http_client_response {
	int status;
	char *body;		/* NUL-terminated, malloc'd */
	size_t body_len;
};

/*
 * Sends method path (with body, if any, as application/json) to the server on socket_path
 * and reads the whole reply within timeout_ms. Returns 0 (any HTTP status), -ECONNREFUSED or
 * -ENOENT when nothing listens there, -ETIMEDOUT, or another -errno; err says which.
 */
int http_client__request(const char *socket_path, const char *method, const char *path,
			 const char *body, int timeout_ms, struct http_client_response *out,
			 char *err, size_t errlen) __attribute__((warn_unused_result));
void http_client__response_free(struct http_client_response *r);

#endif
