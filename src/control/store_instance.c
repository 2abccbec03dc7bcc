/* The store's instances, with their disks, network interfaces and metadata in child tables. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/store_internal.h"

#define INSTANCE_COLS "SELECT id, project_id, image_id, name, machine_type, image, " \
		      "min_cpu_platform, status, status_message, nested, created, last_start " \
		      "FROM instances "

static void read_instance(sqlite3_stmt *s, void *out)
{
	struct store_instance *in = out;

	memset(in, 0, sizeof(*in));
	in->id = sqlite3_column_int64(s, 0);
	in->project_id = sqlite3_column_int64(s, 1);
	in->image_id = sqlite3_column_int64(s, 2);
	sql_col_text(s, 3, in->name, sizeof(in->name));
	sql_col_text(s, 4, in->machine_type, sizeof(in->machine_type));
	sql_col_text(s, 5, in->image, sizeof(in->image));
	sql_col_text(s, 6, in->min_cpu_platform, sizeof(in->min_cpu_platform));
	in->status = (enum instance_status)sqlite3_column_int(s, 7);
	sql_col_text(s, 8, in->status_message, sizeof(in->status_message));
	in->nested = sqlite3_column_int(s, 9);
	in->created = sqlite3_column_int64(s, 10);
	in->last_start = sqlite3_column_int64(s, 11);
}

/* Ends a child query: 0 when it ran to its end (or filled the array), -EIO otherwise. */
static int end_query(struct store *st, sqlite3_stmt *s, int rc, char *err, size_t errlen)
{
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return 0;
	return sql_fail(st, rc, err, errlen, "store: reading an instance");
}

static int read_disks(struct store *st, struct store_instance *in, char *err, size_t errlen)
{
	sqlite3_stmt *s = sql_prepare(st, err, errlen, "SELECT source, boot, read_only FROM "
				      "instance_disks WHERE instance_id = ? ORDER BY idx", "i", in->id);
	int rc = SQLITE_DONE;

	if (!s)
		return -EIO;
	while (in->ndisks < STORE_MAX_DISKS && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_disk *d = &in->disks[in->ndisks++];

		sql_col_text(s, 0, d->source, sizeof(d->source));
		d->boot = sqlite3_column_int(s, 1);
		d->read_only = sqlite3_column_int(s, 2);
	}
	return end_query(st, s, rc, err, errlen);
}

static int read_nics(struct store *st, struct store_instance *in, char *err, size_t errlen)
{
	sqlite3_stmt *s = sql_prepare(st, err, errlen, "SELECT name, host_dev, mac FROM "
				      "instance_nics WHERE instance_id = ? ORDER BY idx", "i", in->id);
	int rc = SQLITE_DONE;

	if (!s)
		return -EIO;
	while (in->nnics < STORE_MAX_NICS && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_nic *n = &in->nics[in->nnics++];

		sql_col_text(s, 0, n->name, sizeof(n->name));
		sql_col_text(s, 1, n->host_dev, sizeof(n->host_dev));
		sql_col_text(s, 2, n->mac, sizeof(n->mac));
	}
	return end_query(st, s, rc, err, errlen);
}

static int read_meta(struct store *st, struct store_instance *in, char *err, size_t errlen)
{
	sqlite3_stmt *s = sql_prepare(st, err, errlen, "SELECT key, value FROM instance_metadata "
				      "WHERE instance_id = ? ORDER BY idx", "i", in->id);
	int rc = SQLITE_DONE;

	if (!s)
		return -EIO;
	while (in->nmeta < STORE_MAX_META && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		sql_col_text(s, 0, in->meta[in->nmeta].key, sizeof(in->meta[0].key));
		sql_col_text(s, 1, in->meta[in->nmeta].value, sizeof(in->meta[0].value));
		in->nmeta++;
	}
	return end_query(st, s, rc, err, errlen);
}

static int read_children(struct store *st, struct store_instance *in, char *err, size_t errlen)
{
	in->ndisks = in->nnics = in->nmeta = 0;
	return read_disks(st, in, err, errlen) ?: read_nics(st, in, err, errlen) ?:
	       read_meta(st, in, err, errlen);
}

static int get_with_children(struct store *st, sqlite3_stmt *s, struct store_instance *out,
			     char *err, size_t errlen, const char *what)
{
	int ret = sql_get_one(st, s, read_instance, out, err, errlen, what);

	return ret ? ret : read_children(st, out, err, errlen);
}

int store__instance_get(struct store *st, s64 project_id, const char *name,
			struct store_instance *out, char *err, size_t errlen)
{
	char what[128];

	snprintf(what, sizeof(what), "instance '%s'", name);
	return get_with_children(st, sql_prepare(st, err, errlen, INSTANCE_COLS
				 "WHERE project_id = ? AND name = ?", "is", project_id, name),
				 out, err, errlen, what);
}

int store__instance_get_id(struct store *st, s64 id, struct store_instance *out,
			   char *err, size_t errlen)
{
	return get_with_children(st, sql_prepare(st, err, errlen, INSTANCE_COLS "WHERE id = ?",
						 "i", id), out, err, errlen, "the instance");
}

static int insert_children(struct store *st, const struct store_instance *in, char *err,
			   size_t errlen)
{
	int ret = 0;

	for (int i = 0; !ret && i < in->ndisks; i++)
		ret = sql_exec(st, err, errlen, "INSERT INTO instance_disks VALUES (?, ?, ?, ?, ?)",
			       "idsdd", in->id, i, in->disks[i].source, (int)in->disks[i].boot,
			       (int)in->disks[i].read_only);
	for (int i = 0; !ret && i < in->nnics; i++)
		ret = sql_exec(st, err, errlen, "INSERT INTO instance_nics VALUES (?, ?, ?, ?, ?)",
			       "idsss", in->id, i, in->nics[i].name, in->nics[i].host_dev,
			       in->nics[i].mac);
	for (int i = 0; !ret && i < in->nmeta; i++) {
		ret = sql_exec(st, err, errlen, "INSERT INTO instance_metadata VALUES (?, ?, ?, ?)",
			       "idss", in->id, i, in->meta[i].key, in->meta[i].value);
		if (ret == -EEXIST)
			set_err(err, errlen, EEXIST, "metadata key '%s' is given twice",
				in->meta[i].key);
	}
	return ret;
}

int store__instance_insert(struct store *st, struct store_instance *in, char *err, size_t errlen)
{
	int ret = store__begin(st, err, errlen);

	if (ret)
		return ret;
	in->created = store_now();
	ret = sql_exec(st, err, errlen, "INSERT INTO instances (project_id, name, machine_type, "
		       "image_id, image, status, status_message, nested, min_cpu_platform, created, "
		       "last_start) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "issisdsdsii",
		       in->project_id, in->name, in->machine_type, in->image_id, in->image,
		       (int)in->status, in->status_message, (int)in->nested, in->min_cpu_platform,
		       in->created, in->last_start);
	if (ret == -EEXIST)
		set_err(err, errlen, EEXIST, "instance '%s' already exists", in->name);
	if (!ret) {
		in->id = sqlite3_last_insert_rowid(st->db);
		ret = insert_children(st, in, err, errlen);
	}
	return sql_tx_end(st, ret, err, errlen);
}

static int call_instance(const struct list_box *b, const void *row)
{
	return ((store_instance_fn)b->fn)(row, b->arg);
}

/* Reads the children of each row before handing it on (a second query per row). */
struct children_box {
	struct store *st;
	struct list_box inner;
};

static int call_with_children(const struct list_box *b, const void *row)
{
	const struct children_box *cb = b->arg;
	struct store_instance *in = (struct store_instance *)row;
	int ret = read_children(cb->st, in, NULL, 0);

	return ret ? ret : cb->inner.call(&cb->inner, row);
}

int store__instance_list(struct store *st, s64 project_id, store_instance_fn fn, void *arg,
			 char *err, size_t errlen)
{
	struct store_instance *in = calloc(1, sizeof(*in));
	struct children_box cb = { st, { (void (*)(void))fn, arg, call_instance } };
	int ret;

	if (!in)
		return set_err(err, errlen, ENOMEM, "store: out of memory");
	ret = sql_list(st, sql_prepare(st, err, errlen, INSTANCE_COLS
		       "WHERE ?1 = 0 OR project_id = ?1 ORDER BY project_id, name", "i", project_id),
		       read_instance, in, &(struct list_box){ NULL, &cb, call_with_children },
		       err, errlen);
	free(in);
	return ret;
}

int store__instance_set_status(struct store *st, s64 id, enum instance_status status,
			       const char *message, char *err, size_t errlen)
{
	int ret = store__begin(st, err, errlen);

	if (ret)
		return ret;
	/* last_start moves when the instance becomes RUNNING. */
	ret = sql_exec(st, err, errlen, "UPDATE instances SET status = ?1, status_message = ?2, "
		       "last_start = CASE WHEN ?1 = ?3 THEN ?4 ELSE last_start END WHERE id = ?5",
		       "dsdii", (int)status, message ? message : "", (int)INSTANCE_RUNNING,
		       store_now(), id);
	if (!ret && !sqlite3_changes(st->db))
		ret = set_err(err, errlen, ENOENT, "the instance was not found");
	return sql_tx_end(st, ret, err, errlen);
}

int store__instance_update(struct store *st, const struct store_instance *in, char *err,
			   size_t errlen)
{
	int ret = store__begin(st, err, errlen);

	if (ret)
		return ret;
	ret = sql_exec(st, err, errlen, "UPDATE instances SET machine_type = ?, "
		       "min_cpu_platform = ?, nested = ? WHERE id = ?", "ssdi", in->machine_type,
		       in->min_cpu_platform, (int)in->nested, in->id);
	if (!ret && !sqlite3_changes(st->db))
		ret = set_err(err, errlen, ENOENT, "instance '%s' was not found", in->name);
	return sql_tx_end(st, ret, err, errlen);
}

int store__instance_delete(struct store *st, s64 id, char *err, size_t errlen)
{
	int ret = store__begin(st, err, errlen);

	if (ret)
		return ret;
	/* Children go with it: ON DELETE CASCADE. */
	ret = sql_exec(st, err, errlen, "DELETE FROM instances WHERE id = ?", "i", id);
	return sql_tx_end(st, ret, err, errlen);
}

int store__instance_count(struct store *st, s64 project_id, char *err, size_t errlen)
{
	s64 n = 0;
	int ret = sql_count(st, err, errlen, &n, "SELECT count(*) FROM instances "
			    "WHERE ?1 = 0 OR project_id = ?1", "i", project_id);

	return ret ? ret : (int)n;
}
