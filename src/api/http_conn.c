/*
 * One connection: read, parse one request at a time, dispatch, write the reply, repeat.
 * Replies go out in request order; a peer that is too slow (sending or reading) is dropped.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/http_conn.h"
#include "util/log.h"

#define IN_BUF 16384

struct http_conn {
	int fd;
	const struct http_server_config *cfg;
	struct http_reqparser *rp;
	char in[IN_BUF];
	size_t in_len;
	char *out;
	size_t out_len, out_off;
	bool close_after, closed;
	bool eof;		/* the peer will send nothing more */
	bool heard;		/* a byte has been read from the peer */
	bool busy;		/* the server is nearly full: shorter waits */
	long long last_activity, req_start, out_since;
	struct ucred cred;
};

size_t http__json_escape(const char *s, char *out, size_t len)
{
	size_t n = 0;

	for (; *s && n + 7 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			n += (size_t)snprintf(out + n, len - n, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			n += (size_t)snprintf(out + n, len - n, "\\u%04x", c);
		else
			out[n++] = (char)c;
	}
	if (len)
		out[n < len ? n : len - 1] = '\0';
	return n;
}

char *http__default_error_body(int status, const char *message)
{
	char esc[1024];
	char *body = NULL;

	http__json_escape(message, esc, sizeof(esc));
	if (asprintf(&body, "{\"error\": {\"code\": %d, \"message\": \"%s\"}}\n", status, esc) < 0)
		return NULL;
	return body;
}

struct http_conn *http_conn__new(int fd, const struct http_server_config *cfg)
{
	struct http_conn *c = calloc(1, sizeof(*c));
	socklen_t len = sizeof(c->cred);

	if (!c)
		return NULL;
	c->rp = http_reqparser__new(&cfg->limits);
	if (!c->rp) {
		free(c);
		return NULL;
	}
	c->fd = fd;
	c->cfg = cfg;
	c->last_activity = http_now_ms();
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->cred, &len)) {
		/* Unknown peer: nobody, never root. */
		c->cred.uid = (uid_t)-1;
		c->cred.gid = (gid_t)-1;
		c->cred.pid = 0;
	}
	return c;
}

void http_conn__free(struct http_conn *c)
{
	if (!c)
		return;
	close(c->fd);
	http_reqparser__free(c->rp);
	free(c->out);
	free(c);
}

bool http_conn__closed(const struct http_conn *c)
{
	return c->closed;
}

int http_conn__fd(const struct http_conn *c)
{
	return c->fd;
}

short http_conn__events(const struct http_conn *c)
{
	if (c->closed)
		return 0;
	if (c->out_off < c->out_len)
		return POLLOUT;
	return c->eof ? 0 : POLLIN;
}

static int capped(int ms, int cap, bool busy)
{
	return busy && cap < ms ? cap : ms;
}

void http_conn__set_busy(struct http_conn *c, bool busy)
{
	c->busy = busy;
}

long long http_conn__deadline(const struct http_conn *c)
{
	const struct http_limits *l = &c->cfg->limits;
	bool busy = c->busy;

	if (c->closed)
		return 0;
	if (c->out_off < c->out_len)
		return c->out_since + l->request_timeout_ms;
	if (c->req_start)
		return c->req_start + capped(l->request_timeout_ms, l->busy_timeout_ms, busy);
	return c->last_activity + capped(l->idle_timeout_ms, l->busy_timeout_ms, busy);
}

bool http_conn__heard(const struct http_conn *c)
{
	return c->heard;
}

long long http_conn__waiting_since(const struct http_conn *c)
{
	if (c->closed || c->close_after || c->out_off < c->out_len)
		return 0;
	return c->req_start ? c->req_start : c->last_activity;
}

void http_conn__evict(struct http_conn *c)
{
	if (c->req_start || c->in_len)
		http_conn__refuse(c->fd, c->cfg, 503,
				  "too many connections: this unfinished request gave way to a new client");
	c->closed = true;
}

/* Formats a whole reply (status line, headers, body) into a malloc'd buffer. */
static char *format_reply(int status, const char *type, const char *body, size_t len,
			  bool close, size_t *total)
{
	bool no_body = status == 204 || status == 304 || status < 200;
	char head[256];
	int n;
	char *buf;

	n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\nServer: nestvisor\r\n", status,
		     http__status_text(status));
	if (!no_body)
		n += snprintf(head + n, sizeof(head) - (size_t)n, "Content-Type: %s\r\n"
			      "Content-Length: %zu\r\n", type, len);
	n += snprintf(head + n, sizeof(head) - (size_t)n, "%s\r\n",
		      close ? "Connection: close\r\n" : "");
	if (no_body)
		len = 0;
	buf = malloc((size_t)n + len);
	if (!buf)
		return NULL;
	memcpy(buf, head, (size_t)n);
	memcpy(buf + n, body, len);
	*total = (size_t)n + len;
	return buf;
}

static char *error_reply(const struct http_server_config *cfg, int status, const char *message,
			 size_t *total)
{
	char *body = cfg->error_body ? cfg->error_body(status, message) :
		     http__default_error_body(status, message);
	char *reply;

	if (!body)
		return NULL;
	reply = format_reply(status, "application/json", body, strlen(body), true, total);
	free(body);
	return reply;
}

void http_conn__refuse(int fd, const struct http_server_config *cfg, int status,
		       const char *message)
{
	size_t len;
	char *reply = error_reply(cfg, status, message, &len);

	if (reply && send(fd, reply, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		pr_debug("http: could not tell a refused peer why: %s", strerror(errno));
	free(reply);
}

static void queue(struct http_conn *c, char *reply, size_t len, bool close, long long now)
{
	free(c->out);
	c->out = reply;
	c->out_len = reply ? len : 0;
	c->out_off = 0;
	c->out_since = now;
	c->close_after = close || !reply;
}

static void queue_error(struct http_conn *c, int status, const char *message, long long now)
{
	size_t len = 0;
	char *reply = error_reply(c->cfg, status, message, &len);

	queue(c, reply, len, true, now);
}

/* Routes one parsed request and queues its reply. */
static void dispatch(struct http_conn *c, struct http_request *req, long long now)
{
	const struct http_route *route;
	struct http_response resp = { 0 };
	char scratch[1024];
	size_t len = 0;
	char *reply;
	int st;

	req->uid = c->cred.uid;
	req->gid = c->cred.gid;
	req->pid = c->cred.pid;
	st = http__route_match(c->cfg->routes, c->cfg->nroutes, req->method, req->path, &route,
			       req->params, &req->nparams, scratch, sizeof(scratch));
	if (st == 0)
		route->handler(req, &resp, c->cfg->ctx);
	else
		http__respond_error(&resp, st, st == 404 ? "no such resource" :
				    "this method is not allowed on this resource");
	if (!resp.status)
		http__respond_error(&resp, 500, "the handler gave no reply");
	if (!resp.content_type && resp.status >= 400) {
		char *body = c->cfg->error_body ? c->cfg->error_body(resp.status, resp.body ?: "") :
			     http__default_error_body(resp.status, resp.body ?: "");

		free(resp.body);
		resp.body = body;
		resp.body_len = body ? strlen(body) : 0;
		resp.content_type = "application/json";
	}
	resp.close = resp.close || !req->keep_alive;
	reply = format_reply(resp.status, resp.content_type ?: "application/json",
			     resp.body ?: "", resp.body_len, resp.close, &len);
	free(resp.body);
	queue(c, reply, len, resp.close, now);
}

/* Parses from the input buffer; true when a reply was queued. */
static bool parse_one(struct http_conn *c, long long now)
{
	size_t used = 0;
	const char *msg;
	enum http_parse_result res = http_reqparser__feed(c->rp, c->in, c->in_len, &used);

	memmove(c->in, c->in + used, c->in_len - used);
	c->in_len -= used;
	if (res == HTTP_PARSE_MORE) {
		if (http_reqparser__started(c->rp) && !c->req_start)
			c->req_start = now;
		return false;
	}
	if (res == HTTP_PARSE_ERROR) {
		int status = http_reqparser__error(c->rp, &msg);

		queue_error(c, status, msg, now);
		return true;
	}
	dispatch(c, http_reqparser__request(c->rp), now);
	http_reqparser__reset(c->rp);
	c->req_start = 0;
	return true;
}

/* Writes what it can; true while output remains or the connection died. */
static bool flush(struct http_conn *c, long long now)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return true;
		if (n <= 0) {
			c->closed = true;
			return true;
		}
		c->out_off += (size_t)n;
		c->last_activity = now;
	}
	return c->closed;
}

static void pump(struct http_conn *c, long long now)
{
	for (;;) {
		if (flush(c, now))
			return;
		if (c->close_after) {
			c->closed = true;
			return;
		}
		if (!c->in_len || !parse_one(c, now)) {
			/* What the peer sent before it shut its side down is answered, then done. */
			if (c->eof)
				c->closed = true;
			return;
		}
	}
}

static void read_more(struct http_conn *c, long long now)
{
	ssize_t n;

	if (c->in_len == sizeof(c->in))
		return;
	n = read(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		c->eof = true;
		return;
	}
	c->in_len += (size_t)n;
	c->last_activity = now;
	c->heard = true;
}

static void check_timeout(struct http_conn *c, long long now)
{
	long long d = http_conn__deadline(c);

	if (!d || now < d)
		return;
	if (c->out_off < c->out_len || c->close_after || !c->req_start) {
		c->closed = true;
		return;
	}
	queue_error(c, 408, "the request was not received in time", now);
	c->req_start = 0;
}

void http_conn__handle(struct http_conn *c, short revents, long long now)
{
	if (c->closed)
		return;
	if (revents & (POLLERR | POLLNVAL)) {
		c->closed = true;
		return;
	}
	if ((revents & (POLLIN | POLLHUP)) && c->out_off >= c->out_len && !c->eof)
		read_more(c, now);
	if (!c->closed)
		pump(c, now);
	if (!c->closed)
		check_timeout(c, now);
	if (!c->closed)
		pump(c, now);
}
