/*
 * The operation runner: a dispatcher thread notices VMM exits and hands unfinished operations
 * to a pool of workers, one operation per instance at a time, oldest first.
 */
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

long long runner_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Waits on cond (r->lock held) up to ms; the caller checks what it waits for. */
static void timed_wait(struct runner *r, pthread_cond_t *cond, int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(cond, &r->lock, &ts);
}

/* The dispatcher sleeps up to ms or until kicked or stopped; true when stopping. */
static bool nap(struct runner *r, int ms)
{
	bool stop;

	pthread_mutex_lock(&r->lock);
	if (!r->stop && !r->kicked)
		timed_wait(r, &r->cond, ms);
	r->kicked = false;
	stop = r->stop;
	pthread_mutex_unlock(&r->lock);
	return stop;
}

/* A worker waits out the test delay; true when the runner stops meanwhile. */
static bool hold(struct runner *r)
{
	long long end = runner_now_ms() + r->op_delay_ms, left;
	bool stop;

	pthread_mutex_lock(&r->lock);
	while (!r->stop && (left = end - runner_now_ms()) > 0)
		timed_wait(r, &r->work, (int)(left > 100 ? 100 : left));
	stop = r->stop;
	pthread_mutex_unlock(&r->lock);
	return stop;
}

void runner_finish(struct store_op *op, int code, const char *error)
{
	op->status = OP_DONE;
	op->progress = 100;
	op->ended = (s64)time(NULL);
	op->error_code = code;
	snprintf(op->error, sizeof(op->error), "%s", error ? error : "");
}

struct runner_inst *runner_inst_get(struct runner *r, s64 id)
{
	struct runner_inst *inst;
	char err[256];

	for (inst = r->insts; inst; inst = inst->next)
		if (inst->id == id)
			return inst;
	inst = calloc(1, sizeof(*inst));
	if (!inst || supervisor__init(&inst->sv, r->state_dir, r->stop_timeout_ms, err,
				      sizeof(err))) {
		free(inst);
		return NULL;
	}
	inst->id = id;
	pthread_mutex_lock(&r->lock);
	inst->next = r->insts;
	r->insts = inst;
	pthread_mutex_unlock(&r->lock);
	return inst;
}

static void inst_free(struct runner_inst *inst)
{
	supervisor__free(inst->sv);
	free(inst);
}

/*
 * The handed-over operation, as stored now (a listing read just before a worker finished it
 * can hand it over again: then it is DONE and left alone), its test delay and its step.
 */
static int run_op(struct runner_worker *w, char *err, size_t errlen)
{
	struct store_op *op = &w->op;
	struct runner_job j = { w->st, w->inst->sv, runner_now_ms() };
	int ret = store__op_get(w->st, op->name, op, err, errlen);

	if (ret == -ENOENT || (!ret && op->status == OP_DONE))
		return -EALREADY;
	if (ret)
		return ret;
	if (!op->started) {
		op->started = (s64)time(NULL);
		op->status = OP_RUNNING;
		if (store__op_update(w->st, op, err, errlen))
			return -EIO;
	}
	if (w->r->op_delay_ms && hold(w->r))
		return -EINTR;
	return runner_instance_step(&j, op, err, errlen);
}

/* After an operation (r->lock held): the instance is free again, or gone; wake the dispatcher. */
static void finished(struct runner_worker *w, int ret)
{
	struct runner *r = w->r;
	struct runner_inst *inst = w->inst;

	inst->busy = false;
	if (ret && ret != -EALREADY && ret != -EINTR)
		inst->retry_at = runner_now_ms() + RETRY_MS;
	if (!ret && (w->op.error_code == 404 || (!strcmp(w->op.kind, "delete") &&
						 !w->op.error_code)))
		inst->gone = true;
	w->inst = NULL;
	r->kicked = true;
	pthread_cond_signal(&r->cond);
}

static void *work(void *arg)
{
	struct runner_worker *w = arg;
	struct runner *r = w->r;
	struct store_op *op = &w->op;
	char err[512];
	int ret;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		while (!r->stop && !w->inst)
			pthread_cond_wait(&r->work, &r->lock);
		/* Stopping: an operation handed over but not begun is left to the next daemon. */
		if (r->stop)
			break;
		pthread_mutex_unlock(&r->lock);
		ret = run_op(w, err, sizeof(err));
		if (!ret)
			pr_info("operation %s (%s %s) done%s%s", op->name, op->kind, op->target,
				op->error[0] ? ": " : "", op->error);
		else if (ret != -EINTR && ret != -EALREADY)
			pr_warn("operation runner: %s: %s (retrying)", op->name, err);
		pthread_mutex_lock(&r->lock);
		finished(w, ret);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* One listing pass of the dispatcher. */
struct pass {
	struct runner *r;
	struct store_op other;	/* an operation on something else than an instance */
	bool has_other, full;
};

static struct runner_worker *free_worker(struct runner *r)
{
	for (int i = 0; i < RUNNER_WORKERS; i++)
		if (!r->workers[i].inst)
			return &r->workers[i];
	return NULL;
}

/*
 * An unfinished operation goes to a free worker unless its instance is busy (its operations
 * thus run one at a time, oldest first: an older one holds the newer ones back) or waits to
 * retry. 1 ends the listing (no worker free).
 */
static int offer(const struct store_op *op, void *arg)
{
	struct pass *p = arg;
	struct runner *r = p->r;
	struct runner_inst *inst;
	struct runner_worker *w;

	if (strcmp(op->target_kind, "instance")) {
		p->other = *op;
		p->has_other = true;
		return 1;
	}
	inst = runner_inst_get(r, op->target_id);
	if (!inst)
		return 0;
	pthread_mutex_lock(&r->lock);
	w = free_worker(r);
	if (w && !inst->busy && !inst->gone && inst->retry_at <= runner_now_ms()) {
		inst->busy = true;
		w->op = *op;
		w->inst = inst;
		pthread_cond_broadcast(&r->work);
	}
	pthread_mutex_unlock(&r->lock);
	p->full = !w;
	return p->full;
}

/* Hands out what can run now; -errno when the store cannot list the operations. */
static int hand_out(struct runner *r, char *err, size_t errlen)
{
	struct pass p = { .r = r };
	int ret = store__op_list_unfinished(r->st, offer, &p, err, errlen);

	if (ret || !p.has_other)
		return ret;
	runner_finish(&p.other, 500, "this daemon does not know how to run this operation");
	return store__op_update(r->st, &p.other, err, errlen);
}

/* VMMs of idle instances that ended by themselves; deleted instances' entries freed. */
static void reap(struct runner *r)
{
	struct runner_inst **pp = &r->insts, *inst;

	while ((inst = *pp)) {
		bool idle, gone;

		pthread_mutex_lock(&r->lock);
		idle = !inst->busy;
		gone = idle && inst->gone;
		if (gone)
			*pp = inst->next;
		pthread_mutex_unlock(&r->lock);
		if (gone) {
			inst_free(inst);
			continue;
		}
		if (idle)
			runner_instance_reap(r, inst);
		pp = &inst->next;
	}
}

static void *dispatch(void *arg)
{
	struct runner *r = arg;
	char err[512];

	runner_instance_reconcile(r);
	while (!r->stop) {
		reap(r);
		if (hand_out(r, err, sizeof(err))) {
			pr_warn("operation runner: %s (retrying)", err);
			if (nap(r, RETRY_MS))
				break;
			continue;
		}
		nap(r, IDLE_POLL_MS);
	}
	return NULL;
}

/* Joins the threads started (after stop is set), closes the stores, frees the rest. */
static void teardown(struct runner *r, bool dispatcher)
{
	struct runner_inst *inst;
	int busy = 0;

	pthread_mutex_lock(&r->lock);
	for (int i = 0; i < RUNNER_WORKERS; i++)
		busy += r->workers[i].inst != NULL;
	if (busy)
		pr_info("operation runner: waiting for the steps of %d operations in progress "
			"(what they leave unfinished resumes in the next daemon)", busy);
	r->stop = true;
	pthread_cond_broadcast(&r->cond);
	pthread_cond_broadcast(&r->work);
	pthread_mutex_unlock(&r->lock);
	if (dispatcher)
		pthread_join(r->thread, NULL);
	for (int i = 0; i < RUNNER_WORKERS; i++) {
		if (r->workers[i].running)
			pthread_join(r->workers[i].thread, NULL);
		store__close(r->workers[i].st);
	}
	while ((inst = r->insts)) {
		r->insts = inst->next;
		inst_free(inst);
	}
	store__close(r->st);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	pthread_cond_destroy(&r->work);
	free(r);
}

static int start_threads(struct runner *r, char *err, size_t errlen)
{
	int ret = 0;

	for (int i = 0; i < RUNNER_WORKERS && !ret; i++) {
		struct runner_worker *w = &r->workers[i];

		w->r = r;
		ret = store__open(&w->st, r->state_dir, err, errlen);
		if (!ret && (ret = -pthread_create(&w->thread, NULL, work, w)))
			set_err(err, errlen, -ret, "cannot start an operation worker: %s",
				strerror(-ret));
		w->running = !ret;
	}
	if (!ret && (ret = -pthread_create(&r->thread, NULL, dispatch, r)))
		set_err(err, errlen, -ret, "cannot start the operation runner: %s", strerror(-ret));
	return ret;
}

int runner__start(struct runner **out, const struct runner_config *cfg, char *err,
		  size_t errlen)
{
	struct runner *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return set_err(err, errlen, ENOMEM, "out of memory");
	if (snprintf(r->state_dir, sizeof(r->state_dir), "%s", cfg->state_dir) >=
	    (int)sizeof(r->state_dir)) {
		free(r);
		return set_err(err, errlen, ENAMETOOLONG, "the state directory's path is too long");
	}
	r->op_delay_ms = cfg->op_delay_ms;
	r->stop_timeout_ms = cfg->stop_timeout_ms;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	pthread_cond_init(&r->work, NULL);
	ret = store__open(&r->st, cfg->state_dir, err, errlen) ?: start_threads(r, err, errlen);
	if (ret) {
		teardown(r, false);
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
	if (r)
		teardown(r, true);
}
