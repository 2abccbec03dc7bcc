/*
 * `nestvisor instances connect-to-serial-port`: asks the daemon for the instance's console
 * (handed over as a connected fd, docs/control-plane.md) and relays it: a terminal in raw mode
 * (Ctrl-] quits), or for scripts stdin until EOF and the output until it goes quiet.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli/cmd_common.h"
#include "cli/commands.h"

#define ESCAPE 0x1d		/* Ctrl-], as telnet's */
#define QUIET_MS 2000		/* scripts: after stdin's EOF, this long without output ends */
#define HANDOVER_MS 10000	/* the daemon sent the fd before replying: it is there already */

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* A listening socket with a kernel-chosen abstract name ("@" + name into buf). */
static int listen_abstract(char *buf, size_t len)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	socklen_t alen = sizeof(addr);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	/* Binding only the family autobinds a unique abstract name. */
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(sa_family_t)) || listen(fd, 1) ||
	    getsockname(fd, (struct sockaddr *)&addr, &alen) || alen <= sizeof(sa_family_t) + 1) {
		fprintf(stderr, "nestvisor: cannot make a socket for the console: %s\n",
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	alen -= sizeof(sa_family_t) + 1;
	snprintf(buf, len, "@%.*s", (int)alen, addr.sun_path + 1);
	return fd;
}

/* The console fd the daemon passed to the connection it made to lfd. */
static int receive_console(int lfd)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} ctl;
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.space,
			      .msg_controllen = sizeof(ctl.space) };
	struct cmsghdr *cm;
	int conn, fd = -1;

	if (poll(&p, 1, HANDOVER_MS) != 1 || (conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
		return -1;
	if (recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) == 1 && (cm = CMSG_FIRSTHDR(&msg)) &&
	    cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
	    cm->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	close(conn);
	return fd;
}

struct relay {
	int con;		/* the console socket */
	bool tty, in_eof, quit;
	struct termios saved;
	char out[4096];		/* typed, not yet taken by the console */
	size_t out_len;
	long long last_output, deadline;	/* ms; deadline 0: none */
};

static void raw_mode(struct relay *r)
{
	struct termios raw;

	if (tcgetattr(STDIN_FILENO, &r->saved))
		return;
	raw = r->saved;
	cfmakeraw(&raw);
	raw.c_oflag |= OPOST;	/* our own lines still end properly */
	r->tty = !tcsetattr(STDIN_FILENO, TCSANOW, &raw);
}

/* Typed bytes: on a terminal Ctrl-] quits, and what the console cannot take yet is dropped. */
static void read_stdin(struct relay *r)
{
	char buf[sizeof(r->out)];
	/* A terminal is always read (for Ctrl-]); a script waits until the console takes more. */
	ssize_t n = read(STDIN_FILENO, buf, r->tty ? sizeof(buf) : sizeof(r->out) - r->out_len);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		r->in_eof = true;
		r->quit = r->tty;	/* the terminal hung up */
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (r->tty && buf[i] == ESCAPE) {
			r->quit = true;
			return;
		}
		if (r->out_len < sizeof(r->out))
			r->out[r->out_len++] = buf[i];
	}
}

static void flush_typed(struct relay *r)
{
	ssize_t n = send(r->con, r->out, r->out_len, MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n > 0) {
		memmove(r->out, r->out + n, r->out_len - (size_t)n);
		r->out_len -= (size_t)n;
	}
}

/* Guest output to stdout; false once the console connection has ended. */
static bool copy_output(struct relay *r)
{
	char buf[4096];
	ssize_t n = recv(r->con, buf, sizeof(buf), MSG_DONTWAIT);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	r->last_output = now_ms();
	return fwrite(buf, 1, (size_t)n, stdout) == (size_t)n && !fflush(stdout);
}

/*
 * How long poll may sleep: until the deadline, or (scripts, stdin done) the quiet time, even
 * with typed bytes the guest has not taken: a guest that reads nothing must not hang us.
 */
static int wait_ms(const struct relay *r, long long now)
{
	long long until = r->deadline;

	if (!r->tty && r->in_eof &&
	    (!until || r->last_output + QUIET_MS < until))
		until = r->last_output + QUIET_MS;
	return !until ? -1 : until <= now ? 0 : (int)(until - now);
}

/* 0 when the user or the script ended it, 1 when the console connection ended. */
static int relay_loop(struct relay *r)
{
	for (;;) {
		bool can_read = !r->in_eof && (r->tty || r->out_len < sizeof(r->out));
		struct pollfd p[2] = {
			{ .fd = r->con, .events = POLLIN | (r->out_len ? POLLOUT : 0) },
			{ .fd = can_read ? STDIN_FILENO : -1, .events = POLLIN },
		};
		int t = wait_ms(r, now_ms());

		if (stop_signal || r->quit || !t)
			return 0;
		if (poll(p, 2, t) < 0 && errno != EINTR)
			return 1;
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR) && !copy_output(r))
			return 1;
		if (p[1].revents)
			read_stdin(r);
		if (r->out_len)
			flush_typed(r);
	}
}

static int relay(int con, const char *name, int timeout_s)
{
	struct relay r = { .con = con, .last_output = now_ms() };
	struct sigaction sa = { .sa_handler = on_signal };
	int ended;

	if (timeout_s)
		r.deadline = now_ms() + timeout_s * 1000LL;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (isatty(STDIN_FILENO)) {
		raw_mode(&r);
		fprintf(stderr, "Connected to the serial port of %s; Ctrl-] quits.\r\n", name);
	}
	ended = relay_loop(&r);
	if (r.tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &r.saved);
	if (ended)
		fprintf(stderr, "\nnestvisor: the serial port connection of %s ended (the instance "
			"stopped, or another client took the console over)\n", name);
	return 0;
}

int cmd_serial_connect(const char *instance_path, const char *name, int timeout_s)
{
	char path[320], sock[128];
	json_t *reply = NULL, *body;
	int lfd = listen_abstract(sock, sizeof(sock)), con, ret;

	if (lfd < 0)
		return EXIT_REFUSED;
	snprintf(path, sizeof(path), "%s/connectSerialPort", instance_path);
	body = json_pack("{s:s}", "socket", sock);
	ret = cli__call("POST", path, body, &reply);
	json_decref(body);
	json_decref(reply);
	if (ret) {
		close(lfd);
		return ret;
	}
	con = receive_console(lfd);
	close(lfd);
	if (con < 0) {
		fprintf(stderr, "nestvisor: the daemon did not hand the console of %s over\n",
			name);
		return EXIT_REFUSED;
	}
	ret = relay(con, name, timeout_s);
	close(con);
	return ret;
}
