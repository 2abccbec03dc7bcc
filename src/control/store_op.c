/* The store's operations: the durable record of each mutating call and its progress. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "control/store_internal.h"

#define OP_COLS "SELECT id, name, ifnull(project_id, 0), kind, target_kind, target, target_id, " \
		"status, progress, error_code, error, warning, created, started, ended " \
		"FROM operations "

static void read_op(sqlite3_stmt *s, void *out)
{
	struct store_op *op = out;

	op->id = sqlite3_column_int64(s, 0);
	sql_col_text(s, 1, op->name, sizeof(op->name));
	op->project_id = sqlite3_column_int64(s, 2);
	sql_col_text(s, 3, op->kind, sizeof(op->kind));
	sql_col_text(s, 4, op->target_kind, sizeof(op->target_kind));
	sql_col_text(s, 5, op->target, sizeof(op->target));
	op->target_id = sqlite3_column_int64(s, 6);
	op->status = (enum op_status)sqlite3_column_int(s, 7);
	op->progress = sqlite3_column_int(s, 8);
	op->error_code = sqlite3_column_int(s, 9);
	sql_col_text(s, 10, op->error, sizeof(op->error));
	sql_col_text(s, 11, op->warning, sizeof(op->warning));
	op->created = sqlite3_column_int64(s, 12);
	op->started = sqlite3_column_int64(s, 13);
	op->ended = sqlite3_column_int64(s, 14);
}

static int call_op(const struct list_box *b, const void *row)
{
	return ((store_op_fn)b->fn)(row, b->arg);
}

/* Operation names are random so they cannot be guessed from a neighbour's. */
static int make_name(char *buf, size_t len, char *err, size_t errlen)
{
	u8 r[8];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return set_err(err, errlen, EIO, "store: no random bytes for an operation name");
	snprintf(buf, len, "operation-%02x%02x%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3],
		 r[4], r[5], r[6], r[7]);
	return 0;
}

int store__op_insert(struct store *st, struct store_op *op, char *err, size_t errlen)
{
	int ret = 0;

	if (!op->name[0])
		ret = make_name(op->name, sizeof(op->name), err, errlen);
	if (!ret)
		ret = store__begin(st, err, errlen);
	if (ret)
		return ret;
	op->created = store_now();
	ret = sql_exec(st, err, errlen, "INSERT INTO operations (name, project_id, kind, "
		       "target_kind, target, target_id, status, progress, error_code, error, "
		       "warning, created, started, ended) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
		       "?, ?, ?)", "sIsssidddssiii", op->name, op->project_id, op->kind,
		       op->target_kind, op->target, op->target_id, (int)op->status, op->progress,
		       op->error_code, op->error, op->warning, op->created, op->started, op->ended);
	if (!ret)
		op->id = sqlite3_last_insert_rowid(st->db);
	return sql_tx_end(st, ret, err, errlen);
}

int store__op_get(struct store *st, const char *name, struct store_op *out,
		  char *err, size_t errlen)
{
	char what[128];

	snprintf(what, sizeof(what), "operation '%s'", name);
	return sql_get_one(st, sql_prepare(st, err, errlen, OP_COLS "WHERE name = ?", "s", name),
			   read_op, out, err, errlen, what);
}

int store__op_update(struct store *st, const struct store_op *op, char *err, size_t errlen)
{
	int ret = store__begin(st, err, errlen);

	if (ret)
		return ret;
	ret = sql_exec(st, err, errlen, "UPDATE operations SET status = ?, progress = ?, "
		       "error_code = ?, error = ?, warning = ?, started = ?, ended = ?, "
		       "target_id = ? WHERE id = ?", "dddssiiii", (int)op->status, op->progress,
		       op->error_code, op->error, op->warning, op->started, op->ended,
		       op->target_id, op->id);
	if (!ret && !sqlite3_changes(st->db))
		ret = set_err(err, errlen, ENOENT, "operation '%s' was not found", op->name);
	return sql_tx_end(st, ret, err, errlen);
}

int store__op_list(struct store *st, s64 project_id, store_op_fn fn, void *arg,
		   char *err, size_t errlen)
{
	struct store_op op;

	return sql_list(st, sql_prepare(st, err, errlen, OP_COLS
			"WHERE ifnull(project_id, 0) = ? ORDER BY id", "i", project_id),
			read_op, &op, &(struct list_box){ (void (*)(void))fn, arg, call_op },
			err, errlen);
}

int store__op_next_unfinished(struct store *st, struct store_op *out, char *err, size_t errlen)
{
	return sql_get_one(st, sql_prepare(st, err, errlen, OP_COLS
			   "WHERE status != ? ORDER BY id LIMIT 1", "d", (int)OP_DONE),
			   read_op, out, err, errlen, "an unfinished operation");
}

int store__op_list_unfinished(struct store *st, store_op_fn fn, void *arg, char *err,
			      size_t errlen)
{
	struct store_op op;

	return sql_list(st, sql_prepare(st, err, errlen, OP_COLS "WHERE status != ? ORDER BY id",
			"d", (int)OP_DONE), read_op, &op,
			&(struct list_box){ (void (*)(void))fn, arg, call_op }, err, errlen);
}

int store__op_active_on(struct store *st, const char *target_kind, s64 target_id,
			struct store_op *out, char *err, size_t errlen)
{
	return sql_get_one(st, sql_prepare(st, err, errlen, OP_COLS
			   "WHERE target_kind = ? AND target_id = ? AND status != ? "
			   "ORDER BY id LIMIT 1", "sid", target_kind, target_id, (int)OP_DONE),
			   read_op, out, err, errlen, "an active operation");
}
