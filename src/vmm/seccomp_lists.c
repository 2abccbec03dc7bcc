/*
 * What each VMM thread kind may ask of the kernel: syscalls, and for ioctl the request numbers.
 * Grown from what the threads do (docs/hardening.md); anything else traps and ends the VMM.
 */
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>

#include "vmm/seccomp_internal.h"

#define ANY(name)	{ name, ARG_ANY, 0 }
#define IOCTL(req)	{ #req, req }

/* glibc's malloc, locks, stdio logging, signals and thread exit, in every thread. */
static const struct seccomp_rule common_rules[] = {
	ANY("read"), ANY("write"), ANY("writev"), ANY("close"), ANY("futex"),
	{ "mmap", ARG_NO_EXEC, 0 }, { "mprotect", ARG_NO_EXEC, 0 },
	ANY("munmap"), ANY("mremap"), ANY("madvise"), ANY("brk"),
	ANY("rt_sigreturn"), ANY("rt_sigprocmask"), ANY("restart_syscall"),
	ANY("clock_gettime"), ANY("clock_nanosleep"), ANY("nanosleep"), ANY("sched_yield"),
	ANY("getpid"), ANY("gettid"), ANY("exit"), ANY("exit_group"),
#ifdef __SANITIZE_ADDRESS__	/* `make SAN=1` only: ASan asks before every noreturn call */
	ANY("sigaltstack"),
#endif
};

const struct seccomp_list seccomp_common = {
	.rules = common_rules, .nrules = ARRAY_SIZE(common_rules),
};

/*
 * Exits and what a guest's device register writes start on this thread: MSI-X and queue
 * set-up (routes, irqfds, ioeventfds, epoll), tap offloads, resets that drain a disk.
 * The nested-state and other state ioctls are here for snapshots.
 */
static const struct seccomp_rule vcpu_rules[] = {
	{ "ioctl", ARG_IOCTL, 0 }, ANY("eventfd2"), ANY("epoll_ctl"), ANY("poll"), ANY("ppoll"),
	ANY("io_uring_enter"),
	ANY("sendto"),	/* serial output to a console socket's client (send, MSG_DONTWAIT) */
};

static const struct seccomp_ioctl vcpu_ioctls[] = {
	IOCTL(KVM_RUN), IOCTL(KVM_KVMCLOCK_CTRL),
	IOCTL(KVM_GET_REGS), IOCTL(KVM_SET_REGS), IOCTL(KVM_GET_SREGS), IOCTL(KVM_SET_SREGS),
	IOCTL(KVM_GET_FPU), IOCTL(KVM_SET_FPU), IOCTL(KVM_GET_XSAVE), IOCTL(KVM_SET_XSAVE),
	IOCTL(KVM_GET_XCRS), IOCTL(KVM_SET_XCRS), IOCTL(KVM_GET_MSRS), IOCTL(KVM_SET_MSRS),
	IOCTL(KVM_GET_LAPIC), IOCTL(KVM_SET_LAPIC), IOCTL(KVM_GET_MP_STATE),
	IOCTL(KVM_SET_MP_STATE), IOCTL(KVM_GET_VCPU_EVENTS), IOCTL(KVM_SET_VCPU_EVENTS),
	IOCTL(KVM_GET_DEBUGREGS), IOCTL(KVM_SET_DEBUGREGS),
	IOCTL(KVM_GET_NESTED_STATE), IOCTL(KVM_SET_NESTED_STATE),
	IOCTL(KVM_IRQ_LINE), IOCTL(KVM_IRQ_LINE_STATUS), IOCTL(KVM_SIGNAL_MSI),
	IOCTL(KVM_SET_GSI_ROUTING), IOCTL(KVM_IRQFD), IOCTL(KVM_IOEVENTFD),
	IOCTL(TUNSETOFFLOAD), IOCTL(TUNSETCARRIER),
};

/* Virtqueue work: disk I/O (io_uring or blocking calls), tap frames, randomness, interrupts. */
static const struct seccomp_rule io_rules[] = {
	{ "ioctl", ARG_IOCTL, 0 }, ANY("epoll_wait"), ANY("epoll_pwait"), ANY("epoll_ctl"),
	ANY("eventfd2"), ANY("readv"), ANY("preadv"), ANY("preadv2"), ANY("pwritev"),
	ANY("pwritev2"), ANY("fdatasync"), ANY("fsync"), ANY("fallocate"),
	ANY("io_uring_enter"), ANY("getrandom"), ANY("poll"), ANY("ppoll"),
};

/* An MSI-X vector's route and irqfd are made the first time it fires, on this thread. */
static const struct seccomp_ioctl io_ioctls[] = {
	IOCTL(KVM_IRQ_LINE), IOCTL(KVM_IRQ_LINE_STATUS), IOCTL(KVM_SIGNAL_MSI),
	IOCTL(KVM_SET_GSI_ROUTING), IOCTL(KVM_IRQFD),
	IOCTL(TUNSETOFFLOAD), IOCTL(TUNSETCARRIER),
};

/*
 * The event loop (signalfd, console, stop eventfd), kicking vCPUs, and tearing the machine
 * down afterwards: joins, unmaps, the terminal restored, the API socket file removed.
 */
static const struct seccomp_rule main_rules[] = {
	{ "ioctl", ARG_IOCTL, 0 }, ANY("poll"), ANY("ppoll"), ANY("tgkill"), ANY("epoll_ctl"),
	ANY("unlink"), ANY("fsync"), ANY("fdatasync"), ANY("io_uring_enter"), ANY("flock"),
	ANY("mincore"),
	ANY("fcntl"), ANY("fstat"), ANY("newfstatat"), ANY("lseek"),
	ANY("accept4"), ANY("sendto"),	/* a console socket's next client, the takeover note */
};

static const struct seccomp_ioctl main_ioctls[] = {
	IOCTL(TCGETS), IOCTL(TCSETS), IOCTL(TCSETSW), IOCTL(TCSETSF), IOCTL(FIONBIO),
	IOCTL(KVM_IRQ_LINE), IOCTL(TUNSETCARRIER), IOCTL(TUNSETOFFLOAD),
	IOCTL(KVM_IOEVENTFD), IOCTL(KVM_IRQFD), IOCTL(KVM_SET_GSI_ROUTING),	/* teardown */
};

/*
 * HTTP on the unix socket, pausing (kicks), the power button (an IRQ line) and the files a
 * PUT /logger or /metrics names.
 */
static const struct seccomp_rule api_rules[] = {
	{ "ioctl", ARG_IOCTL, 0 }, ANY("poll"), ANY("ppoll"), ANY("accept4"), ANY("recvfrom"),
	ANY("sendto"), ANY("recvmsg"), ANY("sendmsg"), ANY("shutdown"), ANY("openat"),
	ANY("fcntl"), ANY("fstat"), ANY("newfstatat"), ANY("lseek"), ANY("tgkill"),
	ANY("getsockopt"), ANY("access"), ANY("faccessat"), ANY("faccessat2"), ANY("dup2"), ANY("dup3"),
};

static const struct seccomp_ioctl api_ioctls[] = {
	IOCTL(KVM_IRQ_LINE), IOCTL(KVM_IRQ_LINE_STATUS), IOCTL(FIONBIO),
};

#define LIST(r, i) { .rules = r, .nrules = ARRAY_SIZE(r), .ioctls = i, .nioctls = ARRAY_SIZE(i) }

const struct seccomp_list seccomp_lists[SECCOMP_KIND_COUNT] = {
	[SECCOMP_KIND_MAIN] = LIST(main_rules, main_ioctls),
	[SECCOMP_KIND_VCPU] = LIST(vcpu_rules, vcpu_ioctls),
	[SECCOMP_KIND_IO] = LIST(io_rules, io_ioctls),
	[SECCOMP_KIND_API] = LIST(api_rules, api_ioctls),
};
