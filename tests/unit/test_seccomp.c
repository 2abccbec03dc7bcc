/*
 * Unit tests for the seccomp allow-lists: sizes and descriptions, and in forked children
 * (a filter cannot be removed) what each kind's filter lets through and how a violation ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "cli/run_options.h"
#include "tap.h"
#include "vmm/jail.h"
#include "vmm/seccomp.h"

/* Seccomp mode of the calling thread from /proc, or -1. */
static int seccomp_mode(void)
{
	char line[256];
	int mode = -1;
	FILE *f = fopen("/proc/thread-self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Seccomp: %d", &mode) == 1)
			break;
	if (f)
		fclose(f);
	return mode;
}

/*
 * Runs fn in a child whose filter is that of kind; returns the child's exit status (or 1000 +
 * signal) and leaves its stderr in out.
 */
static int in_child(enum seccomp_kind kind, int (*fn)(void), char *out, size_t outlen)
{
	int pipefd[2], status;
	ssize_t n, got = 0;
	char err[256];
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], STDERR_FILENO);
		close(pipefd[0]);
		if (seccomp__prepare(err, sizeof(err)))
			_exit(200);
		seccomp__enter(kind);
		_exit(fn());
	}
	close(pipefd[1]);
	while (got + 1 < (ssize_t)outlen && (n = read(pipefd[0], out + got, outlen - 1 - got)) > 0)
		got += n;
	out[got] = '\0';
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status);
}

static int do_ptrace(void)
{
	syscall(SYS_ptrace, -1L, 0L, 0L, 0L);
	return 0;
}

static int do_tcgets(void)
{
	struct termios *t = malloc(64);

	ioctl(STDIN_FILENO, TCGETS, t);
	return 0;
}

static int do_exec_mapping(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? 2 : 0;
}

/* What an I/O thread does: memory, randomness, logging, a disk-style write. */
static int do_io_work(void)
{
	char buf[32];
	void *p = malloc(1 << 20);
	int fds[2];

	if (!p || getrandom(buf, sizeof(buf), 0) != sizeof(buf) || pipe(fds) == 0)
		return 3;	/* pipe (pipe2) is not on the io list: reaching here is a failure */
	return 0;
}

static int do_io_allowed(void)
{
	char buf[32];
	void *p = malloc(1 << 20);

	if (!p || getrandom(buf, sizeof(buf), 0) != sizeof(buf))
		return 3;
	free(p);
	fprintf(stderr, "logged\n");
	return seccomp_mode() == -1 ? 0 : 4;	/* opening /proc is forbidden too */
}

static int do_main_tcgets(void)
{
	struct termios t;

	/* TCGETS is on the main list: the console's terminal is restored at exit. */
	return ioctl(STDERR_FILENO, TCGETS, &t) < 0 && errno == ENOTTY ? 0 : 5;
}

static int do_socket(void)
{
	return socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 6 : 7;
}

static int do_api_open(void)
{
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

	return fd >= 0 ? 0 : 8;
}

static void test_sizes(void)
{
	char buf[4096];

	for (int k = 0; k < SECCOMP_KIND_COUNT; k++) {
		CHECK(seccomp__rule_count(k) > 22);
		CHECK_EQ(seccomp__describe(k, buf, sizeof(buf)), 0);
		CHECK(strstr(buf, "mmap(no PROT_EXEC)") != NULL);
		CHECK(strstr(buf, "ptrace") == NULL);
		CHECK(strstr(buf, "execve") == NULL);
		printf("# %s: %d rules\n", seccomp__kind_name(k), seccomp__rule_count(k));
	}
	CHECK_EQ(seccomp__rule_count(SECCOMP_KIND_COUNT), -EINVAL);
	CHECK_STR(seccomp__kind_name(SECCOMP_KIND_VCPU), "vcpu");
	seccomp__describe(SECCOMP_KIND_VCPU, buf, sizeof(buf));
	CHECK(strstr(buf, "KVM_RUN") && strstr(buf, "KVM_GET_NESTED_STATE") &&
	      strstr(buf, "KVM_SET_NESTED_STATE") && strstr(buf, "KVM_SET_GSI_ROUTING"));
	seccomp__describe(SECCOMP_KIND_IO, buf, sizeof(buf));
	CHECK(strstr(buf, "KVM_RUN") == NULL && strstr(buf, "io_uring_enter") != NULL);
	CHECK_EQ(seccomp__describe(SECCOMP_KIND_IO, buf, 16), -ENOSPC);
}

static void test_unprepared_is_a_no_op(void)
{
	CHECK(!seccomp__prepared());
	seccomp__enter(SECCOMP_KIND_VCPU);
	CHECK_EQ(seccomp_mode(), 0);
}

static void test_forbidden_syscall_names_it(void)
{
	char out[512];

	CHECK_EQ(in_child(SECCOMP_KIND_VCPU, do_ptrace, out, sizeof(out)), SECCOMP_EXIT_STATUS);
	CHECK(strstr(out, "seccomp: thread vcpu made forbidden syscall ptrace (101)") != NULL);
	CHECK_EQ(in_child(SECCOMP_KIND_API, do_ptrace, out, sizeof(out)), SECCOMP_EXIT_STATUS);
	CHECK(strstr(out, "thread api made forbidden syscall ptrace") != NULL);
}

static void test_ioctl_by_request(void)
{
	char out[512];

	CHECK_EQ(in_child(SECCOMP_KIND_VCPU, do_tcgets, out, sizeof(out)), SECCOMP_EXIT_STATUS);
	CHECK(strstr(out, "forbidden syscall ioctl (16) request 0x5401") != NULL);
	CHECK_EQ(in_child(SECCOMP_KIND_MAIN, do_main_tcgets, out, sizeof(out)), 0);
}

static void test_no_executable_memory(void)
{
	char out[512];

	CHECK_EQ(in_child(SECCOMP_KIND_IO, do_exec_mapping, out, sizeof(out)),
		 SECCOMP_EXIT_STATUS);
	CHECK(strstr(out, "thread io made forbidden syscall mmap (9)") != NULL);
}

/* What the RTC does on a vCPU thread when the guest reads the clock. */
static int do_guest_clock(void)
{
	struct timespec ts;
	struct tm tm;
	time_t t;

	clock_gettime(CLOCK_REALTIME, &ts);
	t = ts.tv_sec;
	return gmtime_r(&t, &tm) ? 0 : 1;
}

static void test_each_list_keeps_its_work(void)
{
	char out[512];

	/* A regression: glibc opened /etc/localtime here, and every Linux guest died at boot. */
	CHECK_EQ(in_child(SECCOMP_KIND_VCPU, do_guest_clock, out, sizeof(out)), 0);

	CHECK_EQ(in_child(SECCOMP_KIND_IO, do_io_allowed, out, sizeof(out)), SECCOMP_EXIT_STATUS);
	CHECK(strstr(out, "logged") && strstr(out, "thread io made forbidden syscall open"));
	CHECK_EQ(in_child(SECCOMP_KIND_IO, do_io_work, out, sizeof(out)), SECCOMP_EXIT_STATUS);
	CHECK(strstr(out, "forbidden syscall pipe") != NULL);
	CHECK_EQ(in_child(SECCOMP_KIND_API, do_api_open, out, sizeof(out)), 0);
	CHECK_EQ(in_child(SECCOMP_KIND_VCPU, do_socket, out, sizeof(out)), SECCOMP_EXIT_STATUS);
	CHECK(strstr(out, "forbidden syscall socket (41)") != NULL);
}

static void test_jail_user(void)
{
	u32 uid = 1, gid = 1;

	CHECK_EQ(jail__parse_user("1000", &uid, &gid), 0);
	CHECK_EQ(uid, 1000);
	CHECK_EQ(gid, 1000);
	CHECK_EQ(jail__parse_user("65534:100", &uid, &gid), 0);
	CHECK_EQ(uid, 65534);
	CHECK_EQ(gid, 100);
	CHECK_EQ(jail__parse_user("0", &uid, &gid), -EINVAL);
	CHECK_EQ(jail__parse_user("5:0", &uid, &gid), -EINVAL);
	CHECK_EQ(jail__parse_user("nobody", &uid, &gid), -EINVAL);
	CHECK_EQ(jail__parse_user("5:", &uid, &gid), -EINVAL);
	CHECK_EQ(jail__parse_user("5:6x", &uid, &gid), -EINVAL);
	CHECK_EQ(jail__parse_user("-5", &uid, &gid), -EINVAL);
	CHECK_EQ(jail__parse_user("4294967295", &uid, &gid), -EINVAL);
	CHECK(!jail__active());
}

static int parse(struct vm_config *cfg, char *err, size_t errlen, int argc, ...)
{
	char *argv[16] = { "run" };
	va_list ap;

	va_start(ap, argc);
	for (int i = 1; i < argc && i < 16; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	return run_options__parse(argc, argv, cfg, err, errlen);
}

static void test_run_flags(void)
{
	struct vm_config cfg;
	char err[256];

	CHECK_EQ(parse(&cfg, err, sizeof(err), 3, "--kernel", "k"), 0);
	CHECK(cfg.seccomp);
	CHECK(cfg.jail_dir == NULL);
	CHECK_EQ(parse(&cfg, err, sizeof(err), 5, "--kernel", "k", "--seccomp", "off"), 0);
	CHECK(!cfg.seccomp);
	CHECK_EQ(parse(&cfg, err, sizeof(err), 5, "--kernel", "k", "--seccomp", "no"), -EINVAL);
	CHECK_STR(err, "--seccomp: 'no' is not on or off");
	CHECK_EQ(parse(&cfg, err, sizeof(err), 7, "--kernel", "k", "--jail", "/j", "--jail-user",
		       "5:6"), 0);
	CHECK_STR(cfg.jail_dir, "/j");
	CHECK_EQ(cfg.jail_uid, 5);
	CHECK_EQ(cfg.jail_gid, 6);
	CHECK_EQ(parse(&cfg, err, sizeof(err), 5, "--kernel", "k", "--jail", "/j"), 0);
	CHECK_EQ(cfg.jail_uid, 65534);
	CHECK_EQ(cfg.jail_gid, 65534);
	CHECK_EQ(parse(&cfg, err, sizeof(err), 5, "--kernel", "k", "--jail", ""), -EINVAL);
	CHECK_EQ(parse(&cfg, err, sizeof(err), 5, "--kernel", "k", "--jail-user", "root"),
		 -EINVAL);
}

int main(void)
{
	RUN(test_sizes);
	RUN(test_unprepared_is_a_no_op);
	RUN(test_forbidden_syscall_names_it);
	RUN(test_ioctl_by_request);
	RUN(test_no_executable_memory);
	RUN(test_each_list_keeps_its_work);
	RUN(test_jail_user);
	RUN(test_run_flags);
	return tap_done();
}
