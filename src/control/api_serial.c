/*
 * POST .../instances/I/connectSerialPort {"socket": "@NAME"}: the daemon connects to the
 * instance's console socket (which a jailed VMM owns and callers cannot open) and hands the
 * connected fd (SCM_RIGHTS) to the caller's listening abstract unix socket NAME, checked to
 * belong to the calling process. Nothing here waits: every socket is non-blocking.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/api.h"
#include "control/supervisor.h"

#define NAME_MAX_LEN 100	/* of the abstract name, without its '@' */

/* A non-blocking stream connection to addr (len bytes of it); -errno on failure. */
static int connect_to(const struct sockaddr_un *addr, socklen_t len)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), ret;

	if (fd < 0)
		return -errno;
	if (!connect(fd, (const struct sockaddr *)addr, len))
		return fd;
	ret = -errno;
	close(fd);
	return ret;
}

static int connect_console(struct api_ctx *c, const struct store_instance *in, char *err,
			   size_t errlen)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (supervisor__path_in(c->state_dir, in->id, SV_CONSOLE_SOCK, addr.sun_path,
				sizeof(addr.sun_path)))
		return set_err(err, errlen, ENAMETOOLONG, "the console socket's path is too long");
	fd = connect_to(&addr, sizeof(addr));
	if (fd == -ENOENT)
		return set_err(err, errlen, EOPNOTSUPP, "instance '%s' has no console socket: its "
			       "VMM predates connect-to-serial-port; stop and start it", in->name);
	if (fd == -EAGAIN)
		return set_err(err, errlen, EBUSY, "the console of instance '%s' is busy: try "
			       "again", in->name);
	if (fd < 0)
		return set_err(err, errlen, EOPNOTSUPP, "the VMM of instance '%s' does not answer "
			       "on its console (%s): is it still running?", in->name, strerror(-fd));
	return fd;
}

/* The caller's listening socket: abstract, and listened on by the calling process. */
static int connect_caller(const struct http_request *req, const char *name, char *err,
			  size_t errlen)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	size_t n = strlen(name);
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	int fd;

	if (name[0] != '@' || n < 2 || n - 1 > NAME_MAX_LEN)
		return set_err(err, errlen, EINVAL, "\"socket\" must be an abstract unix socket "
			       "name: '@' and 1 to %d bytes", NAME_MAX_LEN);
	memcpy(addr.sun_path + 1, name + 1, n - 1);	/* sun_path[0] = 0: abstract */
	fd = connect_to(&addr, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n));
	if (fd < 0)
		return set_err(err, errlen, EINVAL, "cannot connect to the socket %s: %s", name,
			       strerror(-fd));
	/* Whoever listens there gets the console: it must be the caller itself. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) || cred.uid != req->uid ||
	    cred.pid != req->pid) {
		close(fd);
		return set_err(err, errlen, EINVAL, "the socket %s is not the calling process's",
			       name);
	}
	return fd;
}

static int pass_fd(int via, int fd, char *err, size_t errlen)
{
	char byte = 'c';
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.space,
			      .msg_controllen = sizeof(ctl.space) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	memset(&ctl, 0, sizeof(ctl));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(via, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) != 1)
		return set_err(err, errlen, EBUSY, "cannot hand the console over: %s",
			       strerror(errno));
	return 0;
}

static int hand_over(struct api_ctx *c, const struct http_request *req,
		     const struct store_instance *in, const char *name, char *err, size_t errlen)
{
	int caller, console, ret;

	if (in->status != INSTANCE_RUNNING)
		return set_err(err, errlen, EOPNOTSUPP, "instance '%s' is %s: only a RUNNING "
			       "instance has a serial port to connect to (get-serial-port-output "
			       "shows what it printed)", in->name, store__status_name(in->status));
	caller = connect_caller(req, name, err, errlen);
	if (caller < 0)
		return caller;
	console = connect_console(c, in, err, errlen);
	ret = console < 0 ? console : pass_fd(caller, console, err, errlen);
	if (console >= 0)
		close(console);
	close(caller);
	return ret;
}

void api_instance_serial_connect(const struct http_request *req, struct http_response *resp,
				 void *ctx)
{
	static const char *const allowed[] = { "socket", NULL };
	struct api_ctx *c = ctx;
	struct store_project p;
	struct store_instance *in = calloc(1, sizeof(*in));
	const char *name = NULL;
	char err[300];
	json_t *body = NULL;
	int ret;

	if (!in) {
		api__error(resp, 500, "out of memory");
		return;
	}
	if (api__instance_of(c, req, "compute.instances.useSerialPort", &p, in, resp))
		goto out;
	body = api__body(req, resp, allowed);
	if (!body)
		goto out;
	ret = api__str(body, "socket", true, &name, err, sizeof(err)) ?:
	      hand_over(c, req, in, name, err, sizeof(err));
	if (ret)
		api__fail(resp, ret, err);
	else
		api__json(resp, 200, json_pack("{s:s}", "instance", in->name));
out:
	json_decref(body);
	free(in);
}
