/*
 * The operation runner: a thread with its own store handle that carries unfinished operations
 * (instance insert and delete) to DONE, one step per transaction. After a crash the daemon's
 * next runner picks them up where they stopped: every step is safe to repeat.
 */
#ifndef NV_CONTROL_RUNNER_H
#define NV_CONTROL_RUNNER_H

#include <stddef.h>

/* Where an instance's creation stops until the supervisor (a later piece) starts VMMs. */
#define RUNNER_NO_SUPERVISOR "no supervisor yet: the instance is stored and waits in " \
			     "PROVISIONING; this daemon does not start VMMs"

struct runner;

/* op_delay_ms holds each operation that long before its last step (for crash tests). */
int runner__start(struct runner **out, const char *state_dir, int op_delay_ms,
		  char *err, size_t errlen) __attribute__((warn_unused_result));
/* Something new to run. */
void runner__kick(struct runner *r);
/* Stops (an operation in its delay is left unfinished, as after a crash) and joins. */
void runner__stop(struct runner *r);

#endif
