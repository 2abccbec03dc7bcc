/*
 * Unit tests for the HTTP server: the request parser fed hostile input (huge headers, bad
 * lengths, smuggling attempts, pipelining, byte-at-a-time), route matching, and a live server
 * on a unix socket (keep-alive, pipelining, slow and idle clients, limits, fairness when the
 * connection table is full, the client).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "api/http.h"
#include "api/http_client.h"
#include "tap.h"

static const struct http_limits small = { .max_header_bytes = 1024, .max_body_bytes = 64 };

/* Feeds all of s; returns the result and leaves *used. */
static enum http_parse_result feed(struct http_reqparser *rp, const char *s, size_t *used)
{
	return http_reqparser__feed(rp, s, strlen(s), used);
}

static int error_of(const char *s)
{
	struct http_reqparser *rp = http_reqparser__new(&small);
	size_t used;
	enum http_parse_result r = feed(rp, s, &used);
	int st = r == HTTP_PARSE_ERROR ? http_reqparser__error(rp, NULL) : r == HTTP_PARSE_DONE ?
		 0 : -1;

	http_reqparser__free(rp);
	return st;
}

static void test_parse_simple(void)
{
	struct http_reqparser *rp = http_reqparser__new(&small);
	struct http_request *r;
	size_t used;

	CHECK_EQ(feed(rp, "POST /v1/x?a=1&b=two HTTP/1.1\r\nHost: h\r\nX-Empty:\r\n"
		      "Content-Length: 5\r\n\r\nhello", &used), HTTP_PARSE_DONE);
	r = http_reqparser__request(rp);
	CHECK(r != NULL);
	if (!r)
		return;
	CHECK_STR(r->method, "POST");
	CHECK_STR(r->path, "/v1/x");
	CHECK_STR(r->query, "a=1&b=two");
	CHECK_STR(http__header(r, "host"), "h");
	CHECK_STR(http__header(r, "X-EMPTY"), "");
	CHECK(http__header(r, "nope") == NULL);
	CHECK_EQ(r->body_len, 5);
	CHECK_STR(r->body, "hello");
	CHECK(r->keep_alive);
	{
		char buf[16];

		CHECK_STR(http__query(r, "b", buf, sizeof(buf)), "two");
		CHECK(http__query(r, "c", buf, sizeof(buf)) == NULL);
	}
	http_reqparser__free(rp);
}

static void test_parse_byte_at_a_time(void)
{
	const char *req = "PUT /a/b HTTP/1.1\r\nContent-Length: 3\r\nX-Long-Header-Name: value\r\n"
			  "\r\nabc";
	struct http_reqparser *rp = http_reqparser__new(&small);
	enum http_parse_result r = HTTP_PARSE_MORE;
	size_t i, used;

	for (i = 0; i < strlen(req) && r == HTTP_PARSE_MORE; i++) {
		r = http_reqparser__feed(rp, req + i, 1, &used);
		CHECK_EQ(used, 1);
	}
	CHECK_EQ(r, HTTP_PARSE_DONE);
	CHECK_EQ(i, strlen(req));
	CHECK_STR(http__header(http_reqparser__request(rp), "x-long-header-name"), "value");
	CHECK_STR(http_reqparser__request(rp)->body, "abc");
	http_reqparser__free(rp);
}

static void test_parse_pipelined(void)
{
	const char *two = "GET /one HTTP/1.1\r\n\r\nGET /two HTTP/1.1\r\nConnection: close\r\n\r\n";
	struct http_reqparser *rp = http_reqparser__new(&small);
	size_t used, used2;

	CHECK_EQ(feed(rp, two, &used), HTTP_PARSE_DONE);
	CHECK_STR(http_reqparser__request(rp)->path, "/one");
	CHECK(used < strlen(two));
	http_reqparser__reset(rp);
	CHECK_EQ(feed(rp, two + used, &used2), HTTP_PARSE_DONE);
	CHECK_EQ(used + used2, strlen(two));
	CHECK_STR(http_reqparser__request(rp)->path, "/two");
	CHECK(!http_reqparser__request(rp)->keep_alive);
	http_reqparser__free(rp);
}

static void test_parse_limits(void)
{
	char big[4096];
	char many[2048] = "GET / HTTP/1.1\r\n";

	snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nX: %02000d\r\n\r\n", 0);
	CHECK_EQ(error_of(big), 431);
	snprintf(big, sizeof(big), "GET /%02000d HTTP/1.1\r\n\r\n", 0);
	CHECK_EQ(error_of(big), 414);
	for (int i = 0; i < HTTP_MAX_HEADERS + 1; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "H%d: v\r\n", i);
	strcat(many, "\r\n");
	CHECK_EQ(error_of(many), 431);
	CHECK_EQ(error_of("POST / HTTP/1.1\r\nContent-Length: 65\r\n\r\n"), 413);
	CHECK_EQ(error_of("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n"), 400);
	CHECK_EQ(error_of("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
			  "40\r\n0123456789012345678901234567890123456789012345678901234567890123\r\n"
			  "1\r\nx\r\n0\r\n\r\n"), 413);
}

static void test_parse_malformed(void)
{
	CHECK_EQ(error_of("POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n"), 400);
	CHECK_EQ(error_of("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"), 400);
	CHECK_EQ(error_of("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
		 400);
	/* Request smuggling: both framings at once. */
	CHECK_EQ(error_of("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n"
			  "\r\n0\r\n\r\n"), 400);
	CHECK_EQ(error_of("GET / HTTP/2.0\r\n\r\n"), 505);
	CHECK_EQ(error_of("\x01\x02garbage\r\n\r\n"), 400);
	CHECK_EQ(error_of("GET http://example/x HTTP/1.1\r\n\r\n"), 400);
	CHECK_EQ(error_of("GET / HTTP/1.1\r\nBad Header\r\n\r\n"), 400);
	CHECK_EQ(error_of("GET / HTTP/1.1\r\nX: a\x0b\r\n\r\n"), 400);	/* a control byte */
	CHECK_EQ(error_of("GET / HTTP/1.1\r\n\r\n"), 0);
	CHECK_EQ(error_of("GET / HTTP/1.0\r\n\r\n"), 0);
}

static void h_echo(const struct http_request *req, struct http_response *resp, void *ctx)
{
	char buf[256];
	int n = snprintf(buf, sizeof(buf), "{\"path\": \"%s\", \"p0\": \"%s\", \"len\": %zu}",
			 req->path, req->nparams ? req->params[0] : "", req->body_len);

	http__respond(resp, 200, "application/json", buf, (size_t)n);
}

static const struct http_route routes[] = {
	{ "GET", "/v1/things", h_echo },
	{ "GET", "/v1/things/{}", h_echo },
	{ "POST", "/v1/things/{}/parts/{}", h_echo },
	{ "PUT", "/", h_echo },
};

static void test_routes(void)
{
	const struct http_route *r;
	const char *params[HTTP_MAX_PARAMS];
	char scratch[256];
	int n;

	CHECK_EQ(http__route_match(routes, 4, "GET", "/v1/things/t1", &r, params, &n, scratch,
				   sizeof(scratch)), 0);
	CHECK_EQ(n, 1);
	CHECK_STR(params[0], "t1");
	CHECK_EQ(http__route_match(routes, 4, "POST", "/v1/things/a/parts/b", &r, params, &n,
				   scratch, sizeof(scratch)), 0);
	CHECK_EQ(n, 2);
	CHECK_STR(params[1], "b");
	CHECK_EQ(http__route_match(routes, 4, "DELETE", "/v1/things/t1", &r, params, &n, scratch,
				   sizeof(scratch)), 405);
	CHECK_EQ(http__route_match(routes, 4, "GET", "/v1/things/", &r, params, &n, scratch,
				   sizeof(scratch)), 404);
	CHECK_EQ(http__route_match(routes, 4, "GET", "/v1/things//x", &r, params, &n, scratch,
				   sizeof(scratch)), 404);
	CHECK_EQ(http__route_match(routes, 4, "GET", "/v1/thingsx", &r, params, &n, scratch,
				   sizeof(scratch)), 404);
	CHECK_EQ(http__route_match(routes, 4, "PUT", "/", &r, params, &n, scratch,
				   sizeof(scratch)), 0);
}

/* The live server, on a thread. */
static char sock_path[64];
static struct http_server *server;
static pthread_t server_thread;

static void *serve(void *arg)
{
	http_server__run(arg);
	return NULL;
}

static const struct http_limits quick = {
	.max_header_bytes = 2048, .max_body_bytes = 256, .request_timeout_ms = 300,
	.idle_timeout_ms = 600, .max_connections = 4,
};
/* Long timeouts, a short one once 3 of the 4 slots are used: for the fairness tests. */
static const struct http_limits fair = {
	.max_header_bytes = 2048, .max_body_bytes = 256, .request_timeout_ms = 6000,
	.idle_timeout_ms = 6000, .max_connections = 4, .busy_timeout_ms = 1200,
};

static int start_server(const struct http_limits *limits)
{
	struct http_server_config cfg = { .routes = routes, .nroutes = 4, .limits = *limits };
	char err[256];

	snprintf(sock_path, sizeof(sock_path), "/tmp/nv-http-%d.sock", getpid());
	cfg.socket_path = sock_path;
	if (http_server__init(&server, &cfg, err, sizeof(err))) {
		printf("# server: %s\n", err);
		return -1;
	}
	return pthread_create(&server_thread, NULL, serve, server);
}

static void stop_server(void)
{
	http_server__stop(server);
	pthread_join(server_thread, NULL);
	http_server__destroy(server);
}

static int dial(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock_path);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads what arrives within ms (until EOF or quiet); returns bytes, buf NUL-terminated. */
static ssize_t read_for(int fd, char *buf, size_t len, int ms)
{
	size_t got = 0;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (got + 1 < len && poll(&p, 1, ms) == 1) {
		ssize_t n = read(fd, buf + got, len - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	return (ssize_t)got;
}

/* True when the server closed fd (EOF within ms). */
static bool closed_within(int fd, int ms)
{
	char c;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1 && read(fd, &c, 1) == 0;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_server_keepalive_and_pipelining(void)
{
	char buf[4096];
	int fd = dial();
	const char *two = "GET /v1/things/a HTTP/1.1\r\n\r\nGET /v1/things/b HTTP/1.1\r\n\r\n";

	CHECK(fd >= 0);
	CHECK(write(fd, two, strlen(two)) == (ssize_t)strlen(two));
	read_for(fd, buf, sizeof(buf), 200);
	CHECK_EQ(count(buf, "HTTP/1.1 200 OK"), 2);
	CHECK(strstr(buf, "\"p0\": \"a\"") < strstr(buf, "\"p0\": \"b\""));
	/* Still open: a third request on the same connection. */
	CHECK(write(fd, "GET /v1/things HTTP/1.1\r\n\r\n", 27) == 27);
	read_for(fd, buf, sizeof(buf), 200);
	CHECK(strstr(buf, "\"path\": \"/v1/things\""));
	close(fd);
}

static void test_server_errors(void)
{
	char buf[4096];
	int fd = dial();

	CHECK(write(fd, "DELETE /v1/things HTTP/1.1\r\n\r\n", 30) == 30);
	read_for(fd, buf, sizeof(buf), 200);
	CHECK(strstr(buf, "HTTP/1.1 405"));
	CHECK(strstr(buf, "{\"error\": {\"code\": 405"));
	CHECK(write(fd, "GET /nope HTTP/1.1\r\n\r\n", 22) == 22);
	read_for(fd, buf, sizeof(buf), 200);
	CHECK(strstr(buf, "HTTP/1.1 404"));
	/* 413, and the connection is closed: the body's framing cannot be trusted. */
	CHECK(write(fd, "PUT / HTTP/1.1\r\nContent-Length: 100000\r\n\r\n", 42) == 42);
	read_for(fd, buf, sizeof(buf), 200);
	CHECK(strstr(buf, "HTTP/1.1 413"));
	CHECK(strstr(buf, "Connection: close"));
	CHECK(closed_within(fd, 500));
	close(fd);
}

static void test_server_slow_client(void)
{
	char buf[4096];
	int fd = dial();

	/* Half a request, then nothing: 408 after the request timeout (300 ms). */
	CHECK(write(fd, "GET /v1/thi", 11) == 11);
	read_for(fd, buf, sizeof(buf), 1000);
	CHECK(strstr(buf, "HTTP/1.1 408"));
	CHECK(closed_within(fd, 500));
	close(fd);
	/* An idle keep-alive connection is closed after the idle timeout (600 ms). */
	fd = dial();
	CHECK(!closed_within(fd, 300));
	CHECK(closed_within(fd, 1000));
	close(fd);
}

#define GET_THINGS "GET /v1/things HTTP/1.1\r\n\r\n"

/* At the limit, a newcomer takes the slot of the connection idle the longest. */
static void test_server_connection_limit(void)
{
	int fds[4], extra;
	char buf[1024];

	for (int i = 0; i < 4; i++) {
		fds[i] = dial();
		usleep(20 * 1000);
	}
	usleep(50 * 1000);
	extra = dial();
	CHECK(write(extra, GET_THINGS, strlen(GET_THINGS)) == (ssize_t)strlen(GET_THINGS));
	read_for(extra, buf, sizeof(buf), 200);
	CHECK(strstr(buf, "HTTP/1.1 200"));
	CHECK(closed_within(fds[0], 200));	/* idle: closed without a word */
	CHECK(!closed_within(fds[1], 50));
	close(extra);
	for (int i = 0; i < 4; i++)
		close(fds[i]);
	usleep(100 * 1000);
}

/* Half-sent requests hold every slot: a whole request still gets through. */
static void test_server_evicts_partial(void)
{
	int fds[4], extra;
	char buf[1024];

	for (int i = 0; i < 4; i++) {
		fds[i] = dial();
		CHECK(write(fds[i], "GET /v1/thi", 11) == 11);
		usleep(30 * 1000);
	}
	extra = dial();
	CHECK(write(extra, GET_THINGS, strlen(GET_THINGS)) == (ssize_t)strlen(GET_THINGS));
	read_for(extra, buf, sizeof(buf), 300);
	CHECK(strstr(buf, "HTTP/1.1 200"));
	read_for(fds[0], buf, sizeof(buf), 300);	/* the oldest partial one gives way */
	CHECK(strstr(buf, "HTTP/1.1 503"));
	CHECK(strstr(buf, "gave way to a new client"));
	CHECK(!closed_within(fds[1], 50));
	close(extra);
	for (int i = 0; i < 4; i++)
		close(fds[i]);
	usleep(100 * 1000);
}

/*
 * From 3 of 4 slots on, idle and partial connections get busy_timeout_ms (1.2 s), not 6 s;
 * below that, the usual timeouts hold again.
 */
static void test_server_busy_timeout(void)
{
	int fds[3];
	char buf[1024];

	for (int i = 0; i < 2; i++) {
		fds[i] = dial();
		CHECK(write(fds[i], "GET /v1/thi", 11) == 11);
	}
	CHECK(!closed_within(fds[0], 1800));	/* half full: the request timeout (6 s) holds */
	fds[2] = dial();			/* 3 of 4: both have waited past 1.2 s */
	read_for(fds[0], buf, sizeof(buf), 1500);
	CHECK(strstr(buf, "HTTP/1.1 408"));
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	usleep(100 * 1000);
	for (int i = 0; i < 3; i++)
		fds[i] = dial();
	for (int i = 0; i < 3; i++)
		CHECK(closed_within(fds[i], 3500));	/* idle: 1.2 s, not the idle timeout */
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	usleep(100 * 1000);
}

/* Every slot busy writing a reply its peer does not read: nothing to evict, so 503. */
static void test_server_full_of_busy(void)
{
	static char many[27 * 4000];
	int fds[4], extra;
	char buf[1024];

	for (size_t i = 0; i < sizeof(many); i += 27)
		memcpy(many + i, GET_THINGS, 27);
	for (int i = 0; i < 4; i++) {
		fds[i] = dial();
		CHECK(send(fds[i], many, sizeof(many), MSG_DONTWAIT) > 0);
	}
	usleep(300 * 1000);
	extra = dial();
	read_for(extra, buf, sizeof(buf), 500);
	CHECK(strstr(buf, "HTTP/1.1 503"));
	CHECK(strstr(buf, "too many connections"));
	close(extra);
	for (int i = 0; i < 4; i++)
		close(fds[i]);
	usleep(100 * 1000);
}

static void test_client(void)
{
	struct http_client_response r;
	char err[256];

	CHECK_EQ(http_client__request(sock_path, "POST", "/v1/things/x/parts/y", "{\"a\": 1}",
				      2000, &r, err, sizeof(err)), 0);
	CHECK_EQ(r.status, 200);
	CHECK(strstr(r.body, "\"len\": 8"));
	http_client__response_free(&r);
	CHECK_EQ(http_client__request(sock_path, "GET", "/missing", NULL, 2000, &r, err,
				      sizeof(err)), 0);
	CHECK_EQ(r.status, 404);
	http_client__response_free(&r);
	CHECK(http_client__request("/tmp/nv-no-such.sock", "GET", "/", NULL, 500, &r, err,
				   sizeof(err)) == -ENOENT);
	CHECK(strstr(err, "cannot connect to /tmp/nv-no-such.sock"));
}

static void test_socket_in_use(void)
{
	struct http_server_config cfg = { .socket_path = sock_path, .routes = routes, .nroutes = 4 };
	struct http_server *again = NULL;
	char err[256];

	CHECK(http_server__init(&again, &cfg, err, sizeof(err)) == -EADDRINUSE);
	CHECK(strstr(err, "in use by a running server"));
}

int main(void)
{
	RUN(test_parse_simple);
	RUN(test_parse_byte_at_a_time);
	RUN(test_parse_pipelined);
	RUN(test_parse_limits);
	RUN(test_parse_malformed);
	RUN(test_routes);
	if (start_server(&quick)) {
		printf("not ok - could not start the server\n");
		return 1;
	}
	RUN(test_server_keepalive_and_pipelining);
	RUN(test_server_errors);
	RUN(test_server_slow_client);
	RUN(test_server_connection_limit);
	RUN(test_client);
	RUN(test_socket_in_use);
	stop_server();
	if (start_server(&fair)) {
		printf("not ok - could not start the second server\n");
		return 1;
	}
	RUN(test_server_evicts_partial);
	RUN(test_server_busy_timeout);
	RUN(test_server_full_of_busy);
	stop_server();
	return tap_done();
}
