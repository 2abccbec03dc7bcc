/*
 * The instance operations' steps, on a runner's worker: boot (insert, start, reset), stop,
 * delete; on the dispatcher: the reconciliation at start (re-adoption) and the VMM exits.
 * A step stores its status before acting and its result after, so a repeat after a crash finds
 * the VMM it started (the supervisor's boot is idempotent) and finishes the same way.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/machine_types.h"
#include "control/runner_internal.h"
#include "util/log.h"

/* The instance (allocated) or NULL: op finished as 404 (*ret 0) or a store failure (*ret). */
static struct store_instance *load(const struct runner_job *j, struct store_op *op, int *ret,
				   char *err, size_t errlen)
{
	struct store_instance *in = calloc(1, sizeof(*in));

	*ret = in ? store__instance_get_id(j->st, op->target_id, in, err, errlen) :
	       set_err(err, errlen, ENOMEM, "out of memory");
	if (!*ret)
		return in;
	free(in);
	if (*ret == -ENOENT) {
		runner_finish(op, 404, "the instance was deleted before this operation ran");
		*ret = store__op_update(j->st, op, err, errlen);
	}
	return NULL;
}

/* The instance's status and the operation, in one transaction. */
static int record(const struct runner_job *j, s64 id, enum instance_status status,
		  const char *msg, struct store_op *op, char *err, size_t errlen)
{
	int ret = store__begin(j->st, err, errlen);

	if (ret)
		return ret;
	ret = store__instance_set_status(j->st, id, status, msg, err, errlen);
	if (ret == -ENOENT && op->status == OP_DONE)
		ret = 0;
	if (!ret)
		ret = store__op_update(j->st, op, err, errlen);
	return store__end(j->st, ret, err, errlen);
}

/* Spawns, configures and starts the VMM; the result into buf (the failure's reason). */
static int boot_vmm(const struct runner_job *j, const struct store_instance *in, char *buf,
		    size_t len)
{
	struct store_image img;
	struct machine_type mt;
	struct sv_boot b = { in, &img, &mt };

	if (store__image_get(j->st, in->project_id, in->image, &img, buf, len))
		return -ENOENT;
	if (machine_types__lookup(in->machine_type, &mt, buf, len))
		return -EINVAL;
	return supervisor__boot(j->sv, &b, buf, len);
}

/* Where an operation's time goes, in the debug log (NESTVISOR_LOG=debug). */
static void lap(const struct runner_job *j, const struct store_op *op, const char *what)
{
	pr_debug("operation %s (%s %s): %s at +%lld ms", op->name, op->kind, op->target, what,
		 runner_now_ms() - j->t0);
}

static int step_boot(const struct runner_job *j, struct store_op *op, char *err, size_t errlen)
{
	struct store_instance *in;
	char why[STORE_TEXT_LEN - 32], msg[STORE_TEXT_LEN];
	int ret, booted;

	in = load(j, op, &ret, err, errlen);
	if (!in)
		return ret;
	op->progress = 40;
	lap(j, op, "instance loaded");
	ret = record(j, in->id, INSTANCE_STAGING, "starting the VMM", op, err, errlen);
	lap(j, op, "STAGING stored");
	if (!ret && !strcmp(op->kind, "reset"))
		supervisor__stop(j->sv, in->id, false, why, sizeof(why));
	booted = ret ? ret : boot_vmm(j, in, why, sizeof(why));
	lap(j, op, "VMM spawned, configured and started");
	if (!ret && booted) {
		snprintf(msg, sizeof(msg), "cannot start: %s", why);
		runner_finish(op, booted == -EINVAL ? 400 : 500, msg);
		ret = record(j, in->id, INSTANCE_TERMINATED, msg, op, err, errlen);
	} else if (!ret) {
		runner_finish(op, 0, NULL);
		ret = record(j, in->id, INSTANCE_RUNNING, "", op, err, errlen);
		lap(j, op, "RUNNING stored");
		pr_info("instance %s: RUNNING", in->name);
	}
	free(in);
	return ret;
}

static int step_stop(const struct runner_job *j, struct store_op *op, char *err, size_t errlen)
{
	struct store_instance *in;
	char how[STORE_TEXT_LEN - 32], msg[STORE_TEXT_LEN];
	bool was_running;
	int ret;

	in = load(j, op, &ret, err, errlen);
	if (!in)
		return ret;
	was_running = supervisor__running(j->sv, in->id);
	supervisor__stop(j->sv, in->id, true, how, sizeof(how));
	/* An instance that had already ended keeps the reason it ended with. */
	if (was_running || in->status != INSTANCE_TERMINATED)
		snprintf(msg, sizeof(msg), "stopped on request: %s", how);
	else
		snprintf(msg, sizeof(msg), "%s", in->status_message);
	runner_finish(op, 0, NULL);
	ret = record(j, in->id, INSTANCE_TERMINATED, msg, op, err, errlen);
	free(in);
	return ret;
}

static int step_delete(const struct runner_job *j, struct store_op *op, char *err, size_t errlen)
{
	char how[STORE_TEXT_LEN];
	int ret;

	supervisor__stop(j->sv, op->target_id, true, how, sizeof(how));
	ret = supervisor__remove(j->sv, op->target_id, err, errlen) ?:
	      store__begin(j->st, err, errlen);
	if (ret)
		return ret;
	/* Already gone (a repeated step after a crash) is fine. */
	ret = store__instance_delete(j->st, op->target_id, err, errlen);
	runner_finish(op, 0, NULL);
	if (!ret)
		ret = store__op_update(j->st, op, err, errlen);
	return store__end(j->st, ret, err, errlen);
}

int runner_instance_step(const struct runner_job *j, struct store_op *op, char *err,
			 size_t errlen)
{
	if (!strcmp(op->kind, "insert") || !strcmp(op->kind, "start") ||
	    !strcmp(op->kind, "reset"))
		return step_boot(j, op, err, errlen);
	if (!strcmp(op->kind, "stop"))
		return step_stop(j, op, err, errlen);
	if (!strcmp(op->kind, "delete"))
		return step_delete(j, op, err, errlen);
	runner_finish(op, 500, "this daemon does not know how to run this operation");
	return store__op_update(j->st, op, err, errlen);
}

static void terminated(s64 id, const char *why, void *arg)
{
	struct runner *r = arg;
	char err[256];
	struct store_op busy;

	/* An operation on it (a stop, a delete) records the end itself. */
	if (!store__op_active_on(r->st, "instance", id, &busy, NULL, 0))
		return;
	if (store__instance_set_status(r->st, id, INSTANCE_TERMINATED, why, err, sizeof(err)))
		pr_warn("instance %lld: cannot record its end (%s): %s", (long long)id, why, err);
	else
		pr_info("instance %lld: TERMINATED: %s", (long long)id, why);
}

void runner_instance_reap(struct runner *r, struct runner_inst *inst)
{
	supervisor__reap(inst->sv, terminated, r);
}

struct seen {
	s64 *ids;
	enum instance_status *status;
	size_t n;
};

static int collect(const struct store_instance *in, void *arg)
{
	struct seen *s = arg;
	s64 *ids = realloc(s->ids, (s->n + 1) * sizeof(*ids));
	enum instance_status *st;

	if (ids)
		s->ids = ids;
	st = ids ? realloc(s->status, (s->n + 1) * sizeof(*st)) : NULL;
	if (!st)
		return -ENOMEM;
	s->status = st;
	s->ids[s->n] = in->id;
	s->status[s->n++] = in->status;
	return 0;
}

/* One instance after a restart: its VMM adopted, ended, or stopped when it should not run. */
static void reconcile_one(struct runner *r, s64 id, enum instance_status status)
{
	struct runner_inst *inst = runner_inst_get(r, id);
	char why[STORE_TEXT_LEN - 64], msg[STORE_TEXT_LEN], err[256];
	struct store_op busy;
	bool adopted;

	if (!inst) {
		pr_warn("instance %lld: out of memory to re-adopt its VMM", (long long)id);
		return;
	}
	adopted = supervisor__adopt(inst->sv, id, why, sizeof(why));
	/* An unfinished operation (resumed next) decides; so does a stored end. */
	if (!store__op_active_on(r->st, "instance", id, &busy, NULL, 0))
		return;
	if (status == INSTANCE_TERMINATED) {
		if (adopted)
			supervisor__stop(inst->sv, id, false, why, sizeof(why));
		return;
	}
	if (adopted) {
		if (status != INSTANCE_RUNNING &&
		    store__instance_set_status(r->st, id, INSTANCE_RUNNING, "", err, sizeof(err)))
			pr_warn("instance %lld: %s", (long long)id, err);
		return;
	}
	snprintf(msg, sizeof(msg), "found ended when the daemon started: %s", why);
	if (store__instance_set_status(r->st, id, INSTANCE_TERMINATED, msg, err, sizeof(err)))
		pr_warn("instance %lld: %s", (long long)id, err);
	else
		pr_info("instance %lld: TERMINATED: %s", (long long)id, msg);
}

void runner_instance_reconcile(struct runner *r)
{
	struct seen s = { 0 };
	char err[256];

	if (store__instance_list(r->st, 0, collect, &s, err, sizeof(err)))
		pr_warn("supervisor: cannot list the instances to re-adopt their VMMs: %s", err);
	for (size_t i = 0; i < s.n; i++)
		reconcile_one(r, s.ids[i], s.status[i]);
	free(s.ids);
	free(s.status);
}
