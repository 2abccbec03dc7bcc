/* What the runner's files share: its state and the instance operations' steps. */
#ifndef NV_CONTROL_RUNNER_INTERNAL_H
#define NV_CONTROL_RUNNER_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>

#include "control/runner.h"
#include "control/store.h"
#include "control/supervisor.h"

/*
 * Worker threads, each running one operation at a time. A fixed pool rather than a thread
 * per operation: each worker keeps its own store connection for its life, and a burst of
 * creates (say 100) does not fork 100 VMMs at once on a 2-core host. 8 because an operation
 * mostly waits (for a VMM to come up, for a guest to power off): a few slow stops (up to
 * --stop-timeout-ms + 12 s each) leave room for creates, while SQLite serialises the writes
 * anyway.
 */
#define RUNNER_WORKERS 8

/*
 * An instance the runner knows. Its supervisor is its own (a table of at most its one VMM:
 * the supervisor's table has no lock), used by one thread at a time: the worker running an
 * operation on it while busy, else the dispatcher (reconciling, reaping). The list is
 * changed only by the dispatcher; busy and gone are read and written under runner.lock.
 */
struct runner_inst {
	s64 id;
	struct supervisor *sv;
	bool busy;		/* a worker runs an operation on it */
	bool gone;		/* deleted: the dispatcher frees it once idle */
	long long retry_at;	/* CLOCK_MONOTONIC ms: a failed step is not retried before */
	struct runner_inst *next;
};

/* What a step works with: the calling thread's store connection and the instance's VMM. */
struct runner_job {
	struct store *st;
	struct supervisor *sv;
	long long t0;		/* when the operation was handed over (ms; debug timings) */
};

struct runner_worker {
	struct runner *r;
	pthread_t thread;
	struct store *st;		/* its own connection: SQLite handles are per thread */
	struct store_op op;
	struct runner_inst *inst;	/* set: an operation handed over */
	bool running;			/* the thread was started */
};

struct runner {
	struct store *st;	/* the dispatcher's connection */
	char state_dir[PATH_MAX];
	int stop_timeout_ms;
	pthread_t thread;	/* the dispatcher */
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* to the dispatcher: kicked, or a worker came free */
	pthread_cond_t work;	/* to the workers: an operation handed over, or stopping */
	bool stop, kicked;
	int op_delay_ms;
	struct runner_inst *insts;
	struct runner_worker workers[RUNNER_WORKERS];
};

/* Marks op DONE with an HTTP error code (0: success) and a message. */
void runner_finish(struct store_op *op, int code, const char *error);
/* CLOCK_MONOTONIC in ms. */
long long runner_now_ms(void);
/* The instance's entry (created, with its supervisor, when new); dispatcher only. */
struct runner_inst *runner_inst_get(struct runner *r, s64 id);

/* runner_instance.c: one step of an instance operation (insert, start, stop, reset, delete);
 * -errno (retried) only when the store fails. */
int runner_instance_step(const struct runner_job *j, struct store_op *op, char *err,
			 size_t errlen);
/* At the dispatcher's start: re-adopt live VMMs, mark the instances whose VMM is gone. */
void runner_instance_reconcile(struct runner *r);
/* The instance's VMM ended by itself: it becomes TERMINATED with the reason (dispatcher). */
void runner_instance_reap(struct runner *r, struct runner_inst *inst);

#endif
