/* The store's access-control bindings: a role a uid holds on an organization, folder, project. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control/store_internal.h"

static const char *column(enum resource_kind kind)
{
	return kind == RES_ORGANIZATION ? "org_id" : kind == RES_FOLDER ? "folder_id" : "project_id";
}

static int bad_role(enum iam_role role, char *err, size_t errlen)
{
	if (role < IAM_VIEWER || role > IAM_ADMIN)
		return set_err(err, errlen, EINVAL, "store: role %d is not a role", (int)role);
	return 0;
}

int store__iam_add(struct store *st, enum resource_kind kind, s64 id, u32 uid,
		   enum iam_role role, bool *added, char *err, size_t errlen)
{
	char sql[160];
	int ret = bad_role(role, err, errlen);

	*added = false;
	if (ret)
		return ret;
	/* The unique index per resource kind makes a binding that exists a no-op. */
	snprintf(sql, sizeof(sql), "INSERT OR IGNORE INTO iam_bindings (%s, member_uid, role, "
		 "created) VALUES (?, ?, ?, ?)", column(kind));
	ret = sql_exec(st, err, errlen, sql, "iidi", id, (s64)uid, (int)role, store_now());
	*added = !ret && sqlite3_changes(st->db) > 0;
	return ret;
}

int store__iam_remove(struct store *st, enum resource_kind kind, s64 id, u32 uid,
		      enum iam_role role, char *err, size_t errlen)
{
	char sql[160];
	int ret = bad_role(role, err, errlen);

	if (ret)
		return ret;
	snprintf(sql, sizeof(sql), "DELETE FROM iam_bindings WHERE %s = ? AND member_uid = ? "
		 "AND role = ?", column(kind));
	ret = sql_exec(st, err, errlen, sql, "iid", id, (s64)uid, (int)role);
	if (!ret && !sqlite3_changes(st->db))
		ret = set_err(err, errlen, ENOENT, "uid:%u holds no such role on this %s", uid,
			      store__kind_name(kind));
	return ret;
}

static void read_binding(sqlite3_stmt *s, void *out)
{
	struct store_binding *b = out;

	b->uid = (u32)sqlite3_column_int64(s, 0);
	b->role = (enum iam_role)sqlite3_column_int(s, 1);
	b->created = sqlite3_column_int64(s, 2);
}

static int call_binding(const struct list_box *box, const void *row)
{
	return ((store_binding_fn)box->fn)(row, box->arg);
}

int store__iam_list(struct store *st, enum resource_kind kind, s64 id, store_binding_fn fn,
		    void *arg, char *err, size_t errlen)
{
	struct store_binding b = { .kind = kind, .resource_id = id };
	char sql[160];

	snprintf(sql, sizeof(sql), "SELECT member_uid, role, created FROM iam_bindings WHERE "
		 "%s = ? ORDER BY role DESC, member_uid", column(kind));
	return sql_list(st, sql_prepare(st, err, errlen, sql, "i", id), read_binding, &b,
			&(struct list_box){ (void (*)(void))fn, arg, call_binding }, err, errlen);
}

int store__iam_role(struct store *st, enum resource_kind kind, s64 id, u32 uid,
		    enum iam_role *out, char *err, size_t errlen)
{
	char sql[160];
	s64 v = 0;
	int ret;

	snprintf(sql, sizeof(sql), "SELECT ifnull(max(role), 0) FROM iam_bindings WHERE %s = ? "
		 "AND member_uid = ?", column(kind));
	ret = sql_count(st, err, errlen, &v, sql, "ii", id, (s64)uid);
	*out = ret ? IAM_NONE : (enum iam_role)v;
	return ret;
}
