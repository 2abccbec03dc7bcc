/*
 * `nestvisor run --jail DIR`: the VMM in its own PID and mount namespaces (and network
 * namespace when it has no NIC), chrooted into an empty read-only tmpfs on DIR once the machine
 * is built, every thread with an unprivileged uid/gid, no capabilities, no_new_privs, rlimits.
 */
#ifndef NV_VMM_JAIL_H
#define NV_VMM_JAIL_H

#include <stddef.h>

#include "vmm/config.h"

#define JAIL_NOFILE 1024	/* RLIMIT_NOFILE inside */

/*
 * Before any thread exists: new namespaces and a fork. Returns 0 in the child, which goes on
 * to be the VMM (PID 1 of its namespace), or 1 in the parent once the child ended, with the
 * child's exit status in *status (signals sent to the parent are passed on). -errno on failure.
 */
int jail__start(const struct vm_config *cfg, int *status, char *err, size_t errlen) __must_check;
bool jail__active(void);
/*
 * On the main thread once every file the VMM needs is open: the chroot, rlimits, and this
 * thread's credentials dropped. Threads created afterwards inherit them.
 */
int jail__enter(char *err, size_t errlen) __must_check;
/*
 * At the start of every VMM thread (from seccomp__enter): drops the calling thread's own
 * credentials, since a thread started before jail__enter still has root's. Exits on failure.
 */
void jail__thread_enter(void);
/*
 * --limits (cgroup.h's cgroup__parse_limits); NULL forgets an earlier one. Applied by
 * jail__start, which puts the VMM in its own cgroup unless given "off".
 */
int jail__set_limits(const char *arg, char *err, size_t errlen);
bool jail__limits_given(void);
/* "UID" or "UID:GID", numbers only. */
int jail__parse_user(const char *arg, u32 *uid, u32 *gid);

#endif
