/*
 * Drives one connection of the HTTP server (src/api/http_conn.c) without its poll loop:
 * the fuzz input is what the client sends (then it shuts its side), the server's replies
 * are read back and checked to be HTTP. Shared by the HTTP and control-plane API targets.
 */
#ifndef NV_TESTS_FUZZ_HTTP_CONN_H
#define NV_TESTS_FUZZ_HTTP_CONN_H

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/http_conn.h"
#include "fuzz_common.h"

#define FUZZ_HTTP_ROUNDS 4096

/* Every reply the server wrote must start with a status line. */
static inline void fuzz_http_check_replies(const char *out, size_t len)
{
	if (len && (len < 12 || memcmp(out, "HTTP/1.1 ", 9))) {
		fprintf(stderr, "fuzz: the server wrote something that is not an HTTP reply\n");
		abort();
	}
}

/* Reads what the server sent so far; returns how many bytes. */
static inline size_t fuzz_http_drain(int peer, char *out, size_t cap, size_t *len)
{
	size_t got = 0;
	ssize_t n;

	while ((n = recv(peer, out + *len, cap - *len, MSG_DONTWAIT)) > 0) {
		got += (size_t)n;
		*len += (size_t)n;
		if (*len == cap)	/* keep the first replies; drop the rest */
			*len = cap / 2;
	}
	return got;
}

/*
 * Sends data as the client (whole, then EOF) and serves it until the server closes. When
 * nothing moves any more the clock jumps a day: a stalled request must then time out.
 */
static inline void fuzz_http_serve(const struct http_server_config *cfg, const u8 *data,
				   size_t size)
{
	static char out[256 * 1024];
	size_t out_len = 0, sent = 0;
	struct http_conn *c;
	long long now;
	int fds[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds))
		abort();
	c = http_conn__new(fds[0], cfg);
	if (!c)
		abort();
	now = http_now_ms();
	if (!size)
		shutdown(fds[1], SHUT_WR);
	for (int i = 0, idle = 0; i < FUZZ_HTTP_ROUNDS && !http_conn__closed(c); i++) {
		ssize_t n = 0;

		if (sent < size) {
			n = send(fds[1], data + sent, size - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
			sent += n > 0 ? (size_t)n : 0;
			if (sent == size)
				shutdown(fds[1], SHUT_WR);
		}
		http_conn__handle(c, POLLIN | POLLOUT, now);
		if (n > 0 || fuzz_http_drain(fds[1], out, sizeof(out), &out_len))
			idle = 0;
		else if (++idle == 4)
			now += 24LL * 3600 * 1000;
		else if (idle > 16)
			break;
	}
	fuzz_http_drain(fds[1], out, sizeof(out), &out_len);
	if (!http_conn__closed(c)) {
		fprintf(stderr, "fuzz: the connection neither finished nor timed out\n");
		abort();
	}
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "%.*s\n", (int)out_len, out);
	fuzz_http_check_replies(out, out_len);
	http_conn__free(c);
	close(fds[1]);
}

#endif
