/*
 * The operation runner: a thread with its own store handle that carries unfinished operations
 * (instance insert, start, stop, reset, delete) to DONE, and owns the supervisor, so VMMs are
 * started, stopped and watched from this one thread. After a crash the daemon's next runner
 * re-adopts the VMMs still running and picks operations up where they stopped: every step is
 * safe to repeat.
 */
#ifndef NV_CONTROL_RUNNER_H
#define NV_CONTROL_RUNNER_H

#include <stddef.h>

struct runner;

struct runner_config {
	const char *state_dir;
	int op_delay_ms;	/* hold each operation that long before its last step (tests) */
	int stop_timeout_ms;	/* how long a stop waits after the power button */
};

int runner__start(struct runner **out, const struct runner_config *cfg, char *err,
		  size_t errlen) __attribute__((warn_unused_result));
/* Something new to run. */
void runner__kick(struct runner *r);
/* Stops (an operation in its delay is left unfinished, as after a crash) and joins. VMMs keep
 * running: the next daemon re-adopts them. */
void runner__stop(struct runner *r);

#endif
