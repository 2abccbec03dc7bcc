/*
 * REST handlers for a stored instance's life: POST .../instances/I/start, /stop, /reset queue
 * an operation for the runner (whose supervisor does the work); GET .../serialPort reads the
 * console the VMMs wrote, earlier runs first.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "control/api.h"
#include "control/runner.h"
#include "control/supervisor.h"

#define SERIAL_MAX (1024 * 1024)	/* at most this much of the console per reply */

/* Whether the action may run now: a stopped instance cannot be reset, starting re-checks. */
static int allowed(struct api_ctx *c, const char *kind, const struct store_project *p,
		   struct store_instance *in, char *err, size_t errlen)
{
	if (!strcmp(kind, "reset") && in->status != INSTANCE_RUNNING)
		return set_err(err, errlen, EOPNOTSUPP, "instance '%s' is %s: only a RUNNING "
			       "instance can be reset", in->name, store__status_name(in->status));
	if (!strcmp(kind, "start") && in->status != INSTANCE_TERMINATED)
		return set_err(err, errlen, EOPNOTSUPP, "instance '%s' is %s: only a TERMINATED "
			       "instance can be started", in->name, store__status_name(in->status));
	if (!strcmp(kind, "start"))
		return api__instance_recheck(c, p, in, err, errlen);
	return 0;
}

/* The operation, refused while another runs on the instance; a stop marks it STOPPING. */
static json_t *queue(struct api_ctx *c, const char *kind, const struct store_project *p,
		     const struct store_instance *in, char *err, size_t errlen, int *ret)
{
	struct store_op op = { .project_id = p->id, .status = OP_RUNNING, .target_id = in->id };
	struct store_op busy;

	snprintf(op.kind, sizeof(op.kind), "%s", kind);
	snprintf(op.target_kind, sizeof(op.target_kind), "instance");
	snprintf(op.target, sizeof(op.target), "projects/%s/instances/%s", p->name, in->name);
	*ret = store__begin(c->st, err, errlen);
	if (*ret)
		return NULL;
	if (!store__op_active_on(c->st, "instance", in->id, &busy, NULL, 0))
		*ret = set_err(err, errlen, EBUSY, "instance '%s' has an operation in progress "
			       "(%s %s): wait for it first", in->name, busy.kind, busy.name);
	if (!*ret && !strcmp(kind, "stop") && in->status != INSTANCE_TERMINATED)
		*ret = store__instance_set_status(c->st, in->id, INSTANCE_STOPPING, "stopping",
						  err, errlen);
	if (!*ret)
		*ret = store__op_insert(c->st, &op, err, errlen);
	*ret = store__end(c->st, *ret, err, errlen);
	return *ret ? NULL : api__op_json(&op);
}

static void action(const struct http_request *req, struct http_response *resp, void *ctx,
		   const char *kind)
{
	struct api_ctx *c = ctx;
	struct store_project p;
	struct store_instance *in = calloc(1, sizeof(*in));
	char err[1024], perm[48];
	json_t *op = NULL;
	int ret = 0;

	if (!in) {
		api__error(resp, 500, "out of memory");
		return;
	}
	snprintf(perm, sizeof(perm), "compute.instances.%s", kind);
	if (api__instance_of(c, req, perm, &p, in, resp)) {
		free(in);
		return;
	}
	ret = allowed(c, kind, &p, in, err, sizeof(err));
	if (!ret)
		op = queue(c, kind, &p, in, err, sizeof(err), &ret);
	free(in);
	api__reply_queued(c, resp, ret, op, err);
}

void api_instance_start(const struct http_request *req, struct http_response *resp, void *ctx)
{
	action(req, resp, ctx, "start");
}

void api_instance_stop(const struct http_request *req, struct http_response *resp, void *ctx)
{
	action(req, resp, ctx, "stop");
}

void api_instance_reset(const struct http_request *req, struct http_response *resp, void *ctx)
{
	action(req, resp, ctx, "reset");
}

struct console {
	char old[4096], cur[4096];
	long long old_size, size;	/* the earlier runs' part, and the whole */
};

static long long size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : (long long)st.st_size;
}

/* Appends bytes [from, to) of a file to buf (NULs become '?': the reply is a string). */
static void append_range(const char *path, long long from, long long to, char *buf,
			 size_t *len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return;
	if (from < to && !fseeko(f, from, SEEK_SET)) {
		n = fread(buf + *len, 1, (size_t)(to - from), f);
		for (size_t i = 0; i < n; i++)
			buf[*len + i] = buf[*len + i] ? buf[*len + i] : '?';
		*len += n;
	}
	fclose(f);
}

/*
 * The console from byte start of the whole (earlier runs, then the current one), at most
 * SERIAL_MAX bytes, the newest kept. Like the clouds, a start out of range is clamped.
 */
static json_t *serial_json(const struct console *c, long long start)
{
	long long from = start < 0 ? 0 : start > c->size ? c->size : start;
	size_t len = 0;
	char *buf;
	json_t *out;

	if (c->size - from > SERIAL_MAX)
		from = c->size - SERIAL_MAX;
	buf = malloc((size_t)(c->size - from) + 1);
	if (!buf)
		return NULL;
	if (from < c->old_size)
		append_range(c->old, from, c->old_size, buf, &len);
	append_range(c->cur, from > c->old_size ? from - c->old_size : 0, c->size - c->old_size,
		     buf, &len);
	buf[len] = '\0';
	out = json_pack("{s:o,s:I,s:I}", "contents", api__jstr(buf), "start", (json_int_t)from,
			"next", (json_int_t)(from + (long long)len));
	free(buf);
	return out;
}

void api_instance_serial(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_ctx *c = ctx;
	struct store_project p;
	struct store_instance *in = calloc(1, sizeof(*in));
	struct console *con = calloc(1, sizeof(*con));
	long long start = 0;
	json_t *out;

	if (!in || !con) {
		api__error(resp, 500, "out of memory");
	} else if (!api__instance_of(c, req, "compute.instances.getSerialPortOutput", &p, in, resp)) {
		sscanf(req->query, "start=%lld", &start);
		if (supervisor__path_in(c->state_dir, in->id, SV_SERIAL_OLD, con->old,
					sizeof(con->old)) ||
		    supervisor__path_in(c->state_dir, in->id, SV_SERIAL, con->cur, sizeof(con->cur)))
			con->old[0] = con->cur[0] = '\0';
		con->old_size = size_of(con->old);
		con->size = con->old_size + size_of(con->cur);
		out = serial_json(con, start);
		if (out)
			api__json(resp, 200, out);
		else
			api__error(resp, 500, "out of memory");
	}
	free(in);
	free(con);
}
