/*
 * The supervisor's table of VMMs and their lifecycle: boot (spawn, configure, start), stop
 * (power button, SIGTERM, SIGKILL), re-adoption after a daemon restart, and noticing exits.
 * Only the operation runner's thread calls it, so the table needs no lock.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "control/sv_internal.h"
#include "vmm/control.h"
#include "util/log.h"

#define SOCKET_WAIT_MS 5000
#define TERM_WAIT_MS 2000
#define KILL_WAIT_MS 10000	/* dying is certain after SIGKILL, but slow on a loaded host */
#define ADOPT_WAIT_MS 5000
#define SERIAL_KEEP (4 * 1024 * 1024)	/* bytes of earlier runs' consoles kept, at most */

int supervisor__init(struct supervisor **out, const char *state_dir, int stop_timeout_ms,
		     char *err, size_t errlen)
{
	struct supervisor *sv = calloc(1, sizeof(*sv));

	if (!sv)
		return set_err(err, errlen, ENOMEM, "out of memory");
	snprintf(sv->state_dir, sizeof(sv->state_dir), "%s", state_dir);
	sv->stop_timeout_ms = stop_timeout_ms;
	*out = sv;
	return 0;
}

void supervisor__free(struct supervisor *sv)
{
	if (!sv)
		return;
	free(sv->vmms);
	free(sv);
}

int supervisor__path_in(const char *state_dir, s64 id, const char *file, char *buf, size_t len)
{
	int n = file ? snprintf(buf, len, "%s/instances/%lld/%s", state_dir, (long long)id, file) :
		snprintf(buf, len, "%s/instances/%lld", state_dir, (long long)id);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int supervisor__path(const struct supervisor *sv, s64 id, const char *file, char *buf,
		     size_t len)
{
	return supervisor__path_in(sv->state_dir, id, file, buf, len);
}

static struct sv_vmm *find(struct supervisor *sv, s64 id)
{
	for (size_t i = 0; i < sv->nvmms; i++)
		if (sv->vmms[i].id == id)
			return &sv->vmms[i];
	return NULL;
}

static int track(struct supervisor *sv, const struct sv_vmm *v)
{
	struct sv_vmm *slot = find(sv, 0), *grown;

	if (!slot) {
		grown = realloc(sv->vmms, (sv->nvmms + 1) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		sv->vmms = grown;
		slot = &sv->vmms[sv->nvmms++];
	}
	*slot = *v;
	return 0;
}

void supervisor__exit_reason(int ws, char *buf, size_t len)
{
	int code = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;

	if (ws == -1)
		snprintf(buf, len, "the VMM ended and left no exit status");
	else if (WIFSIGNALED(ws))
		snprintf(buf, len, "the VMM was killed by signal %d (%s)", WTERMSIG(ws),
			 strsignal(WTERMSIG(ws)));
	else if (code == 0)
		snprintf(buf, len, "the guest powered off (VMM exit status 0)");
	else if (code == 1)
		snprintf(buf, len, "the VMM failed (exit status 1)");
	else if (code == 2)
		snprintf(buf, len, "the guest asked for a reboot, which nestvisor does not do "
			 "(VMM exit status 2)");
	else if (code == 4)
		snprintf(buf, len, "the guest crashed: triple fault, KVM internal error or failed "
			 "entry (VMM exit status 4)");
	else if (code == 129 || code == 130 || code == 143)
		snprintf(buf, len, "the VMM was stopped by %s (exit status %d)",
			 code == 129 ? "SIGHUP" : code == 130 ? "SIGINT" : "SIGTERM", code);
	else if (code == 128 + SIGSYS)
		snprintf(buf, len, "the VMM stopped itself on a forbidden system call (seccomp; "
			 "exit status %d)", code);
	else if (code & 1)
		snprintf(buf, len, "the guest wrote %d to the debug-exit port (VMM exit status %d)",
			 code >> 1, code);
	else
		snprintf(buf, len, "the VMM exited with status %d", code);
}

/* The VMM's log line that names how the guest crashed (vcpu_exit__handle's crash()). */
#define CRASH_LINE "guest stopped: "

/*
 * The reason, with the VMM's last log line when it failed, or how the guest crashed
 * (a triple fault, which internal error) when it did.
 */
static void reason(struct supervisor *sv, s64 id, int ws, char *buf, size_t len)
{
	int code = ws != -1 && WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
	char path[PATH_MAX], line[256];

	supervisor__exit_reason(ws, buf, len);
	if ((code != EXIT_VMM_ERROR && code != EXIT_GUEST_CRASH) ||
	    supervisor__path(sv, id, SV_VMM_LOG, path, sizeof(path)))
		return;
	sv_proc__log_line(path, code == EXIT_VMM_ERROR ? NULL : CRASH_LINE, line, sizeof(line));
	if (!line[0])
		return;
	if (code == EXIT_VMM_ERROR)
		snprintf(buf + strlen(buf), len - strlen(buf), ": %s", line);
	else
		snprintf(buf, len, "the guest crashed: %s (VMM exit status %d)", line, code);
}

bool supervisor__running(struct supervisor *sv, s64 id)
{
	struct sv_vmm *v = find(sv, id);
	char sock[PATH_MAX], state[32];
	int ws;

	if (!v || sv_proc__ended(sv, v, &ws) || supervisor__path(sv, id, SV_SOCK, sock,
								 sizeof(sock)))
		return false;
	return !sv_config__state(sock, state, sizeof(state), 2000) && strcmp(state, "Not started");
}

/* Ends a VMM at once (SIGTERM, then SIGKILL) and forgets it; ws as sv_proc__ended. */
static void kill_now(struct supervisor *sv, struct sv_vmm *v, int *ws)
{
	sv_proc__signal(v, SIGTERM);
	if (!sv_proc__wait(sv, v, TERM_WAIT_MS, ws)) {
		sv_proc__signal(v, SIGKILL);
		if (!sv_proc__wait(sv, v, KILL_WAIT_MS, ws))
			pr_warn("supervisor: VMM %d of instance %lld does not die", (int)v->pid,
				(long long)v->id);
	}
	v->id = 0;
}

int supervisor__stop(struct supervisor *sv, s64 id, bool graceful, char *how, size_t howlen)
{
	struct sv_vmm *v = find(sv, id);
	char sock[PATH_MAX];
	int ws;

	if (!v) {
		snprintf(how, howlen, "no VMM was running");
		return 0;
	}
	if (graceful && !supervisor__path(sv, id, SV_SOCK, sock, sizeof(sock)) &&
	    !sv_config__power_button(sock) && sv_proc__wait(sv, v, sv->stop_timeout_ms, &ws)) {
		reason(sv, id, ws, how, howlen);
		v->id = 0;
		return 0;
	}
	kill_now(sv, v, &ws);
	if (graceful)
		snprintf(how, howlen, "the guest did not power off within %d ms of the power "
			 "button; the VMM was sent SIGTERM", sv->stop_timeout_ms);
	else
		reason(sv, id, ws, how, howlen);
	return 0;
}

static int make_dir(const char *path, char *err, size_t errlen)
{
	if (mkdir(path, 0700) && errno != EEXIST)
		return set_err(err, errlen, errno, "cannot create %s: %s", path, strerror(errno));
	return 0;
}

/* The earlier runs' consoles go to SV_SERIAL_OLD, which the console log reads first. */
static void rotate_serial(struct supervisor *sv, s64 id)
{
	char cur[PATH_MAX], old[PATH_MAX], buf[65536];
	FILE *in, *out;
	size_t n;
	struct stat st;

	if (supervisor__path(sv, id, SV_SERIAL, cur, sizeof(cur)) ||
	    supervisor__path(sv, id, SV_SERIAL_OLD, old, sizeof(old)) || !(in = fopen(cur, "re")))
		return;
	/* Simple bound: past SERIAL_KEEP the oldest runs are dropped, not cut mid-line. */
	if (!stat(old, &st) && st.st_size > SERIAL_KEEP && truncate(old, 0))
		pr_warn("supervisor: cannot truncate %s: %s", old, strerror(errno));
	out = fopen(old, "ae");
	while (out && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	if (out)
		fclose(out);
	fclose(in);
	unlink(cur);
}

/* Waits until the VMM answers GET / (it binds the socket after it starts). */
static int wait_socket(struct supervisor *sv, struct sv_vmm *v, const char *sock,
		       char *err, size_t errlen)
{
	struct timespec tick = { 0, 10 * 1000000 };
	char state[32], why[512];
	int ws;

	for (int waited = 0; waited < SOCKET_WAIT_MS; waited += 10) {
		if (!sv_config__state(sock, state, sizeof(state), 1000))
			return 0;
		if (sv_proc__ended(sv, v, &ws)) {
			reason(sv, v->id, ws, why, sizeof(why));
			return set_err(err, errlen, EIO, "the VMM ended before serving its API: %s",
				       why);
		}
		nanosleep(&tick, NULL);
	}
	return set_err(err, errlen, ETIMEDOUT, "the VMM did not serve its API on %s within %d "
		       "ms", sock, SOCKET_WAIT_MS);
}

/* A VMM of the instance left from before (not in the table) is ended. */
static void end_leftover(struct supervisor *sv, s64 id)
{
	struct sv_vmm *v = find(sv, id), old;
	char sock[PATH_MAX];
	int ws;

	if (v) {
		kill_now(sv, v, &ws);
		return;
	}
	if (sv_proc__read_pids(sv, id, &old) || supervisor__path(sv, id, SV_SOCK, sock,
								 sizeof(sock)))
		return;
	if (!sv_proc__ended(sv, &old, &ws) && sv_proc__is_vmm(old.pid, sock))
		kill_now(sv, &old, &ws);
}

static int spawn_and_start(struct supervisor *sv, const struct sv_boot *b, const char *sock,
			   char *err, size_t errlen)
{
	struct sv_vmm v;
	int ret = sv_proc__spawn_boot(sv, b, &v, err, errlen), ws;

	if (ret)
		return ret;
	ret = track(sv, &v);
	if (ret) {
		sv_proc__signal(&v, SIGKILL);
		return set_err(err, errlen, -ret, "out of memory");
	}
	pr_info("supervisor: instance %s: VMM pid %d", b->in->name, (int)v.pid);
	ret = wait_socket(sv, find(sv, v.id), sock, err, errlen) ?:
	      sv_config__boot(sock, b, err, errlen);
	if (ret)
		kill_now(sv, find(sv, v.id), &ws);
	return ret;
}

int supervisor__boot(struct supervisor *sv, const struct sv_boot *b, char *err, size_t errlen)
{
	char dir[PATH_MAX], sock[PATH_MAX];
	int ret;

	/* A repeated step (after a crash) finds the guest it already started. */
	if (supervisor__running(sv, b->in->id))
		return 0;
	end_leftover(sv, b->in->id);
	ret = snprintf(dir, sizeof(dir), "%s/instances", sv->state_dir) >= (int)sizeof(dir) ?
	      -ENAMETOOLONG : make_dir(dir, err, errlen);
	if (!ret && (supervisor__path(sv, b->in->id, NULL, dir, sizeof(dir)) ||
		     supervisor__path(sv, b->in->id, SV_SOCK, sock, sizeof(sock))))
		ret = set_err(err, errlen, ENAMETOOLONG, "the state directory's path is too long");
	if (!ret)
		ret = make_dir(dir, err, errlen);
	if (ret)
		return ret;
	rotate_serial(sv, b->in->id);
	return spawn_and_start(sv, b, sock, err, errlen);
}

int supervisor__remove(struct supervisor *sv, s64 id, char *err, size_t errlen)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct dirent *e;
	DIR *d;

	if (supervisor__path(sv, id, NULL, dir, sizeof(dir)) || !(d = opendir(dir)))
		return 0;
	/* Only files of ours live there: no subdirectories. */
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) < (int)sizeof(path))
			unlink(path);
	closedir(d);
	if (rmdir(dir) && errno != ENOENT)
		return set_err(err, errlen, errno, "cannot remove %s: %s", dir, strerror(errno));
	return 0;
}

bool supervisor__adopt(struct supervisor *sv, s64 id, char *why, size_t whylen)
{
	struct sv_vmm v;
	char sock[PATH_MAX], state[32];
	int ws;

	if (find(sv, id))
		return true;
	if (sv_proc__read_pids(sv, id, &v) || supervisor__path(sv, id, SV_SOCK, sock,
							       sizeof(sock))) {
		snprintf(why, whylen, "no VMM was found for it when the daemon started");
		return false;
	}
	if (sv_proc__ended(sv, &v, &ws)) {
		reason(sv, id, ws, why, whylen);
		return false;
	}
	if (!sv_proc__is_vmm(v.pid, sock)) {
		/* Just killed: the kernel may still be freeing its guest memory (seconds under
		 * load) before its monitor can write the status. */
		if (sv_proc__wait(sv, &v, kill(v.monitor, 0) ? 0 : ADOPT_WAIT_MS, &ws))
			reason(sv, id, ws, why, whylen);
		else
			snprintf(why, whylen, "its VMM (pid %d) was gone", (int)v.pid);
		return false;
	}
	if (sv_config__state(sock, state, sizeof(state), 2000)) {
		/* A killed VMM can look alive for a while as it dies. */
		if (sv_proc__wait(sv, &v, ADOPT_WAIT_MS, &ws)) {
			reason(sv, id, ws, why, whylen);
			return false;
		}
		kill_now(sv, &v, &ws);
		snprintf(why, whylen, "its VMM (pid %d) did not answer on its API socket and was "
			 "killed", (int)v.pid);
		return false;
	}
	if (track(sv, &v)) {
		snprintf(why, whylen, "out of memory");
		return false;
	}
	pr_info("supervisor: adopted VMM pid %d (instance %lld, %s)", (int)v.pid, (long long)id,
		state);
	return true;
}

void supervisor__reap(struct supervisor *sv, void (*fn)(s64 id, const char *why, void *arg),
		      void *arg)
{
	char why[STORE_TEXT_LEN];
	int ws;

	for (size_t i = 0; i < sv->nvmms; i++) {
		struct sv_vmm *v = &sv->vmms[i];
		s64 id = v->id;

		if (!id || !sv_proc__ended(sv, v, &ws))
			continue;
		reason(sv, id, ws, why, sizeof(why));
		v->id = 0;
		fn(id, why, arg);
	}
}
