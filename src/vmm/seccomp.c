/*
 * Seccomp filters per thread kind: built once with libseccomp into BPF, then installed by each
 * thread with the raw syscall (no allocation, nothing shared), and a SIGSYS handler that names
 * the forbidden syscall using a table resolved before any filter exists.
 */
#include <errno.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <unistd.h>

#include "util/log.h"
#include "vmm/jail.h"
#include "vmm/seccomp_internal.h"

#define MAX_SYSCALL_NR 512

static struct sock_fprog progs[SECCOMP_KIND_COUNT];
static bool is_prepared;
static int selftest_kind = -1;
static bool selftest_every_thread;
static int selftest_done;
static int sigsys_taken;
static char *syscall_names[MAX_SYSCALL_NR];
static __thread int thread_kind = -1;

static const char *const kind_names[SECCOMP_KIND_COUNT] = {
	[SECCOMP_KIND_MAIN] = "main", [SECCOMP_KIND_VCPU] = "vcpu",
	[SECCOMP_KIND_IO] = "io", [SECCOMP_KIND_API] = "api",
};

const char *seccomp__kind_name(enum seccomp_kind kind)
{
	return (unsigned)kind < SECCOMP_KIND_COUNT ? kind_names[kind] : "unknown";
}

bool seccomp__prepared(void)
{
	return is_prepared;
}

/* Async-signal-safe appending for the SIGSYS handler. */
static size_t append(char *buf, size_t pos, size_t len, const char *s)
{
	while (*s && pos + 1 < len)
		buf[pos++] = *s++;
	return pos;
}

static size_t append_uint(char *buf, size_t pos, size_t len, unsigned long v)
{
	char digits[24];
	int n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n > 0 && pos + 1 < len)
		buf[pos++] = digits[--n];
	return pos;
}

static size_t append_hex(char *buf, size_t pos, size_t len, unsigned long v)
{
	char digits[24];
	int n = 0;

	do {
		digits[n++] = "0123456789abcdef"[v % 16];
		v /= 16;
	} while (v);
	pos = append(buf, pos, len, "0x");
	while (n > 0 && pos + 1 < len)
		buf[pos++] = digits[--n];
	return pos;
}

/* For ioctl the request is what was refused; the trap's context holds the arguments. */
static size_t append_ioctl(char *buf, size_t pos, size_t len, int nr, void *uc)
{
	const ucontext_t *ctx = uc;

	if (nr != SYS_ioctl || !ctx)
		return pos;
	pos = append(buf, pos, len, " request ");
	return append_hex(buf, pos, len, (u32)ctx->uc_mcontext.gregs[REG_RSI]);
}

/*
 * Threads other than the first to trap wait here to be ended by the first one's exit_group,
 * so a violation made by several threads at once (two vCPUs running the same guest code)
 * gives one line, not one per thread. nanosleep is on every list.
 */
static void wait_for_exit(void)
{
	const struct timespec second = { .tv_sec = 1 };

	for (;;)
		syscall(SYS_nanosleep, &second, NULL);
}

static void sigsys_handler(int sig, siginfo_t *si, void *uc)
{
	char line[160];
	int nr = si->si_syscall;
	size_t pos;

	if (__atomic_exchange_n(&sigsys_taken, 1, __ATOMIC_SEQ_CST))
		wait_for_exit();
	pos = append(line, 0, sizeof(line), "nestvisor: error: seccomp: thread ");

	pos = append(line, pos, sizeof(line),
		     thread_kind >= 0 ? seccomp__kind_name(thread_kind) : "unknown");
	pos = append(line, pos, sizeof(line), " made forbidden syscall ");
	if (nr >= 0 && nr < MAX_SYSCALL_NR && syscall_names[nr]) {
		pos = append(line, pos, sizeof(line), syscall_names[nr]);
		pos = append(line, pos, sizeof(line), " (");
		pos = append_uint(line, pos, sizeof(line), (unsigned long)nr);
		pos = append(line, pos, sizeof(line), ")");
	} else {
		pos = append_uint(line, pos, sizeof(line), (unsigned long)nr);
	}
	pos = append_ioctl(line, pos, sizeof(line), nr, uc);
	pos = append(line, pos, sizeof(line), "; stopping the VMM\n");
	if (write(STDERR_FILENO, line, pos) < 0) {
		/* nothing more to say */
	}
	syscall(SYS_exit_group, SECCOMP_EXIT_STATUS);
}

static int add_ioctls(scmp_filter_ctx ctx, int nr, const struct seccomp_list *list)
{
	int ret = 0;

	for (unsigned i = 0; i < list->nioctls && !ret; i++)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
				       SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL,
					       list->ioctls[i].request));
	return ret;
}

static int add_rule(scmp_filter_ctx ctx, const struct seccomp_rule *r,
		    const struct seccomp_list *list, char *err, size_t errlen)
{
	int nr = seccomp_syscall_resolve_name(r->syscall);
	int ret;

	if (nr == __NR_SCMP_ERROR)
		return set_err(err, errlen, EINVAL, "seccomp: unknown syscall %s", r->syscall);
	switch (r->arg) {
	case ARG_NO_EXEC:
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
				       SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
		break;
	case ARG_IOCTL:
		ret = add_ioctls(ctx, nr, list);
		break;
	case ARG_FIRST:
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A0(SCMP_CMP_EQ, r->value, 0));
		break;
	default:
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		break;
	}
	if (ret)
		return set_err(err, errlen, -ret, "seccomp: cannot allow %s: %s", r->syscall,
			       strerror(-ret));
	return 0;
}

static int add_list(scmp_filter_ctx ctx, const struct seccomp_list *list, char *err, size_t errlen)
{
	int ret = 0;

	for (unsigned i = 0; i < list->nrules && !ret; i++)
		ret = add_rule(ctx, &list->rules[i], list, err, errlen);
	return ret;
}

/* libseccomp 2.5 exports BPF only to a file descriptor: a memfd, read back whole. */
static int export_prog(scmp_filter_ctx ctx, struct sock_fprog *prog, char *err, size_t errlen)
{
	int fd = memfd_create("nestvisor-seccomp", MFD_CLOEXEC);
	struct stat st;
	void *buf = NULL;
	int ret;

	if (fd < 0)
		return set_err(err, errlen, errno, "seccomp: memfd_create: %s", strerror(errno));
	ret = seccomp_export_bpf(ctx, fd);
	if (ret) {
		set_err(err, errlen, -ret, "seccomp: cannot export the filter: %s", strerror(-ret));
		goto out;
	}
	if (fstat(fd, &st) || st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) ||
	    !(buf = malloc(st.st_size)) || pread(fd, buf, st.st_size, 0) != st.st_size) {
		ret = set_err(err, errlen, EIO, "seccomp: cannot read the exported filter back");
		free(buf);
		goto out;
	}
	prog->len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
	prog->filter = buf;
out:
	close(fd);
	return ret;
}

static int build(enum seccomp_kind kind, char *err, size_t errlen)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
	int ret;

	if (!ctx)
		return set_err(err, errlen, ENOMEM, "seccomp: seccomp_init failed");
	ret = add_list(ctx, &seccomp_common, err, errlen);
	if (!ret)
		ret = add_list(ctx, &seccomp_lists[kind], err, errlen);
	if (!ret)
		ret = export_prog(ctx, &progs[kind], err, errlen);
	seccomp_release(ctx);
	return ret;
}

static void resolve_names(void)
{
	for (int nr = 0; nr < MAX_SYSCALL_NR; nr++)
		if (!syscall_names[nr])
			syscall_names[nr] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
}

/*
 * NESTVISOR_SECCOMP_SELFTEST=KIND: the first thread of KIND to start makes one forbidden
 * syscall; KIND:all: every thread of KIND does, at about the same time (the SIGSYS handler's
 * one-line guarantee under concurrent violations).
 */
static void read_selftest(void)
{
	const char *want = getenv("NESTVISOR_SECCOMP_SELFTEST");
	size_t len;

	for (int k = 0; want && k < SECCOMP_KIND_COUNT; k++) {
		len = strlen(kind_names[k]);
		if (strncmp(want, kind_names[k], len))
			continue;
		if (!want[len] || !strcmp(want + len, ":all")) {
			selftest_kind = k;
			selftest_every_thread = want[len] != '\0';
		}
	}
}

int seccomp__prepare(char *err, size_t errlen)
{
	struct sigaction sa = { .sa_sigaction = sigsys_handler, .sa_flags = SA_SIGINFO };
	int ret;

	if (is_prepared)
		return 0;
	/*
	 * glibc's time functions (gmtime_r in the RTC, on a vCPU thread) load the time zone on
	 * first use, opening /etc/localtime: load it now, while every syscall is allowed.
	 */
	tzset();
	for (int k = 0; k < SECCOMP_KIND_COUNT; k++) {
		ret = build(k, err, errlen);
		if (ret)
			return ret;
	}
	resolve_names();
	read_selftest();
	sigfillset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL))
		return set_err(err, errlen, errno, "seccomp: cannot handle SIGSYS: %s",
			       strerror(errno));
	is_prepared = true;
	return 0;
}

/* A forbidden syscall that is harmless were the filter missing: ptrace with no such request. */
static void selftest(enum seccomp_kind kind)
{
	pr_info("seccomp: self-test: thread %s calls ptrace", seccomp__kind_name(kind));
	syscall(SYS_ptrace, -1L, 0L, 0L, 0L);
	pr_err("seccomp: self-test: thread %s survived a forbidden syscall",
	       seccomp__kind_name(kind));
}

/* SIGSYS must reach the handler: a thread that blocks it would die without the message. */
void seccomp__enter(enum seccomp_kind kind)
{
	sigset_t sys;

	jail__thread_enter();	/* credentials first: the filter forbids changing them */
	if (!is_prepared || (unsigned)kind >= SECCOMP_KIND_COUNT)
		return;
	sigemptyset(&sys);
	sigaddset(&sys, SIGSYS);
	pthread_sigmask(SIG_UNBLOCK, &sys, NULL);
	thread_kind = kind;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &progs[kind])) {
		pr_err("seccomp: cannot install the %s thread's filter: %s",
		       seccomp__kind_name(kind), strerror(errno));
		exit(EXIT_FAILURE);
	}
	if (selftest_kind == (int)kind &&
	    (selftest_every_thread || !__atomic_exchange_n(&selftest_done, 1, __ATOMIC_SEQ_CST)))
		selftest(kind);
}

static unsigned rule_count(const struct seccomp_list *list)
{
	unsigned n = 0;

	for (unsigned i = 0; i < list->nrules; i++)
		n += list->rules[i].arg == ARG_IOCTL ? list->nioctls : 1;
	return n;
}

int seccomp__rule_count(enum seccomp_kind kind)
{
	if ((unsigned)kind >= SECCOMP_KIND_COUNT)
		return -EINVAL;
	return rule_count(&seccomp_common) + rule_count(&seccomp_lists[kind]);
}

static size_t describe_list(const struct seccomp_list *list, char *buf, size_t len, size_t pos)
{
	for (unsigned i = 0; i < list->nrules; i++) {
		const struct seccomp_rule *r = &list->rules[i];

		pos = append(buf, pos, len, pos ? " " : "");
		pos = append(buf, pos, len, r->syscall);
		if (r->arg == ARG_NO_EXEC)
			pos = append(buf, pos, len, "(no PROT_EXEC)");
		for (unsigned j = 0; r->arg == ARG_IOCTL && j < list->nioctls; j++) {
			pos = append(buf, pos, len, j ? "," : "(");
			pos = append(buf, pos, len, list->ioctls[j].name);
		}
		if (r->arg == ARG_IOCTL)
			pos = append(buf, pos, len, ")");
	}
	return pos;
}

int seccomp__describe(enum seccomp_kind kind, char *buf, size_t len)
{
	size_t pos;

	if ((unsigned)kind >= SECCOMP_KIND_COUNT || !len)
		return -EINVAL;
	pos = describe_list(&seccomp_common, buf, len, 0);
	pos = describe_list(&seccomp_lists[kind], buf, len, pos);
	buf[pos] = '\0';
	return pos + 1 < len ? 0 : -ENOSPC;
}
