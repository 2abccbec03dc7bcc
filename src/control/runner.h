/*
 * The operation runner carries unfinished operations (instance insert, start, stop, reset,
 * delete) to DONE: a dispatcher thread notices VMM exits and hands operations to a pool of
 * workers, so operations on different instances run in parallel while those on one instance
 * run one at a time, oldest first. Each thread has its own store connection. After a crash
 * the daemon's next runner re-adopts the VMMs still running and picks operations up where
 * they stopped: every step is safe to repeat.
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
/*
 * Stops: starts no new operation, waits for the steps in progress to end (each is bounded: a
 * boot by the VMM's socket wait and API timeouts, a stop by the stop timeout + 12 s; they end
 * in parallel), abandons operations in their test delay, and joins. What is left unfinished is
 * resumed by the next daemon, as after a crash. VMMs keep running: it re-adopts them.
 */
void runner__stop(struct runner *r);

#endif
