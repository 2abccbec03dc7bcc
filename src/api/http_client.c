/* The HTTP client: connect, write the request, parse the reply with http-parser. */
#include <errno.h>
#include <http_parser.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "api/http_client.h"
#include "api/http_conn.h"
#include "util/util.h"

struct reply {
	struct http_client_response *out;
	size_t cap;
	bool done, too_big;
};

static int on_body(http_parser *p, const char *at, size_t len)
{
	struct reply *r = p->data;
	struct http_client_response *o = r->out;

	if (o->body_len + len > HTTP_CLIENT_MAX_BODY) {
		r->too_big = true;
		return -1;
	}
	if (o->body_len + len + 1 > r->cap) {
		size_t cap = (o->body_len + len + 1) * 2;
		char *b = realloc(o->body, cap);

		if (!b)
			return -1;
		o->body = b;
		r->cap = cap;
	}
	memcpy(o->body + o->body_len, at, len);
	o->body_len += len;
	o->body[o->body_len] = '\0';
	return 0;
}

static int on_complete(http_parser *p)
{
	((struct reply *)p->data)->done = true;
	return 0;
}

static int connect_to(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, e;

	if (strlen(path) >= sizeof(addr.sun_path))
		return set_err(err, errlen, ENAMETOOLONG, "socket path %s is too long", path);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return set_err(err, errlen, errno, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		e = errno;
		close(fd);
		return set_err(err, errlen, e, "cannot connect to %s: %s", path, strerror(e));
	}
	return fd;
}

/* Waits for fd to be ready for events before the deadline; 0 or -ETIMEDOUT/-errno. */
static int wait_for(int fd, short events, long long deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	long long left = deadline - http_now_ms();
	int n;

	if (left <= 0)
		return -ETIMEDOUT;
	n = poll(&pfd, 1, (int)left);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	return n ? 0 : -ETIMEDOUT;
}

static int send_all(int fd, const char *buf, size_t len, long long deadline)
{
	while (len) {
		ssize_t n;
		int ret = wait_for(fd, POLLOUT, deadline);

		if (ret)
			return ret;
		n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_reply(int fd, struct http_client_response *out, long long deadline,
		      char *err, size_t errlen)
{
	static const http_parser_settings settings = { .on_body = on_body,
						       .on_message_complete = on_complete };
	struct reply r = { .out = out };
	http_parser p;
	char buf[8192];

	http_parser_init(&p, HTTP_RESPONSE);
	p.data = &r;
	while (!r.done) {
		ssize_t n;
		int ret = wait_for(fd, POLLIN, deadline);

		if (ret)
			return set_err(err, errlen, -ret, "no reply in time (%s)", strerror(-ret));
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return set_err(err, errlen, errno, "reading the reply: %s", strerror(errno));
		/* n == 0 tells the parser the stream ended (a reply without a length). */
		if (http_parser_execute(&p, &settings, buf, (size_t)n) != (size_t)n || !n) {
			if (r.done)
				break;
			return set_err(err, errlen, EPROTO, "malformed or cut reply%s",
				       r.too_big ? " (body too large)" : "");
		}
	}
	out->status = (int)p.status_code;
	return 0;
}

static int build_request(char **req, const char *method, const char *path, const char *body)
{
	size_t blen = body ? strlen(body) : 0;

	return asprintf(req, "%s %s HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n"
			"Connection: close\r\n%s%s%zu\r\n\r\n%s", method, path,
			body ? "Content-Type: application/json\r\n" : "",
			"Content-Length: ", blen, body ? body : "");
}

int http_client__request(const char *socket_path, const char *method, const char *path,
			 const char *body, int timeout_ms, struct http_client_response *out,
			 char *err, size_t errlen)
{
	long long deadline = http_now_ms() + timeout_ms;
	char *req = NULL;
	int fd, ret;

	memset(out, 0, sizeof(*out));
	if (build_request(&req, method, path, body) < 0)
		return set_err(err, errlen, ENOMEM, "out of memory");
	fd = connect_to(socket_path, err, errlen);
	if (fd < 0) {
		free(req);
		return fd;
	}
	ret = send_all(fd, req, strlen(req), deadline);
	if (ret)
		set_err(err, errlen, -ret, "sending the request: %s", strerror(-ret));
	else
		ret = read_reply(fd, out, deadline, err, errlen);
	free(req);
	close(fd);
	if (!ret && !out->body)
		out->body = calloc(1, 1);
	if (ret)
		http_client__response_free(out);
	return ret;
}

void http_client__response_free(struct http_client_response *r)
{
	free(r->body);
	r->body = NULL;
	r->body_len = 0;
}
