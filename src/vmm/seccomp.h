/*
 * The VMM's seccomp sandbox: one allow-list per thread kind, each thread installing its own
 * filter as it starts. A forbidden syscall is logged by name from a SIGSYS handler, then exits.
 */
#ifndef NV_VMM_SECCOMP_H
#define NV_VMM_SECCOMP_H

#include <stddef.h>

#include "util/util.h"

enum seccomp_kind {
	SECCOMP_KIND_MAIN,	/* the event loop, once the machine is built */
	SECCOMP_KIND_VCPU,	/* KVM_RUN and exit handling */
	SECCOMP_KIND_IO,	/* a virtio device's I/O thread */
	SECCOMP_KIND_API,	/* the VMM API server (--api-sock) */
	SECCOMP_KIND_COUNT,
};

/* Exit status after a forbidden syscall: what a death by SIGSYS would give a shell. */
#define SECCOMP_EXIT_STATUS (128 + 31)

/*
 * Builds every kind's BPF program and installs the SIGSYS handler; once, on the main thread,
 * before any other thread exists. Until it is called seccomp__enter does nothing, which is
 * what `--seccomp off` and the unit tests get.
 */
int seccomp__prepare(char *err, size_t errlen) __must_check;
bool seccomp__prepared(void);
/*
 * Drops the calling thread's privileges when jailed (jail__thread_enter), then installs its
 * filter. On failure the process exits with a message, since a
 * thread left unsandboxed while its siblings are is worse than no VM.
 * NESTVISOR_SECCOMP_SELFTEST=KIND (read at prepare) makes the first thread of that kind then
 * call a forbidden syscall, to prove the filter and its message; KIND:all makes every thread
 * of the kind call it. However many threads trap, one line is written (the first's).
 */
void seccomp__enter(enum seccomp_kind kind);
const char *seccomp__kind_name(enum seccomp_kind kind);
/* Rules in a kind's allow-list (each syscall or ioctl request counts one); -EINVAL if none. */
int seccomp__rule_count(enum seccomp_kind kind);
/* Writes every kind's allow-list, one syscall (and its allowed ioctls) a line, for docs. */
int seccomp__describe(enum seccomp_kind kind, char *buf, size_t len);

#endif
