/* Between seccomp.c (building and installing filters) and seccomp_lists.c (what each kind may do). */
#ifndef NV_VMM_SECCOMP_INTERNAL_H
#define NV_VMM_SECCOMP_INTERNAL_H

#include "vmm/seccomp.h"

enum seccomp_arg {
	ARG_ANY,	/* any arguments */
	ARG_NO_EXEC,	/* mmap/mprotect: never PROT_EXEC (arg 2) */
	ARG_IOCTL,	/* ioctl: only the kind's request numbers (arg 1) */
	ARG_FIRST,	/* arg 0 equals value (prctl option, seccomp operation) */
};

struct seccomp_rule {
	const char *syscall;	/* as libseccomp names it */
	enum seccomp_arg arg;
	unsigned long value;	/* ARG_FIRST */
};

struct seccomp_ioctl {
	const char *name;
	unsigned long request;
};

struct seccomp_list {
	const struct seccomp_rule *rules;
	unsigned nrules;
	const struct seccomp_ioctl *ioctls;
	unsigned nioctls;
};

/* Rules every kind shares (memory, locks, logging, exit), then the kind's own. */
extern const struct seccomp_list seccomp_common;
extern const struct seccomp_list seccomp_lists[SECCOMP_KIND_COUNT];

#endif
