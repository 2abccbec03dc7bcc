/*
 * The jail of `nestvisor run --jail DIR`: namespaces and a supervising parent at start, then,
 * once every file is open, an empty read-only root and unprivileged threads (docs/hardening.md).
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include "util/log.h"
#include "vmm/cgroup.h"
#include "vmm/jail.h"

static bool is_active;
static const char *jail_dir;
static u32 jail_uid, jail_gid;
static volatile pid_t child_pid;
/* --limits lives here, beside the rest of the jail's settings, until jail__start uses it. */
static struct cgroup_limits limits;
static bool limits_given;
static struct cgroup cg;

bool jail__active(void)
{
	return is_active;
}

int jail__parse_user(const char *arg, u32 *uid, u32 *gid)
{
	unsigned long u, g;
	char *end;

	if (!arg || *arg < '0' || *arg > '9')
		return -EINVAL;
	errno = 0;
	u = strtoul(arg, &end, 10);
	g = u;
	if (*end == ':') {
		if (end[1] < '0' || end[1] > '9')
			return -EINVAL;
		g = strtoul(end + 1, &end, 10);
	}
	/* Root inside would be no jail; -1 means "unchanged" to setresuid. */
	if (errno || *end || !u || !g || u >= UINT_MAX || g >= UINT_MAX)
		return -EINVAL;
	*uid = (u32)u;
	*gid = (u32)g;
	return 0;
}

static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

/* The parent only waits: the VMM's status becomes its own, signals go to the VMM. */
static int supervise(pid_t pid, int *status)
{
	struct sigaction sa = { .sa_handler = forward_signal };
	int ws;

	/* The VMM has its own copies; the waiting root parent keeps no /dev/kvm, disk or tap. */
	close_range(3, ~0U, 0);
	child_pid = pid;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	while (waitpid(pid, &ws, 0) < 0) {
		if (errno != EINTR) {
			pr_err("jail: waitpid: %s", strerror(errno));
			*status = 1;
			return 1;
		}
	}
	*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	cgroup__remove(&cg);
	return 1;
}

int jail__set_limits(const char *arg, char *err, size_t errlen)
{
	limits_given = arg != NULL;
	if (!arg) {
		limits = (struct cgroup_limits){ 0 };
		return 0;
	}
	return cgroup__parse_limits(arg, &limits, err, errlen);
}

bool jail__limits_given(void)
{
	return limits_given;
}

/*
 * The VMM's cgroup, made by the parent (which removes it) and joined by the child. Without
 * --kernel the API decides the VM's size later, so only --limits applies (the daemon sets its
 * VMMs' limits itself before InstanceStart). Failing here only warns: the run goes on.
 */
static void make_cgroup(const struct vm_config *cfg)
{
	bool sized = cfg->kernel_path || !cfg->api_sock;
	u32 cpu = limits.cpu_pct ?: (sized ? cfg->ncpus * 100 : 0);
	u64 mem = limits.memory_mib ?: (sized ? cfg->memory_mib + CGROUP_OVERHEAD_MIB : 0);
	char leaf[CGROUP_LEAF_MAX], msg[PATH_MAX + 128];

	if (limits.off)
		return;
	cgroup__leaf(cfg->name, (int)getpid(), leaf, sizeof(leaf));
	if (cgroup__create(&cg, leaf, msg, sizeof(msg))) {
		pr_warn("jail: %s", msg);
		return;
	}
	if (cgroup__set_limits(&cg, cpu, mem, msg, sizeof(msg))) {
		pr_warn("jail: no cgroup limits: %s", msg);
		cgroup__remove(&cg);
		return;
	}
	pr_info("jail: cgroup %s (v%d): cpu %s%u%%, memory %s%llu MiB", cg.mem, cg.version,
		cpu ? "" : "unlimited ", cpu, mem ? "" : "unlimited ", (unsigned long long)mem);
}

int jail__start(const struct vm_config *cfg, int *status, char *err, size_t errlen)
{
	int flags = CLONE_NEWNS | CLONE_NEWPID, ret;
	char msg[PATH_MAX + 64];
	struct stat st;
	pid_t pid;

	if (stat(cfg->jail_dir, &st) || !S_ISDIR(st.st_mode))
		return set_err(err, errlen, ENOTDIR, "--jail: %s is not a directory", cfg->jail_dir);
	/* The API may add NICs later, on taps of the host's namespace. */
	if (!cfg->nnets && !cfg->api_sock)
		flags |= CLONE_NEWNET;
	if (unshare(flags))
		return set_err(err, errlen, errno, "--jail: unshare: %s (it needs root)",
			       strerror(errno));
	make_cgroup(cfg);
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		cgroup__remove(&cg);
		return set_err(err, errlen, -ret, "--jail: fork: %s", strerror(-ret));
	}
	if (pid > 0)
		return supervise(pid, status);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (cg.version && cgroup__join(&cg, msg, sizeof(msg)))
		pr_warn("jail: no cgroup limits: %s", msg);
	/* Nothing mounted from here on may reach the host's namespace. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return set_err(err, errlen, errno, "--jail: making / private: %s", strerror(errno));
	is_active = true;
	jail_dir = cfg->jail_dir;
	jail_uid = cfg->jail_uid;
	jail_gid = cfg->jail_gid;
	return 0;
}

/*
 * Per thread, with raw syscalls: glibc's setresuid() would make every thread run it, and the
 * other threads' seccomp filters forbid it. Bounding set first, while CAP_SETPCAP is held.
 */
static int drop_credentials(void)
{
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL)
			return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
		return -errno;
	if (syscall(SYS_setgroups, 0, NULL) || syscall(SYS_setresgid, jail_gid, jail_gid, jail_gid) ||
	    syscall(SYS_setresuid, jail_uid, jail_uid, jail_uid))
		return -errno;
	/* Leaving uid 0 cleared the permitted and effective sets; check, do not assume. */
	if (syscall(SYS_getuid) != jail_uid || syscall(SYS_geteuid) != jail_uid)
		return -EPERM;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	return 0;
}

void jail__thread_enter(void)
{
	int ret;

	if (!is_active || syscall(SYS_getuid) == jail_uid)
		return;
	ret = drop_credentials();
	if (ret) {
		pr_err("jail: cannot drop a thread's privileges: %s", strerror(-ret));
		exit(EXIT_FAILURE);
	}
}

static int set_limit(int resource, rlim_t value, const char *name, char *err, size_t errlen)
{
	struct rlimit rl = { .rlim_cur = value, .rlim_max = value };

	if (setrlimit(resource, &rl))
		return set_err(err, errlen, errno, "--jail: %s: %s", name, strerror(errno));
	return 0;
}

/* An empty, read-only tmpfs over DIR is the new root: every file is already open. */
static int enter_root(char *err, size_t errlen)
{
	if (mount("nestvisor-jail", jail_dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=4k,mode=0555"))
		return set_err(err, errlen, errno, "--jail: tmpfs on %s: %s", jail_dir,
			       strerror(errno));
	if (mount(NULL, jail_dir, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL))
		return set_err(err, errlen, errno, "--jail: read-only %s: %s", jail_dir,
			       strerror(errno));
	if (chroot(jail_dir) || chdir("/"))
		return set_err(err, errlen, errno, "--jail: chroot %s: %s", jail_dir,
			       strerror(errno));
	return 0;
}

int jail__enter(char *err, size_t errlen)
{
	int ret;

	if (!is_active)
		return 0;
	ret = enter_root(err, errlen);
	if (!ret)
		ret = set_limit(RLIMIT_CORE, 0, "RLIMIT_CORE", err, errlen);	/* guest RAM */
	if (!ret)
		ret = set_limit(RLIMIT_NOFILE, JAIL_NOFILE, "RLIMIT_NOFILE", err, errlen);
	if (!ret && (ret = drop_credentials()))
		set_err(err, errlen, -ret, "--jail: cannot become %u:%u: %s", jail_uid, jail_gid,
			strerror(-ret));
	/* Changing credentials cleared it: without it a SIGKILLed parent left the VMM running. */
	if (!ret && prctl(PR_SET_PDEATHSIG, SIGKILL))
		ret = set_err(err, errlen, errno, "--jail: PR_SET_PDEATHSIG: %s", strerror(errno));
	if (!ret)
		pr_info("jail: in %s as %u:%u", jail_dir, jail_uid, jail_gid);
	return ret;
}
