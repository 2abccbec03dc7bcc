/*
 * The console's client socket (--console file=PATH,socket=SOCK): one attached client at a time,
 * the newest wins; output to it is sent without waiting and dropped when it does not fit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/log.h"
#include "vmm/console.h"

#define TAKEOVER_NOTE "\r\n[nestvisor: another client took over this console]\r\n"

/* A socket file left by an earlier VMM (a jailed one cannot remove its own) is replaced. */
static void remove_stale(const char *path)
{
	struct stat st;

	if (!lstat(path, &st) && S_ISSOCK(st.st_mode))
		unlink(path);
}

int console__socket_open(struct console *c, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path))
		return set_err(err, errlen, ENAMETOOLONG, "--console socket=%s: the path is too "
			       "long for a unix socket", path);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	remove_stale(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    chmod(path, 0600) || listen(fd, 8)) {
		set_err(err, errlen, errno, "--console socket=%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -EINVAL;
	}
	c->listen_fd = fd;
	snprintf(c->sock_path, sizeof(c->sock_path), "%s", path);
	return 0;
}

/* Under c->lock. */
static void detach_locked(struct console *c)
{
	if (c->client_fd >= 0)
		close(c->client_fd);
	c->client_fd = -1;
	c->in_fd = -1;
}

void console__socket_close(struct console *c)
{
	if (c->listen_fd < 0)
		return;
	pthread_mutex_lock(&c->lock);
	detach_locked(c);
	pthread_mutex_unlock(&c->lock);
	close(c->listen_fd);
	c->listen_fd = -1;
	/* Fails harmlessly in a jail's chroot; the next VMM replaces the file. */
	unlink(c->sock_path);
}

int console__listen_fd(const struct console *c)
{
	return c->listen_fd;
}

void console__accept(struct console *c)
{
	int fd = accept4(c->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;	/* gone already, or out of fds: the client sees its connection closed */
	pthread_mutex_lock(&c->lock);
	if (c->client_fd >= 0) {
		send(c->client_fd, TAKEOVER_NOTE, strlen(TAKEOVER_NOTE),
		     MSG_DONTWAIT | MSG_NOSIGNAL);
		detach_locked(c);
	}
	c->client_fd = fd;
	c->in_fd = fd;
	pthread_mutex_unlock(&c->lock);
	pr_debug("console: a client attached");
}

ssize_t console__read(struct console *c, u8 *buf, size_t len)
{
	ssize_t n = read(c->in_fd, buf, len);

	if (c->listen_fd < 0 || n > 0 || (n < 0 && (errno == EINTR || errno == EAGAIN)))
		return n;
	/* The client hung up or broke: the guest keeps running; the next client attaches. */
	pthread_mutex_lock(&c->lock);
	detach_locked(c);
	pthread_mutex_unlock(&c->lock);
	pr_debug("console: the client left");
	errno = EAGAIN;
	return -1;
}

void console__send_client(struct console *c, const u8 *buf, size_t len)
{
	if (c->listen_fd < 0)
		return;
	pthread_mutex_lock(&c->lock);
	/*
	 * A full socket buffer (a slow or stopped client) drops this output; a client gone
	 * fails with EPIPE; the event loop notices either when it reads the hang-up.
	 */
	if (c->client_fd >= 0)
		send(c->client_fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	pthread_mutex_unlock(&c->lock);
}
