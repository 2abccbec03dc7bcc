/*
 * Serving the VMM API for `nestvisor run`: the HTTP server on a thread of its own (never in
 * the vCPU fast path), and InstanceStart handed to the main thread, which builds the machine
 * and then runs it; pause, resume and the power button go straight to the machine.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/vmm_api_internal.h"
#include "util/log.h"
#include "vmm/control.h"
#include "vmm/machine.h"
#include "vmm/seccomp.h"

#define API_MAX_BODY (64 * 1024)	/* Firecracker's is 50 KiB */

struct vmm_api_server {
	struct http_server *http;
	struct vmm_api *api;
	pthread_t thread;
	bool thread_running;
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* a start was answered, or closing */
	int start_fd;			/* eventfd: an InstanceStart waits for main */
	const struct vm_config *start_cfg;	/* the pending start's configuration */
	bool start_done;
	int start_ret;
	char start_err[VMM_API_ERR_MAX];
	bool closing;			/* no more starts; the machine is gone or going */
	struct machine *m;		/* the running machine, NULL before and after */
};

/* On the API thread; blocks until the main thread has built the machine or failed. */
static int op_start(void *opaque, const struct vm_config *cfg, char *err, size_t errlen)
{
	struct vmm_api_server *srv = opaque;
	u64 one = 1;
	int ret;

	pthread_mutex_lock(&srv->lock);
	srv->start_cfg = cfg;
	srv->start_done = false;
	if (!srv->closing && write(srv->start_fd, &one, sizeof(one)) != sizeof(one)) {
		ret = set_err(err, errlen, errno, "cannot wake the VMM's main thread: %s",
			      strerror(errno));
		goto out;
	}
	while (!srv->start_done && !srv->closing)
		pthread_cond_wait(&srv->cond, &srv->lock);
	if (srv->start_done) {
		ret = srv->start_ret;
		set_err(err, errlen, -ret, "%s", srv->start_err);
	} else {
		ret = set_err(err, errlen, ESHUTDOWN, "the VMM is shutting down.");
	}
out:
	srv->start_cfg = NULL;
	pthread_mutex_unlock(&srv->lock);
	return ret;
}

/* Runs op on the machine while it exists; the lock keeps it from being detached meanwhile. */
static int with_machine(struct vmm_api_server *srv, void (*op)(struct machine *m), char *err,
			size_t errlen)
{
	int ret = 0;

	pthread_mutex_lock(&srv->lock);
	if (srv->m)
		op(srv->m);
	else
		ret = set_err(err, errlen, ESRCH, "The microVM has stopped.");
	pthread_mutex_unlock(&srv->lock);
	return ret;
}

static int op_pause(void *opaque, char *err, size_t errlen)
{
	return with_machine(opaque, machine__pause, err, errlen);
}

static int op_resume(void *opaque, char *err, size_t errlen)
{
	return with_machine(opaque, machine__resume, err, errlen);
}

static int op_ctrl_alt_del(void *opaque, char *err, size_t errlen)
{
	return with_machine(opaque, machine__press_power_button, err, errlen);
}

static const struct vmm_api_ops server_ops = {
	.start = op_start,
	.pause = op_pause,
	.resume = op_resume,
	.ctrl_alt_del = op_ctrl_alt_del,
};

/* The umask makes the socket 0600 from the moment it exists, not only after the chmod. */
static int bind_socket(struct vmm_api_server *srv, const char *path, char *err, size_t errlen)
{
	struct http_server_config cfg = { .socket_path = path, .socket_mode = 0600,
					  .ctx = srv->api, .error_body = vmm_api__error_body,
					  .limits = { .max_body_bytes = API_MAX_BODY } };
	mode_t old;
	int ret;

	cfg.routes = vmm_api__routes(&cfg.nroutes);
	old = umask(0177);
	ret = http_server__init(&srv->http, &cfg, err, errlen);
	umask(old);
	return ret;
}

int vmm_api_server__init(struct vmm_api_server **out, const char *path,
			 const struct vm_config *initial, char *err, size_t errlen)
{
	struct vmm_api_server *srv = calloc(1, sizeof(*srv));
	struct vmm_api_limits limits;
	int ret;

	if (!srv)
		return set_err(err, errlen, ENOMEM, "out of memory");
	pthread_mutex_init(&srv->lock, NULL);
	pthread_cond_init(&srv->cond, NULL);
	srv->start_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (srv->start_fd < 0) {
		ret = set_err(err, errlen, errno, "eventfd: %s", strerror(errno));
		goto fail;
	}
	vmm_api__host_limits(initial->kvm_path, &limits);
	ret = vmm_api__new(&srv->api, initial, initial->kernel_path != NULL, &server_ops, srv,
			   &limits, err, errlen);
	if (!ret)
		ret = bind_socket(srv, path, err, errlen);
	if (ret)
		goto fail;
	*out = srv;
	return 0;
fail:
	vmm_api_server__destroy(srv);
	return ret;
}

static void *api_thread(void *arg)
{
	struct vmm_api_server *srv = arg;

	pthread_setname_np(pthread_self(), "api");	/* before the filter, which forbids it */
	seccomp__enter(SECCOMP_KIND_API);	/* before the first request */
	http_server__run(srv->http);
	return NULL;
}

/* Signals stay with the main thread: the API thread starts with all of them blocked. */
static int start_thread(struct vmm_api_server *srv, char *err, size_t errlen)
{
	sigset_t all, old;
	int ret;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	ret = pthread_create(&srv->thread, NULL, api_thread, srv);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret)
		return set_err(err, errlen, ret, "cannot start the API thread: %s", strerror(ret));
	srv->thread_running = true;
	return 0;
}

int vmm_api_server__serve_machine(struct vmm_api_server *srv, struct machine *m, char *err,
				  size_t errlen)
{
	pthread_mutex_lock(&srv->lock);
	srv->m = m;
	srv->closing = true;	/* started from the flags: InstanceStart is refused anyway */
	pthread_mutex_unlock(&srv->lock);
	return start_thread(srv, err, errlen);
}

/* Builds the machine a pending InstanceStart asked for and answers it. */
static int handle_start(struct vmm_api_server *srv, struct machine *m)
{
	struct vm_config cfg;
	char err[VMM_API_ERR_MAX];
	u64 count;
	int ret;

	if (read(srv->start_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		pr_warn("api: reading the start event: %s", strerror(errno));
	pthread_mutex_lock(&srv->lock);
	if (!srv->start_cfg) {
		pthread_mutex_unlock(&srv->lock);
		return -EAGAIN;
	}
	cfg = *srv->start_cfg;	/* its strings stay put while the handler waits */
	pthread_mutex_unlock(&srv->lock);

	ret = machine__init(m, &cfg, err, sizeof(err));
	if (ret)
		pr_warn("InstanceStart failed: %s", err);
	pthread_mutex_lock(&srv->lock);
	srv->start_ret = ret;
	snprintf(srv->start_err, sizeof(srv->start_err), "%s", ret ? err : "");
	srv->start_done = true;
	if (!ret) {
		srv->m = m;
		srv->closing = true;
	}
	pthread_cond_broadcast(&srv->cond);
	pthread_mutex_unlock(&srv->lock);
	return ret;
}

static int open_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL))
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static int wait_loop(struct vmm_api_server *srv, struct machine *m, int sfd)
{
	struct signalfd_siginfo si;

	for (;;) {
		struct pollfd fds[2] = { { .fd = sfd, .events = POLLIN },
					 { .fd = srv->start_fd, .events = POLLIN } };

		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			pr_err("poll: %s", strerror(errno));
			return EXIT_VMM_ERROR;
		}
		if (fds[0].revents && read(sfd, &si, sizeof(si)) == sizeof(si)) {
			pr_info("stopping on signal %u before the start", si.ssi_signo);
			return EXIT_SIGNAL_BASE + (int)si.ssi_signo;
		}
		if (fds[1].revents && handle_start(srv, m) == 0)
			return 0;
	}
}

int vmm_api_server__wait_for_start(struct vmm_api_server *srv, struct machine *m)
{
	char err[256];
	int sfd = open_signals(), status;

	if (sfd < 0) {
		pr_err("cannot set up signal handling: %s", strerror(errno));
		return EXIT_VMM_ERROR;
	}
	if (start_thread(srv, err, sizeof(err))) {
		pr_err("%s", err);
		close(sfd);
		return EXIT_VMM_ERROR;
	}
	pr_info("API ready; waiting for InstanceStart");
	status = wait_loop(srv, m, sfd);
	close(sfd);
	if (status) {
		pthread_mutex_lock(&srv->lock);
		srv->closing = true;	/* a start still waiting is told so */
		pthread_cond_broadcast(&srv->cond);
		pthread_mutex_unlock(&srv->lock);
	}
	return status;
}

void vmm_api_server__detach(struct vmm_api_server *srv)
{
	pthread_mutex_lock(&srv->lock);
	srv->m = NULL;
	srv->closing = true;
	pthread_cond_broadcast(&srv->cond);
	pthread_mutex_unlock(&srv->lock);
}

void vmm_api_server__destroy(struct vmm_api_server *srv)
{
	if (!srv)
		return;
	vmm_api_server__detach(srv);
	if (srv->thread_running) {
		http_server__stop(srv->http);
		pthread_join(srv->thread, NULL);
	}
	http_server__destroy(srv->http);
	vmm_api__free(srv->api);
	if (srv->start_fd >= 0)
		close(srv->start_fd);
	pthread_cond_destroy(&srv->cond);
	pthread_mutex_destroy(&srv->lock);
	free(srv);
}
