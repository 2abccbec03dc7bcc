/*
 * The HTTP server's loop: a listening unix socket, non-blocking connections under poll(),
 * requests parsed by http_parse.c and dispatched through the route table, replies written
 * in order (a pipelined request waits for the previous reply), timeouts for slow peers.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "api/http.h"
#include "api/http_conn.h"
#include "util/log.h"
#include "util/util.h"

struct http_server {
	int listen_fd;
	int stop_pipe[2];
	volatile int stopping;
	struct http_server_config cfg;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct http_conn **conns;
	unsigned long *born;		/* the accept pass each connection came in */
	unsigned long pass;
	int nconns;
	bool warned_full;
};

long long http_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void apply_defaults(struct http_limits *l)
{
	if (!l->max_header_bytes)
		l->max_header_bytes = HTTP_DEFAULT_MAX_HEADER_BYTES;
	if (!l->max_body_bytes)
		l->max_body_bytes = HTTP_DEFAULT_MAX_BODY_BYTES;
	if (!l->request_timeout_ms)
		l->request_timeout_ms = HTTP_DEFAULT_REQUEST_TIMEOUT_MS;
	if (!l->idle_timeout_ms)
		l->idle_timeout_ms = HTTP_DEFAULT_IDLE_TIMEOUT_MS;
	if (!l->max_connections)
		l->max_connections = HTTP_DEFAULT_MAX_CONNECTIONS;
	if (!l->busy_timeout_ms)
		l->busy_timeout_ms = HTTP_DEFAULT_BUSY_TIMEOUT_MS;
}

/* From 3/4 of the table on, connections waiting on their peers get busy_timeout_ms. */
static bool is_busy(const struct http_server *s)
{
	return s->nconns * 4 >= s->cfg.limits.max_connections * 3;
}

/* A socket file left by a dead server is replaced; a live server's is not. */
static int clear_stale(const struct sockaddr_un *addr, char *err, size_t errlen)
{
	struct stat sb;
	int fd, live;

	if (lstat(addr->sun_path, &sb))
		return errno == ENOENT ? 0 : set_err(err, errlen, errno, "cannot stat %s: %s",
						     addr->sun_path, strerror(errno));
	if (!S_ISSOCK(sb.st_mode))
		return set_err(err, errlen, EEXIST, "%s exists and is not a socket", addr->sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return set_err(err, errlen, errno, "socket: %s", strerror(errno));
	live = !connect(fd, (const struct sockaddr *)addr, sizeof(*addr));
	close(fd);
	if (live)
		return set_err(err, errlen, EADDRINUSE, "%s is in use by a running server",
			       addr->sun_path);
	if (unlink(addr->sun_path) && errno != ENOENT)
		return set_err(err, errlen, errno, "cannot remove stale %s: %s", addr->sun_path,
			       strerror(errno));
	return 0;
}

static int listen_on(struct http_server *s, char *err, size_t errlen)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int ret;

	if (strlen(s->cfg.socket_path) >= sizeof(addr.sun_path))
		return set_err(err, errlen, ENAMETOOLONG, "socket path %s is longer than %zu bytes",
			       s->cfg.socket_path, sizeof(addr.sun_path) - 1);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", s->cfg.socket_path);
	ret = clear_stale(&addr, err, errlen);
	if (ret)
		return ret;
	s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->listen_fd < 0)
		return set_err(err, errlen, errno, "socket: %s", strerror(errno));
	if (bind(s->listen_fd, (struct sockaddr *)&addr, sizeof(addr)))
		return set_err(err, errlen, errno, "cannot bind %s: %s", addr.sun_path,
			       strerror(errno));
	snprintf(s->path, sizeof(s->path), "%s", addr.sun_path);
	if (s->cfg.socket_mode && chmod(s->path, s->cfg.socket_mode))
		return set_err(err, errlen, errno, "cannot chmod %s: %s", s->path, strerror(errno));
	if (listen(s->listen_fd, 64))
		return set_err(err, errlen, errno, "cannot listen on %s: %s", s->path,
			       strerror(errno));
	return 0;
}

int http_server__init(struct http_server **out, const struct http_server_config *cfg,
		      char *err, size_t errlen)
{
	struct http_server *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return set_err(err, errlen, ENOMEM, "out of memory");
	s->cfg = *cfg;
	apply_defaults(&s->cfg.limits);
	s->listen_fd = s->stop_pipe[0] = s->stop_pipe[1] = -1;
	s->conns = calloc((size_t)s->cfg.limits.max_connections, sizeof(*s->conns));
	s->born = calloc((size_t)s->cfg.limits.max_connections, sizeof(*s->born));
	if (!s->conns || !s->born || pipe2(s->stop_pipe, O_CLOEXEC | O_NONBLOCK)) {
		ret = set_err(err, errlen, errno ?: ENOMEM, "cannot set up the server: %s",
			      strerror(errno ?: ENOMEM));
		goto fail;
	}
	ret = listen_on(s, err, errlen);
	if (ret)
		goto fail;
	*out = s;
	return 0;
fail:
	http_server__destroy(s);
	return ret;
}

void http_server__stop(struct http_server *s)
{
	int saved = errno;

	s->stopping = 1;
	if (write(s->stop_pipe[1], "x", 1) < 0) {
		/* Full pipe: a stop is already pending. */
	}
	errno = saved;
}

void http_server__destroy(struct http_server *s)
{
	if (!s)
		return;
	for (int i = 0; s->conns && i < s->nconns; i++)
		http_conn__free(s->conns[i]);
	free(s->conns);
	free(s->born);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->path[0])
		unlink(s->path);
	for (int i = 0; i < 2; i++)
		if (s->stop_pipe[i] >= 0)
			close(s->stop_pipe[i]);
	free(s);
}

static void remove_at(struct http_server *s, int i)
{
	http_conn__free(s->conns[i]);
	s->nconns--;
	s->conns[i] = s->conns[s->nconns];
	s->born[i] = s->born[s->nconns];
}

/*
 * The order in which connections give way: those heard from (an unfinished request, an idle
 * keep-alive) before those not yet read, which may be a client whose whole request is on its
 * way; in each group, the one waiting longest on its peer. 0: not to be evicted.
 */
static long long eviction_key(const struct http_server *s, int i)
{
	long long since = s->born[i] == s->pass ? 0 : http_conn__waiting_since(s->conns[i]);

	if (!since || http_conn__heard(s->conns[i]))
		return since;
	return since + (1LL << 52);
}

/*
 * At the limit: frees the slot of the first connection in eviction_key's order. One accepted
 * in this pass is spared (it has not been read yet), as is one with a reply to write. False
 * when there is none.
 */
static bool make_room(struct http_server *s)
{
	long long oldest = 0, key;
	int victim = -1;

	for (int i = 0; i < s->nconns; i++) {
		key = eviction_key(s, i);
		if (key && (victim < 0 || key < oldest)) {
			victim = i;
			oldest = key;
		}
	}
	if (victim < 0)
		return false;
	if (!s->warned_full)
		pr_warn("http: %s has %d connections: closing those that wait longest on their peers for new ones",
			s->path, s->nconns);
	s->warned_full = true;
	http_conn__evict(s->conns[victim]);
	remove_at(s, victim);
	return true;
}

/*
 * Accepts what is pending, at most a table's worth per pass (so the last pass's newcomers are
 * read before they can be asked to give way); at the limit, see make_room; without room, 503.
 */
static void accept_all(struct http_server *s)
{
	s->pass++;
	for (int n = 0; n < s->cfg.limits.max_connections; n++) {
		int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct http_conn *c = NULL;

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR)
				pr_warn("http: accept on %s: %s", s->path, strerror(errno));
			return;
		}
		if (s->nconns < s->cfg.limits.max_connections || make_room(s))
			c = http_conn__new(fd, &s->cfg);
		if (!c) {
			http_conn__refuse(fd, &s->cfg, 503, "too many connections");
			close(fd);
			continue;
		}
		s->born[s->nconns] = s->pass;
		s->conns[s->nconns++] = c;
	}
}

static void drop_closed(struct http_server *s)
{
	int j = 0;

	for (int i = 0; i < s->nconns; i++) {
		if (http_conn__closed(s->conns[i])) {
			http_conn__free(s->conns[i]);
			continue;
		}
		s->born[j] = s->born[i];
		s->conns[j++] = s->conns[i];
	}
	s->nconns = j;
	if (!is_busy(s))
		s->warned_full = false;
}

static int poll_timeout(struct http_server *s, long long now)
{
	long long next = -1;

	for (int i = 0; i < s->nconns; i++) {
		long long d = http_conn__deadline(s->conns[i]);

		if (d && (next < 0 || d < next))
			next = d;
	}
	if (next < 0)
		return -1;
	return next <= now ? 0 : (int)min_u64((u64)(next - now), 60000);
}

static int serve_once(struct http_server *s, struct pollfd *pfd)
{
	int n = 2, ret;
	bool busy = is_busy(s);

	pfd[0] = (struct pollfd){ .fd = s->stop_pipe[0], .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = s->listen_fd, .events = POLLIN };
	for (int i = 0; i < s->nconns; i++) {
		http_conn__set_busy(s->conns[i], busy);
		pfd[n++] = (struct pollfd){ .fd = http_conn__fd(s->conns[i]),
					    .events = http_conn__events(s->conns[i]) };
	}
	ret = poll(pfd, (nfds_t)n, poll_timeout(s, http_now_ms()));
	if (ret < 0)
		return errno == EINTR ? 0 : -errno;
	if (s->stopping)
		return 0;
	for (int i = 0; i < s->nconns; i++)
		http_conn__handle(s->conns[i], pfd[i + 2].revents, http_now_ms());
	drop_closed(s);	/* first: their slots are free for the newcomers */
	if (pfd[1].revents & POLLIN)
		accept_all(s);
	return 0;
}

int http_server__run(struct http_server *s)
{
	struct pollfd *pfd = calloc((size_t)s->cfg.limits.max_connections + 2, sizeof(*pfd));
	int ret = 0;

	if (!pfd)
		return -ENOMEM;
	while (!s->stopping && !ret)
		ret = serve_once(s, pfd);
	free(pfd);
	if (ret)
		pr_err("http: poll on %s: %s", s->path, strerror(-ret));
	return ret;
}
