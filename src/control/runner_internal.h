/* What the runner's files share: its state and the instance operations' steps. */
#ifndef NV_CONTROL_RUNNER_INTERNAL_H
#define NV_CONTROL_RUNNER_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>

#include "control/runner.h"
#include "control/store.h"
#include "control/supervisor.h"

struct runner {
	struct store *st;
	struct supervisor *sv;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop, kicked;
	int op_delay_ms;
};

/* Marks op DONE with an HTTP error code (0: success) and a message. */
void runner_finish(struct store_op *op, int code, const char *error);

/* runner_instance.c: one step of an instance operation (insert, start, stop, reset, delete);
 * -errno (retried) only when the store fails. */
int runner_instance_step(struct runner *r, struct store_op *op, char *err, size_t errlen);
/* At the thread's start: re-adopt live VMMs, mark the instances whose VMM is gone. */
void runner_instance_reconcile(struct runner *r);
/* Instances whose VMM ended by itself become TERMINATED with the reason. */
void runner_instance_reap(struct runner *r);

#endif
