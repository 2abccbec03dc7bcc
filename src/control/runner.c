/* The operation runner's thread: pick the oldest unfinished operation, step it, repeat. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control/runner.h"
#include "control/store.h"
#include "util/log.h"

#define IDLE_POLL_MS 1000
#define RETRY_MS 500

struct runner {
	struct store *st;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop, kicked;
	int op_delay_ms;
};

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

static void finish(struct store_op *op, int code, const char *error)
{
	op->status = OP_DONE;
	op->progress = 100;
	op->ended = (s64)time(NULL);
	op->error_code = code;
	snprintf(op->error, sizeof(op->error), "%s", error ? error : "");
}

/* One transaction: the instance's new state and the operation's end. */
static int step_insert(struct runner *r, struct store_op *op, char *err, size_t errlen)
{
	struct store_instance *in = calloc(1, sizeof(*in));
	int ret = in ? store__begin(r->st, err, errlen) : -ENOMEM;

	if (ret) {
		free(in);
		return ret;
	}
	ret = store__instance_get_id(r->st, op->target_id, in, err, errlen);
	if (ret == -ENOENT) {
		finish(op, 404, "the instance was deleted before its creation finished");
		ret = 0;
	} else if (!ret) {
		ret = store__instance_set_status(r->st, in->id, INSTANCE_PROVISIONING,
						 RUNNER_NO_SUPERVISOR, err, errlen);
		finish(op, 0, NULL);
	}
	if (!ret)
		ret = store__op_update(r->st, op, err, errlen);
	free(in);
	return store__end(r->st, ret, err, errlen);
}

static int step_delete(struct runner *r, struct store_op *op, char *err, size_t errlen)
{
	int ret = store__begin(r->st, err, errlen);

	if (ret)
		return ret;
	/* Already gone (a repeated step after a crash) is fine. */
	ret = store__instance_delete(r->st, op->target_id, err, errlen);
	finish(op, 0, NULL);
	if (!ret)
		ret = store__op_update(r->st, op, err, errlen);
	return store__end(r->st, ret, err, errlen);
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
	if (instance && !strcmp(op->kind, "insert"))
		return step_insert(r, op, err, errlen);
	if (instance && !strcmp(op->kind, "delete"))
		return step_delete(r, op, err, errlen);
	finish(op, 500, "this daemon does not know how to run this operation");
	return store__op_update(r->st, op, err, errlen);
}

static void *run(void *arg)
{
	struct runner *r = arg;
	char err[512];

	while (!r->stop) {
		struct store_op op;
		int ret = store__op_next_unfinished(r->st, &op, err, sizeof(err));

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

int runner__start(struct runner **out, const char *state_dir, int op_delay_ms,
		  char *err, size_t errlen)
{
	struct runner *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return set_err(err, errlen, ENOMEM, "out of memory");
	r->op_delay_ms = op_delay_ms;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	ret = store__open(&r->st, state_dir, err, errlen);
	if (!ret && (ret = -pthread_create(&r->thread, NULL, run, r)))
		set_err(err, errlen, -ret, "cannot start the operation runner: %s", strerror(-ret));
	if (ret) {
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
	store__close(r->st);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	free(r);
}
