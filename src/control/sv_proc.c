/*
 * The VMM's processes: the daemon forks a short-lived child that starts a monitor in its own
 * session and exits; the monitor forks the VMM (its own process group), records both pids,
 * waits for it and writes its wait status to SV_EXIT. So the VMM outlives a daemon that dies,
 * and any later daemon learns how it ended. Between fork and exec only async-signal-safe calls.
 * As root, the VMM is jailed (sv_internal.h); it inherits only stdin, stdout and stderr,
 * /dev/kvm as fd 3 (SV_KVM_FD), then its disks and taps as fds 4, 5, ... (SV_PASSED_FD), all
 * opened by the daemon, so the VMM opens none of them.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "control/sv_internal.h"
#include "net/tap.h"
#include "util/log.h"
#include "vmm/cgroup.h"

/* Everything the children need, prepared before fork. */
struct spawn_plan {
	char sock[PATH_MAX], console[2 * PATH_MAX + 16], vmm_log[PATH_MAX];
	char pid_file[PATH_MAX], pid_tmp[PATH_MAX], exit_file[PATH_MAX], exit_tmp[PATH_MAX];
	char jail_dir[PATH_MAX], jail_user[32];
	struct cgroup cg;	/* the jail's cgroup paths, but for the VMM's pid (see monitor) */
	char *argv[16];
	int pipe_w;
	int kvm_fd;		/* /dev/kvm for a jailed VMM, -1 for none */
	int passed[SV_MAX_PASSED];	/* its disks and taps, to become SV_PASSED_FD(i) */
	int npassed;
};

/* Decimal, without stdio (async-signal-safe); returns the length. */
static size_t put_num(char *buf, long v)
{
	char tmp[24];
	size_t n = 0, len = 0;
	bool neg = v < 0;
	unsigned long u = neg ? (unsigned long)-v : (unsigned long)v;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (neg)
		buf[len++] = '-';
	while (n)
		buf[len++] = tmp[--n];
	return len;
}

/* Writes text to tmp, then renames it to path, so a reader sees all or nothing. */
static void write_atomic(const char *tmp, const char *path, const char *text, size_t len)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		return;
	if (write(fd, text, len) == (ssize_t)len && !fsync(fd))
		rename(tmp, path);
	close(fd);
}

static void close_from(int first)
{
	if (syscall(SYS_close_range, (unsigned)first, ~0U, 0) == 0)
		return;
	for (int fd = first; fd < 4096; fd++)
		close(fd);
}

/* The VMM: its own process group, stdin /dev/null, output to SV_VMM_LOG. */
static void __attribute__((noreturn)) exec_vmm(const struct spawn_plan *p)
{
	static const char msg[] = "nestvisor daemon: cannot execute /proc/self/exe\n";
	sigset_t none;
	int in = open("/dev/null", O_RDONLY), out;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setpgid(0, 0);
	out = open(p->vmm_log, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(127);
	/* Every source is above the targets (keep_above), so no dup2 overwrites another. */
	if (p->kvm_fd >= 0 && dup2(p->kvm_fd, SV_KVM_FD) < 0)
		_exit(127);
	for (int i = 0; i < p->npassed; i++)
		if (dup2(p->passed[i], SV_PASSED_FD(i)) < 0)
			_exit(127);
	close_from(p->kvm_fd >= 0 ? SV_PASSED_FD(p->npassed) : 3);
	execv("/proc/self/exe", p->argv);
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(127);
	_exit(127);
}

/* Appends pid to prefix into buf, without stdio. */
static void with_pid(char *buf, size_t len, const char *prefix, pid_t pid)
{
	size_t n = strlen(prefix);

	if (n + 24 > len) {
		buf[0] = '\0';
		return;
	}
	memcpy(buf, prefix, n);
	buf[n + put_num(buf + n, pid)] = '\0';
}

/*
 * The jail's parent removes its cgroup as it exits; a VMM killed with SIGKILL cannot, so the
 * monitor does (an empty directory; KVM's threads may take a moment to leave it).
 */
static void remove_cgroup(const struct spawn_plan *p, pid_t pid)
{
	struct timespec tick = { 0, 50 * 1000000 };
	char path[PATH_MAX];

	for (int i = 0; p->cg.version && i < 2; i++) {
		with_pid(path, sizeof(path), i ? p->cg.cpu : p->cg.mem, pid);
		for (int tries = 0; path[0] && rmdir(path) && errno == EBUSY && tries < 400; tries++)
			nanosleep(&tick, NULL);
		if (p->cg.version == 2)
			break;
	}
}

/* The monitor: starts the VMM, tells the daemon both pids, waits, records the status. */
static void __attribute__((noreturn)) monitor(const struct spawn_plan *p)
{
	pid_t pids[2] = { fork(), getpid() };
	char text[64];
	size_t n;
	int ws;

	if (pids[0] == 0)
		exec_vmm(p);
	if (pids[0] < 0)
		_exit(1);
	n = put_num(text, pids[0]);
	text[n++] = ' ';
	n += put_num(text + n, pids[1]);
	text[n++] = '\n';
	write_atomic(p->pid_tmp, p->pid_file, text, n);
	if (write(p->pipe_w, pids, sizeof(pids)) != (ssize_t)sizeof(pids))
		_exit(1);
	close(p->pipe_w);
	close_from(3);
	while (waitpid(pids[0], &ws, 0) < 0)
		if (errno != EINTR)
			_exit(1);
	n = put_num(text, ws);
	text[n++] = '\n';
	write_atomic(p->exit_tmp, p->exit_file, text, n);
	remove_cgroup(p, pids[0]);
	_exit(0);
}

/* The daemon's direct child: a new session, the monitor, and gone (so the daemon reaps it). */
static void __attribute__((noreturn)) detach(const struct spawn_plan *p)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	pid_t m;

	sigemptyset(&dfl.sa_mask);
	sigaction(SIGINT, &dfl, NULL);
	sigaction(SIGTERM, &dfl, NULL);
	sigaction(SIGHUP, &dfl, NULL);
	setsid();
	m = fork();
	if (m == 0)
		monitor(p);
	_exit(m < 0 ? 1 : 0);
}

/*
 * Moves fd above every descriptor the VMM gets (3 to SV_PASSED_FD(SV_MAX_PASSED - 1)), so
 * exec_vmm's dup2s never overwrite a source; closes fd. The copy, or -1 (errno set).
 */
static int keep_above(int fd)
{
	int copy = fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, SV_PASSED_FD(SV_MAX_PASSED));
	int e = errno;

	if (fd >= 0)
		close(fd);
	errno = e;
	return copy;
}

/* /dev/kvm, opened here for the VMM: the jailed VMM gets it as SV_KVM_FD. */
static int open_kvm(struct spawn_plan *p, char *err, size_t errlen)
{
	p->kvm_fd = keep_above(open(SV_KVM_PATH, O_RDWR | O_CLOEXEC));
	if (p->kvm_fd < 0)
		return set_err(err, errlen, errno, "cannot open %s for the VMM: %s", SV_KVM_PATH,
			       strerror(errno));
	return 0;
}

/* O_NONBLOCK until fstat says it is an image: a FIFO must not hang the daemon. -1, errno. */
static int open_disk(const char *path, bool ro)
{
	int fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NONBLOCK | O_NOCTTY), e;
	struct stat st;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st))
		e = errno;
	else if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		e = EINVAL;
	else if (fcntl(fd, F_SETFL, 0))
		e = errno;
	else
		return fd;
	close(fd);
	errno = e;
	return -1;
}

static int pass_disk(struct spawn_plan *p, const char *path, bool ro, char *err, size_t errlen)
{
	int fd = keep_above(open_disk(path, ro));

	if (fd < 0)
		return set_err(err, errlen, errno, "cannot open disk %s%s for the VMM: %s", path,
			       ro ? " (read-only)" : "", strerror(errno));
	p->passed[p->npassed++] = fd;
	return 0;
}

/* tap.c attaches it (TUNSETIFF, vnet header) as for a VMM of its own; its errors name it. */
static int pass_tap(struct spawn_plan *p, const char *name, char *err, size_t errlen)
{
	struct tap tap;
	int ret = tap__open(&tap, name, err, errlen), fd;

	if (ret)
		return ret;
	fd = keep_above(tap.fd);
	if (fd < 0)
		return set_err(err, errlen, errno, "tap %s: cannot move its descriptor: %s", name,
			       strerror(errno));
	p->passed[p->npassed++] = fd;
	return 0;
}

/* In sv_config.c's order: the image's disk, the instance's disks, its NICs. */
static int open_devices(const struct sv_boot *b, struct spawn_plan *p, char *err, size_t errlen)
{
	int ret = b->img->disk[0] ? pass_disk(p, b->img->disk, true, err, errlen) : 0;

	for (int i = 0; !ret && i < b->in->ndisks; i++)
		ret = pass_disk(p, b->in->disks[i].source, b->in->disks[i].read_only, err, errlen);
	for (int i = 0; !ret && i < b->in->nnics; i++)
		ret = pass_tap(p, b->in->nics[i].host_dev, err, errlen);
	return ret;
}

bool sv_proc__passes_fds(void)
{
	return geteuid() == 0;
}

/*
 * As root: `--jail INSTANCE_DIR --jail-user ID:ID --kvm-fd 3`. The CPU and memory limits of
 * its cgroup come from the machine type, set by sv_config__boot before InstanceStart.
 */
static int plan_jail(const struct supervisor *sv, s64 id, const char *name,
		     const struct sv_boot *b, struct spawn_plan *p, char *err, size_t errlen)
{
	long long uid = SV_JAIL_ID_BASE + id % SV_JAIL_ID_SPAN;
	char leaf[CGROUP_LEAF_MAX];

	if (supervisor__path(sv, id, NULL, p->jail_dir, sizeof(p->jail_dir)))
		return set_err(err, errlen, ENAMETOOLONG, "the instance directory's path is too long");
	snprintf(p->jail_user, sizeof(p->jail_user), "%lld:%lld", uid, uid);
	/* The leaf without its pid: the monitor appends the VMM's. */
	cgroup__leaf(name, 0, leaf, sizeof(leaf));
	leaf[strlen(leaf) - 1] = '\0';
	if (cgroup__locate(&p->cg, leaf, NULL, 0))
		p->cg.version = 0;
	p->argv[8] = "--jail";
	p->argv[9] = p->jail_dir;
	p->argv[10] = "--jail-user";
	p->argv[11] = p->jail_user;
	p->argv[12] = "--kvm-fd";
	p->argv[13] = SV_KVM_FD_ARG;
	p->argv[14] = NULL;
	return open_kvm(p, err, errlen) ?: b ? open_devices(b, p, err, errlen) : 0;
}

static int plan(const struct supervisor *sv, s64 id, const char *name,
		const struct sv_boot *b, struct spawn_plan *p, char *err, size_t errlen)
{
	char serial[PATH_MAX], con[PATH_MAX];
	int ret = supervisor__path(sv, id, SV_SOCK, p->sock, sizeof(p->sock)) ?:
		  supervisor__path(sv, id, SV_SERIAL, serial, sizeof(serial)) ?:
		  supervisor__path(sv, id, SV_CONSOLE_SOCK, con, sizeof(con)) ?:
		  supervisor__path(sv, id, SV_VMM_LOG, p->vmm_log, sizeof(p->vmm_log)) ?:
		  supervisor__path(sv, id, SV_PID, p->pid_file, sizeof(p->pid_file)) ?:
		  supervisor__path(sv, id, SV_PID ".tmp", p->pid_tmp, sizeof(p->pid_tmp)) ?:
		  supervisor__path(sv, id, SV_EXIT, p->exit_file, sizeof(p->exit_file)) ?:
		  supervisor__path(sv, id, SV_EXIT ".tmp", p->exit_tmp, sizeof(p->exit_tmp));

	if (ret || strlen(p->sock) >= 108)
		return set_err(err, errlen, ENAMETOOLONG, "the VMM's socket path %s is too long "
			       "for a unix socket: choose a shorter state directory", p->sock);
	/* con is as long as sock (the names are), so the check above covers it too. */
	snprintf(p->console, sizeof(p->console), "file=%s,socket=%s", serial, con);
	unlink(p->exit_file);
	unlink(p->pid_file);
	p->argv[0] = "nestvisor";
	p->argv[1] = "run";
	p->argv[2] = "--api-sock";
	p->argv[3] = p->sock;
	p->argv[4] = "--console";
	p->argv[5] = p->console;
	p->argv[6] = "--name";
	p->argv[7] = (char *)name;
	p->argv[8] = NULL;
	return sv_proc__passes_fds() ? plan_jail(sv, id, name, b, p, err, errlen) : 0;
}

/* The daemon's copies: the VMM has its own once forked, or none when it failed. */
static void close_plan(struct spawn_plan *p)
{
	if (p->kvm_fd >= 0)
		close(p->kvm_fd);
	for (int i = 0; i < p->npassed; i++)
		close(p->passed[i]);
}

static int spawn(const struct supervisor *sv, s64 id, const char *name,
		 const struct sv_boot *b, struct sv_vmm *v, char *err, size_t errlen)
{
	struct spawn_plan *p = calloc(1, sizeof(*p));
	int fds[2], ret, ws;
	pid_t child, pids[2];
	ssize_t n;

	if (!p)
		return set_err(err, errlen, ENOMEM, "out of memory");
	p->kvm_fd = -1;
	ret = plan(sv, id, name, b, p, err, errlen);
	if (!ret && pipe2(fds, O_CLOEXEC))
		ret = set_err(err, errlen, errno, "pipe: %s", strerror(errno));
	if (ret) {
		close_plan(p);
		free(p);
		return ret;
	}
	p->pipe_w = fds[1];
	child = fork();
	if (child == 0)
		detach(p);
	close(fds[1]);
	close_plan(p);
	if (child > 0)
		while (waitpid(child, &ws, 0) < 0 && errno == EINTR)
			;
	n = child > 0 ? read(fds[0], pids, sizeof(pids)) : -1;
	close(fds[0]);
	free(p);
	if (n != (ssize_t)sizeof(pids))
		return set_err(err, errlen, ECHILD, "cannot start the VMM process: %s",
			       child < 0 ? strerror(errno) : "its monitor failed");
	*v = (struct sv_vmm){ .id = id, .pid = pids[0], .monitor = pids[1] };
	return 0;
}

int sv_proc__spawn_boot(const struct supervisor *sv, const struct sv_boot *b,
			struct sv_vmm *v, char *err, size_t errlen)
{
	return spawn(sv, b->in->id, b->in->name, b, v, err, errlen);
}

int sv_proc__spawn(const struct supervisor *sv, s64 id, const char *name, struct sv_vmm *v,
		   char *err, size_t errlen)
{
	return spawn(sv, id, name, NULL, v, err, errlen);
}

static bool alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

int sv_proc__ended(const struct supervisor *sv, const struct sv_vmm *v, int *ws)
{
	char path[PATH_MAX], text[32];

	if (!supervisor__path(sv, v->id, SV_EXIT, path, sizeof(path)) &&
	    read_small_file(path, text, sizeof(text)) > 0) {
		*ws = atoi(text);
		return 1;
	}
	/* The monitor writes the status just after the VMM ends: both gone and no file is final. */
	if (alive(v->pid) || alive(v->monitor))
		return 0;
	if (read_small_file(path, text, sizeof(text)) > 0) {
		*ws = atoi(text);
		return 1;
	}
	*ws = -1;
	return 1;
}

int sv_proc__read_pids(const struct supervisor *sv, s64 id, struct sv_vmm *v)
{
	char path[PATH_MAX], text[64];
	long pid, mon;

	if (supervisor__path(sv, id, SV_PID, path, sizeof(path)) ||
	    read_small_file(path, text, sizeof(text)) <= 0)
		return -ENOENT;
	if (sscanf(text, "%ld %ld", &pid, &mon) != 2 || pid <= 1 || mon <= 1)
		return -EINVAL;
	*v = (struct sv_vmm){ .id = id, .pid = (pid_t)pid, .monitor = (pid_t)mon };
	return 0;
}

bool sv_proc__is_vmm(pid_t pid, const char *sock)
{
	char path[64], buf[4096];
	int n;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	n = read_small_file(path, buf, sizeof(buf));
	if (n <= 0)
		return false;
	/* NUL-separated arguments: look for "run" and the socket path as whole arguments. */
	for (int i = 0, run = 0; i < n; i += (int)strlen(buf + i) + 1) {
		if (!strcmp(buf + i, "run"))
			run = 1;
		if (run && !strcmp(buf + i, sock))
			return true;
	}
	return false;
}

void sv_proc__signal(const struct sv_vmm *v, int sig)
{
	if (kill(-v->pid, sig) && kill(v->pid, sig) && errno != ESRCH)
		pr_warn("supervisor: cannot signal VMM %d: %s", (int)v->pid, strerror(errno));
}

int sv_proc__wait(const struct supervisor *sv, const struct sv_vmm *v, int ms, int *ws)
{
	struct timespec tick = { 0, 20 * 1000000 };

	for (int waited = 0; ; waited += 20) {
		if (sv_proc__ended(sv, v, ws))
			return 1;
		if (waited >= ms)
			return 0;
		nanosleep(&tick, NULL);
	}
}

/* The last line of the text, or the rest of the last line holding after; "" when none. */
static void pick_line(char *text, const char *after, char *buf, size_t len)
{
	char *line = NULL, *save = NULL;

	buf[0] = '\0';
	for (char *l = strtok_r(text, "\r\n", &save); l; l = strtok_r(NULL, "\r\n", &save)) {
		char *hit = after ? strstr(l, after) : l;

		if (hit)
			line = after ? hit + strlen(after) : hit;
	}
	if (line)
		snprintf(buf, len, "%s", line);
}

void sv_proc__log_line(const char *path, const char *after, char *buf, size_t len)
{
	char text[4096];
	FILE *f = fopen(path, "re");
	long size;

	buf[0] = '\0';
	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, size > (long)sizeof(text) - 1 ? size - (long)sizeof(text) + 1 : 0, SEEK_SET);
	size = (long)fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[size] = '\0';
	pick_line(text, after, buf, len);
}
