/* What the supervisor's files share: its table of VMMs and the process helpers (sv_proc.c). */
#ifndef NV_CONTROL_SV_INTERNAL_H
#define NV_CONTROL_SV_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "control/store.h"
#include "control/supervisor.h"

/* A VMM the supervisor watches. */
struct sv_vmm {
	s64 id;			/* the instance; 0: a free slot */
	pid_t pid;		/* the VMM (`nestvisor run`), leader of its process group */
	pid_t monitor;		/* the process that waits for it and writes SV_EXIT */
};

struct supervisor {
	char state_dir[PATH_MAX];
	int stop_timeout_ms;
	struct sv_vmm *vmms;
	size_t nvmms;
};

/*
 * A daemon running as root jails each VMM (`nestvisor run --jail` on the instance's directory)
 * as its own user and group: SV_JAIL_ID_BASE + instance id, a range no distribution
 * allocates, so no host file belongs to it and one VMM cannot signal or trace another.
 */
#define SV_JAIL_ID_BASE 1000000000LL
#define SV_JAIL_ID_SPAN 1000000000LL
/*
 * The jailed VMM does not open /dev/kvm: the daemon does and passes it as fd 3 with
 * `--kvm-fd 3`; fds 0-2 are /dev/null and vmm.log, nothing else is inherited.
 */
#define SV_KVM_PATH "/dev/kvm"
#define SV_KVM_FD 3
#define SV_KVM_FD_ARG "3"
/*
 * And the instance's disks and taps, opened by the daemon too: the image's disk (read-only),
 * each instance disk (its mode), each NIC's tap, in that order, as fds SV_KVM_FD + 1, + 2, ...
 * The VMM is configured with "/dev/fd/N" for them (sv_config.c, once supervisor.c calls
 * sv_proc__spawn_boot; docs/hardening.md) and opens no path.
 */
#define SV_MAX_PASSED (1 + STORE_MAX_DISKS + STORE_MAX_NICS)
#define SV_PASSED_FD(i) (SV_KVM_FD + 1 + (i))

/* Does a VMM of this daemon get its disks and taps as descriptors (a root daemon: jailed)? */
bool sv_proc__passes_fds(void);
/*
 * Spawns the VMM of b's instance; its pids in v. The directory must exist. A failure to open
 * a disk or tap for it is one line in err naming it; no VMM is started then.
 */
int sv_proc__spawn_boot(const struct supervisor *sv, const struct sv_boot *b,
			struct sv_vmm *v, char *err, size_t errlen);
/* The same without passed disks and taps (only /dev/kvm): the VMM opens their paths. */
int sv_proc__spawn(const struct supervisor *sv, s64 id, const char *name, struct sv_vmm *v,
		   char *err, size_t errlen);
/* 1 when it ended (wait status in *ws, -1 when unknown because it vanished), 0 when alive. */
int sv_proc__ended(const struct supervisor *sv, const struct sv_vmm *v, int *ws);
/* Reads SV_PID into v->pid and v->monitor; -ENOENT when there is none. */
int sv_proc__read_pids(const struct supervisor *sv, s64 id, struct sv_vmm *v);
/* Does process pid run `nestvisor run` with this API socket on its command line? */
bool sv_proc__is_vmm(pid_t pid, const char *sock);
/* Sends sig to the VMM's process group (the VMM alone when it has none). */
void sv_proc__signal(const struct sv_vmm *v, int sig);
/* Waits up to ms for it to end; 1 when it did (*ws as sv_proc__ended), 0 when not. */
int sv_proc__wait(const struct supervisor *sv, const struct sv_vmm *v, int ms, int *ws);
/* The last non-empty line of a file's tail (after NULL), or the rest of the last line in it
 * that holds after; "" when none. */
void sv_proc__log_line(const char *path, const char *after, char *buf, size_t len);

/* sv_config.c: configures a spawned VMM through its API and starts the guest. */
int sv_config__boot(const char *sock, const struct sv_boot *b, char *err, size_t errlen);
/* GET / on the socket: 0 and its state ("Running", "Not started", ...) or -errno. */
int sv_config__state(const char *sock, char *state, size_t len, int timeout_ms);
/* PUT /actions SendCtrlAltDel. */
int sv_config__power_button(const char *sock);

#endif
