/* The operation runner's thread: notice VMM exits, pick the oldest unfinished operation, step
 * it, repeat. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control/runner_internal.h"
#include "control/store.h"
#include "util/log.h"

#define IDLE_POLL_MS 200	/* also how often VMM exits are noticed */
#define RETRY_MS 500

/* Sleeps up to ms or until kicked or stopped; true when stopping. */
static bool nap(struct runner *r, int ms)
{
	struct timespec ts;
	bool stop;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&r->lock);
	while (!r->stop && !r->kicked)
		if (pthread_cond_timedwait(&r->cond, &r->lock, &ts) == ETIMEDOUT)
			break;
	r->kicked = false;
	stop = r->stop;
	pthread_mutex_unlock(&r->lock);
	return stop;
}

/* Waits out the test delay without being woken by kicks; true when stopping. */
static bool hold(struct runner *r)
{
	struct timespec end, now;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += r->op_delay_ms / 1000;
	end.tv_nsec += (long)(r->op_delay_ms % 1000) * 1000000;
	for (;;) {
		long long left;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = (end.tv_sec - now.tv_sec) * 1000LL + (end.tv_nsec - now.tv_nsec) / 1000000;
		if (left <= 0)
			return false;
		if (nap(r, (int)(left > 100 ? 100 : left)))
			return true;
	}
}

void runner_finish(struct store_op *op, int code, const char *error)
{
	op->status = OP_DONE;
	op->progress = 100;
	op->ended = (s64)time(NULL);
	op->error_code = code;
	snprintf(op->error, sizeof(op->error), "%s", error ? error : "");
}

static int step(struct runner *r, struct store_op *op, char *err, size_t errlen)
{
	bool instance = !strcmp(op->target_kind, "instance");

	if (!op->started) {
		op->started = (s64)time(NULL);
		op->status = OP_RUNNING;
		if (store__op_update(r->st, op, err, errlen))
			return -EIO;
	}
	if (r->op_delay_ms && hold(r))
		return -EINTR;
	if (instance)
		return runner_instance_step(r, op, err, errlen);
	runner_finish(op, 500, "this daemon does not know how to run this operation");
	return store__op_update(r->st, op, err, errlen);
}

static void *run(void *arg)
{
	struct runner *r = arg;
	char err[512];

	runner_instance_reconcile(r);
	while (!r->stop) {
		struct store_op op;
		int ret;

		runner_instance_reap(r);
		ret = store__op_next_unfinished(r->st, &op, err, sizeof(err));

		if (ret == -ENOENT) {
			nap(r, IDLE_POLL_MS);
			continue;
		}
		if (!ret)
			ret = step(r, &op, err, sizeof(err));
		if (!ret)
			pr_info("operation %s (%s %s) done%s%s", op.name, op.kind, op.target,
				op.error[0] ? ": " : "", op.error);
		else if (ret != -EINTR)
			pr_warn("operation runner: %s (retrying)", err);
		if (ret && nap(r, RETRY_MS))
			break;
	}
	return NULL;
}

int runner__start(struct runner **out, const struct runner_config *cfg, char *err,
		  size_t errlen)
{
	struct runner *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return set_err(err, errlen, ENOMEM, "out of memory");
	r->op_delay_ms = cfg->op_delay_ms;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	ret = store__open(&r->st, cfg->state_dir, err, errlen) ?:
	      supervisor__init(&r->sv, cfg->state_dir, cfg->stop_timeout_ms, err, errlen);
	if (!ret && (ret = -pthread_create(&r->thread, NULL, run, r)))
		set_err(err, errlen, -ret, "cannot start the operation runner: %s", strerror(-ret));
	if (ret) {
		supervisor__free(r->sv);
		store__close(r->st);
		free(r);
		return ret;
	}
	*out = r;
	return 0;
}

void runner__kick(struct runner *r)
{
	pthread_mutex_lock(&r->lock);
	r->kicked = true;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

void runner__stop(struct runner *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	supervisor__free(r->sv);
	store__close(r->st);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	free(r);
}
