/*
 * CPU and memory limits for a jailed VMM: its own cgroup, on cgroup v2 when the host's v2
 * hierarchy has the cpu and memory controllers, else on the v1 cpu and memory hierarchies.
 */
#ifndef NV_VMM_CGROUP_H
#define NV_VMM_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/util.h"

#define CGROUP_PARENT "nestvisor"	/* ROOT/nestvisor/LEAF on every hierarchy used */
#define CGROUP_OVERHEAD_MIB 128		/* the VMM beyond guest RAM: heap, stacks, KVM, rings */
#define CGROUP_CPU_PERIOD_US 100000
#define CGROUP_MAX_CPU_PCT 25500	/* 255 vCPUs at 100% */
#define CGROUP_MAX_MEMORY_MIB 1048576
#define CGROUP_LEAF_MAX 80

/* --limits: 0 in a field means "the default" (computed from the VM's size). */
struct cgroup_limits {
	bool off;		/* --limits off: no cgroup at all */
	u32 cpu_pct;		/* 100 = one host CPU */
	u64 memory_mib;		/* memory.max, all of the VMM's memory */
};

/* A VMM's cgroup: one directory on v2, two (memory, cpu) on v1. */
struct cgroup {
	int version;		/* 2, 1, or 0 when there is none */
	char mem[PATH_MAX];	/* v2: the cgroup; v1: on the memory hierarchy */
	char cpu[PATH_MAX];	/* v2: the same; v1: on the cpu hierarchy */
};

/* "off" or "cpu=PCT,memory=MiB" (either key may be left out). -EINVAL and err otherwise. */
int cgroup__parse_limits(const char *arg, struct cgroup_limits *out, char *err, size_t errlen);
/* The leaf name used for a VMM: NAME-PID, NAME reduced to [A-Za-z0-9._-]. */
void cgroup__leaf(const char *name, int pid, char *buf, size_t len);
/*
 * Creates ROOT/nestvisor/LEAF with the cpu and memory controllers. -errno and one line in
 * err saying why there is none (no cgroup v2 with the controllers, read-only, ...).
 */
int cgroup__create(struct cgroup *cg, const char *leaf, char *err, size_t errlen) __must_check;
/* Only the paths ROOT/nestvisor/LEAF would have, nothing checked or created. */
int cgroup__locate(struct cgroup *cg, const char *leaf, char *err, size_t errlen) __must_check;
/* Finds an existing ROOT/nestvisor/LEAF (the daemon setting a VMM's limits). */
int cgroup__find(struct cgroup *cg, const char *leaf, char *err, size_t errlen) __must_check;
/* Moves the calling process into it. */
int cgroup__join(const struct cgroup *cg, char *err, size_t errlen) __must_check;
/* memory.max / cpu.max (v1: memory.limit_in_bytes, cpu.cfs_quota_us); 0 leaves one alone. */
int cgroup__set_limits(const struct cgroup *cg, u32 cpu_pct, u64 memory_mib, char *err,
		       size_t errlen) __must_check;
/* Removes it once empty, waiting up to a few seconds for exiting tasks (KVM's kthreads). */
void cgroup__remove(struct cgroup *cg);

#endif
