/*
 * The supervisor: one `nestvisor run --api-sock` process per running instance, started from
 * the daemon's own binary, driven only through its API, watched until it exits.
 */
#ifndef NV_CONTROL_SUPERVISOR_H
#define NV_CONTROL_SUPERVISOR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "control/machine_types.h"
#include "control/store.h"

/* Files in an instance's directory (STATE/instances/ID). */
#define SV_SOCK "vmm.sock"		/* the VMM's API socket */
#define SV_CONSOLE_SOCK "con.sock"	/* its console's client socket (as long as SV_SOCK) */
#define SV_SERIAL "serial.log"		/* the console of the current (or last) run */
#define SV_SERIAL_OLD "serial-previous.log"	/* the consoles of earlier runs */
#define SV_VMM_LOG "vmm.log"		/* the VMM's stdout and stderr */
#define SV_PID "vmm.pid"		/* "VMM_PID MONITOR_PID" */
#define SV_EXIT "exit-status"		/* the VMM's wait status, written when it ends */

/* The metadata key whose value becomes the kernel command line. */
#define SV_CMDLINE_KEY "kernel-cmdline"
/* The command line of images with an initrd (Linux) when the metadata gives none. */
#define SV_LINUX_CMDLINE "console=ttyS0"

struct supervisor;

/* Everything a VMM is configured from. */
struct sv_boot {
	const struct store_instance *in;
	const struct store_image *img;
	const struct machine_type *mt;
};

int supervisor__init(struct supervisor **out, const char *state_dir, int stop_timeout_ms,
		     char *err, size_t errlen) __attribute__((warn_unused_result));
/* Forgets the VMMs without stopping them: a next daemon re-adopts them. */
void supervisor__free(struct supervisor *sv);

/* STATE/instances/ID (or a file in it when file is not NULL). */
int supervisor__path(const struct supervisor *sv, s64 id, const char *file, char *buf,
		     size_t len);
int supervisor__path_in(const char *state_dir, s64 id, const char *file, char *buf,
			size_t len);

/* Does it have a live VMM for the instance whose guest runs? */
bool supervisor__running(struct supervisor *sv, s64 id);
/*
 * Spawns the VMM (its own process group, a monitor process records its exit status),
 * configures it through its API and sends InstanceStart. A leftover VMM of the instance that
 * is not running its guest is killed first. 0 once the guest runs; -errno and err otherwise
 * (no VMM is left behind).
 */
int supervisor__boot(struct supervisor *sv, const struct sv_boot *b, char *err, size_t errlen)
	__attribute__((warn_unused_result));
/*
 * Stops the instance's VMM: graceful sends the power button (SendCtrlAltDel) and waits the
 * stop timeout; then SIGTERM, 2 s, SIGKILL. how says what ended it. 0 also when none ran.
 */
int supervisor__stop(struct supervisor *sv, s64 id, bool graceful, char *how, size_t howlen);
/* Removes the instance's directory (its VMM must be stopped). */
int supervisor__remove(struct supervisor *sv, s64 id, char *err, size_t errlen);

/*
 * At daemon start: takes the instance's VMM back when it still runs (its pid, its command
 * line and GET / on its socket agree). true when adopted; otherwise why says what became of
 * it (its exit status, or that it is gone).
 */
bool supervisor__adopt(struct supervisor *sv, s64 id, char *why, size_t whylen);
/* VMMs that ended since the last call: fn(id, why) for each, then they are forgotten. */
void supervisor__reap(struct supervisor *sv, void (*fn)(s64 id, const char *why, void *arg),
		      void *arg);

/* What a VMM's wait status means (docs/run.md's exit statuses). */
void supervisor__exit_reason(int wait_status, char *buf, size_t len);

#endif
