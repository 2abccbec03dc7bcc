/*
 * The daemon's life: lock the state directory, open the store, fill the public image
 * catalogue, start the operation runner (which re-adopts running VMMs and resumes what a crash
 * left), serve the API until a signal, then stop in reverse order: the API first, then the
 * runner, which lets the steps in progress end and leaves the rest for the next daemon. VMMs
 * outlive the daemon.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/http.h"
#include "control/api.h"
#include "control/daemon.h"
#include "control/runner.h"
#include "util/log.h"

static struct http_server *running_server;

void daemon__default_socket(char *buf, size_t len)
{
	const char *env = getenv("NESTVISOR_SOCKET"), *xdg = getenv("XDG_RUNTIME_DIR");

	if (env && *env)
		snprintf(buf, len, "%s", env);
	else if (geteuid() == 0)
		snprintf(buf, len, "/run/nestvisor/nestvisor.sock");
	else if (xdg && *xdg)
		snprintf(buf, len, "%s/nestvisor.sock", xdg);
	else
		snprintf(buf, len, "/tmp/nestvisor-%u/nestvisor.sock", (unsigned)geteuid());
}

void daemon__default_state_dir(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	if (geteuid() == 0)
		snprintf(buf, len, "/var/lib/nestvisor");
	else if (xdg && *xdg)
		snprintf(buf, len, "%s/nestvisor", xdg);
	else
		snprintf(buf, len, "%s/.local/state/nestvisor", home ? home : "/tmp");
}

/* mkdir -p, new directories with mode (0700: private to the daemon's user). */
static int make_dirs(const char *path, mode_t mode, char *err, size_t errlen)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return set_err(err, errlen, ENAMETOOLONG, "path too long: %s", path);
	for (char *p = buf + 1; ; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) && errno != EEXIST)
			return set_err(err, errlen, errno, "cannot create %s: %s", buf,
				       strerror(errno));
		*p = c;
		if (!c)
			return 0;
	}
}

/* One daemon per state directory: a second one would fight over the same VMMs. */
static int lock_state(const char *dir, int *fd_out, char *err, size_t errlen)
{
	char path[PATH_MAX], pid[32];
	int fd, n;

	snprintf(path, sizeof(path), "%s/daemon.lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return set_err(err, errlen, errno, "cannot open %s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		n = (int)pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		close(fd);
		return set_err(err, errlen, EBUSY, "another daemon (pid %s) uses the state "
			       "directory %s", n > 0 ? strtok(pid, "\n") : "?", dir);
	}
	n = snprintf(pid, sizeof(pid), "%d\n", getpid());
	if (ftruncate(fd, 0) || pwrite(fd, pid, (size_t)n, 0) != n)
		pr_warn("cannot record the daemon's pid in %s", path);
	*fd_out = fd;
	return 0;
}

static void on_signal(int sig)
{
	if (running_server)
		http_server__stop(running_server);
}

static void set_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* The daemon's own state and the resources it holds while it runs. */
struct daemon {
	int lock_fd;
	struct store *st;
	struct runner *runner;
	struct http_server *http;
	struct api_ctx ctx;
};

static int start(struct daemon *d, const struct daemon_config *cfg, char *err, size_t errlen)
{
	char sockdir[PATH_MAX];
	struct runner_config rc;
	struct http_server_config hc = {
		.socket_path = cfg->socket_path, .routes = api_routes,
		.socket_mode = cfg->socket_mode ? cfg->socket_mode : DAEMON_SOCKET_MODE,
		.nroutes = api_nroutes, .ctx = &d->ctx, .error_body = api__error_body,
	};
	int ret;

	snprintf(sockdir, sizeof(sockdir), "%s", cfg->socket_path);
	/* Other users reach the socket: access control, not the file mode, is the gate. */
	ret = make_dirs(cfg->state_dir, 0700, err, errlen) ?:
	      make_dirs(dirname(sockdir), 0755, err, errlen) ?:
	      lock_state(cfg->state_dir, &d->lock_fd, err, errlen) ?:
	      store__open(&d->st, cfg->state_dir, err, errlen);
	if (ret)
		return ret;
	daemon_catalog__fill(d->st, cfg->catalog_dir);
	rc.state_dir = cfg->state_dir;
	rc.op_delay_ms = cfg->op_delay_ms;
	rc.stop_timeout_ms = cfg->stop_timeout_ms > 0 ? cfg->stop_timeout_ms :
			     DAEMON_STOP_TIMEOUT_MS;
	ret = runner__start(&d->runner, &rc, err, errlen);
	if (ret)
		return ret;
	d->ctx = (struct api_ctx){ .st = d->st, .runner = d->runner,
				   .kvm_path = cfg->kvm_path ? cfg->kvm_path : "/dev/kvm",
				   .host_root = "", .state_dir = cfg->state_dir,
				   .daemon_uid = geteuid() };
	return http_server__init(&d->http, &hc, err, errlen);
}

static void stop(struct daemon *d)
{
	running_server = NULL;
	http_server__destroy(d->http);
	runner__stop(d->runner);
	store__close(d->st);
	if (d->lock_fd >= 0)
		close(d->lock_fd);
}

int daemon__run(const struct daemon_config *cfg, char *err, size_t errlen)
{
	struct daemon d = { .lock_fd = -1 };
	int ret = start(&d, cfg, err, errlen);

	if (!ret) {
		pr_info("daemon: serving %s, state in %s (schema %d), pid %d", cfg->socket_path,
			cfg->state_dir, store__schema_version(d.st), getpid());
		running_server = d.http;
		set_signals();
		ret = http_server__run(d.http);
		if (ret)
			set_err(err, errlen, -ret, "the API server failed: %s", strerror(-ret));
		else
			pr_info("daemon: stopping");
	}
	stop(&d);
	return ret;
}
