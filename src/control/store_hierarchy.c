/* The store's resource hierarchy: organizations > folders (nestable) > projects, and policies. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control/store_internal.h"

static void read_org(sqlite3_stmt *s, void *out)
{
	struct store_org *o = out;

	o->id = sqlite3_column_int64(s, 0);
	sql_col_text(s, 1, o->name, sizeof(o->name));
	o->created = sqlite3_column_int64(s, 2);
}

static void read_folder(sqlite3_stmt *s, void *out)
{
	struct store_folder *f = out;

	f->id = sqlite3_column_int64(s, 0);
	sql_col_text(s, 1, f->name, sizeof(f->name));
	f->org_id = sqlite3_column_int64(s, 2);
	f->parent_id = sqlite3_column_int64(s, 3);
	f->created = sqlite3_column_int64(s, 4);
}

static void read_project(sqlite3_stmt *s, void *out)
{
	struct store_project *p = out;

	p->id = sqlite3_column_int64(s, 0);
	sql_col_text(s, 1, p->name, sizeof(p->name));
	p->org_id = sqlite3_column_int64(s, 2);
	p->folder_id = sqlite3_column_int64(s, 3);
	p->created = sqlite3_column_int64(s, 4);
}

#define ORG_COLS "SELECT id, name, created FROM organizations "
#define FOLDER_COLS "SELECT id, name, org_id, ifnull(parent_id, 0), created FROM folders "
#define PROJECT_COLS "SELECT id, name, org_id, ifnull(folder_id, 0), created FROM projects "

int store__org_get(struct store *st, const char *name, struct store_org *out,
		   char *err, size_t errlen)
{
	char what[128];

	snprintf(what, sizeof(what), "organization '%s'", name);
	return sql_get_one(st, sql_prepare(st, err, errlen, ORG_COLS "WHERE name = ?", "s", name),
		       read_org, out, err, errlen, what);
}

int store__org_get_id(struct store *st, s64 id, struct store_org *out, char *err, size_t errlen)
{
	return sql_get_one(st, sql_prepare(st, err, errlen, ORG_COLS "WHERE id = ?", "i", id),
		       read_org, out, err, errlen,
		       "the organization");
}

int store__folder_get(struct store *st, const char *name, struct store_folder *out,
		      char *err, size_t errlen)
{
	char what[128];

	snprintf(what, sizeof(what), "folder '%s'", name);
	return sql_get_one(st, sql_prepare(st, err, errlen, FOLDER_COLS "WHERE name = ?", "s", name),
		       read_folder, out, err, errlen, what);
}

int store__folder_get_id(struct store *st, s64 id, struct store_folder *out,
			 char *err, size_t errlen)
{
	return sql_get_one(st, sql_prepare(st, err, errlen, FOLDER_COLS "WHERE id = ?", "i", id),
		       read_folder, out, err, errlen,
		       "the folder");
}

int store__project_get(struct store *st, const char *name, struct store_project *out,
		       char *err, size_t errlen)
{
	char what[128];

	snprintf(what, sizeof(what), "project '%s'", name);
	return sql_get_one(st, sql_prepare(st, err, errlen, PROJECT_COLS "WHERE name = ?", "s", name),
		       read_project, out, err, errlen, what);
}

int store__project_get_id(struct store *st, s64 id, struct store_project *out,
			  char *err, size_t errlen)
{
	return sql_get_one(st, sql_prepare(st, err, errlen, PROJECT_COLS "WHERE id = ?", "i", id),
			   read_project, out, err, errlen, "the project");
}

int store__org_insert(struct store *st, const char *name, struct store_org *out,
		      char *err, size_t errlen)
{
	int ret = store__begin(st, err, errlen);

	if (ret)
		return ret;
	ret = sql_exec(st, err, errlen, "INSERT INTO organizations (name, created) VALUES (?, ?)",
		       "si", name, store_now());
	if (ret == -EEXIST)
		set_err(err, errlen, EEXIST, "organization '%s' already exists", name);
	if (!ret)
		ret = store__org_get(st, name, out, err, errlen);
	return sql_tx_end(st, ret, err, errlen);
}

int store__folder_insert(struct store *st, const char *name, s64 org_id, s64 parent_id,
			 struct store_folder *out, char *err, size_t errlen)
{
	int ret = store__begin(st, err, errlen);

	if (ret)
		return ret;
	ret = sql_exec(st, err, errlen,
		       "INSERT INTO folders (name, org_id, parent_id, created) VALUES (?, ?, ?, ?)",
		       "siIi", name, org_id, parent_id, store_now());
	if (ret == -EEXIST)
		set_err(err, errlen, EEXIST, "folder '%s' already exists", name);
	if (!ret)
		ret = store__folder_get(st, name, out, err, errlen);
	return sql_tx_end(st, ret, err, errlen);
}

int store__project_insert(struct store *st, const char *name, s64 org_id, s64 folder_id,
			  struct store_project *out, char *err, size_t errlen)
{
	int ret = store__begin(st, err, errlen);

	if (ret)
		return ret;
	ret = sql_exec(st, err, errlen,
		       "INSERT INTO projects (name, org_id, folder_id, created) VALUES (?, ?, ?, ?)",
		       "siIi", name, org_id, folder_id, store_now());
	if (ret == -EEXIST)
		set_err(err, errlen, EEXIST, "project '%s' already exists", name);
	if (!ret)
		ret = store__project_get(st, name, out, err, errlen);
	return sql_tx_end(st, ret, err, errlen);
}

static int call_org(const struct list_box *b, const void *row)
{
	return ((store_org_fn)b->fn)(row, b->arg);
}

static int call_folder(const struct list_box *b, const void *row)
{
	return ((store_folder_fn)b->fn)(row, b->arg);
}

static int call_project(const struct list_box *b, const void *row)
{
	return ((store_project_fn)b->fn)(row, b->arg);
}

int store__org_list(struct store *st, store_org_fn fn, void *arg, char *err, size_t errlen)
{
	struct store_org o;

	return sql_list(st, sql_prepare(st, err, errlen, ORG_COLS "ORDER BY name", NULL),
			 read_org, &o,
			 &(struct list_box){ (void (*)(void))fn, arg, call_org }, err, errlen);
}

int store__folder_list(struct store *st, s64 org_id, store_folder_fn fn, void *arg,
		       char *err, size_t errlen)
{
	struct store_folder f;

	return sql_list(st, sql_prepare(st, err, errlen,
					 FOLDER_COLS "WHERE ?1 = 0 OR org_id = ?1 ORDER BY name",
					 "i", org_id),
			 read_folder, &f,
			 &(struct list_box){ (void (*)(void))fn, arg, call_folder }, err, errlen);
}

int store__project_list(struct store *st, s64 org_id, store_project_fn fn, void *arg,
			char *err, size_t errlen)
{
	struct store_project p;

	return sql_list(st, sql_prepare(st, err, errlen,
					 PROJECT_COLS "WHERE ?1 = 0 OR org_id = ?1 ORDER BY name",
					 "i", org_id),
			 read_project, &p,
			 &(struct list_box){ (void (*)(void))fn, arg, call_project }, err, errlen);
}

/* Deletes one row after checking that nothing below it remains (the message names what). */
static int delete_checked(struct store *st, const char *table, s64 id, const char *what,
			  const char *const *child_sql, const char *const *child_names,
			  char *err, size_t errlen)
{
	char sql[128];
	int ret = store__begin(st, err, errlen);

	for (int i = 0; !ret && child_sql[i]; i++) {
		s64 n = 0;

		ret = sql_count(st, err, errlen, &n, child_sql[i], "i", id);
		if (!ret && n)
			ret = set_err(err, errlen, ENOTEMPTY, "%s still holds %lld %s", what,
				      (long long)n, child_names[i]);
	}
	snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE id = ?", table);
	if (!ret)
		ret = sql_exec(st, err, errlen, sql, "i", id);
	return sql_tx_end(st, ret, err, errlen);
}

int store__org_delete(struct store *st, const char *name, char *err, size_t errlen)
{
	static const char *const sql[] = {
		"SELECT count(*) FROM folders WHERE org_id = ?",
		"SELECT count(*) FROM projects WHERE org_id = ?", NULL };
	static const char *const names[] = { "folder(s)", "project(s)" };
	struct store_org o;
	char what[128];
	int ret = store__org_get(st, name, &o, err, errlen);

	if (ret)
		return ret;
	snprintf(what, sizeof(what), "organization '%s'", name);
	return delete_checked(st, "organizations", o.id, what, sql, names, err, errlen);
}

int store__folder_delete(struct store *st, const char *name, char *err, size_t errlen)
{
	static const char *const sql[] = {
		"SELECT count(*) FROM folders WHERE parent_id = ?",
		"SELECT count(*) FROM projects WHERE folder_id = ?", NULL };
	static const char *const names[] = { "folder(s)", "project(s)" };
	struct store_folder f;
	char what[128];
	int ret = store__folder_get(st, name, &f, err, errlen);

	if (ret)
		return ret;
	snprintf(what, sizeof(what), "folder '%s'", name);
	return delete_checked(st, "folders", f.id, what, sql, names, err, errlen);
}

int store__project_delete(struct store *st, const char *name, char *err, size_t errlen)
{
	static const char *const sql[] = {
		"SELECT count(*) FROM instances WHERE project_id = ?",
		"SELECT count(*) FROM images WHERE project_id = ?", NULL };
	static const char *const names[] = { "instance(s)", "image(s)" };
	struct store_project p;
	char what[128];
	int ret = store__project_get(st, name, &p, err, errlen);

	if (ret)
		return ret;
	snprintf(what, sizeof(what), "project '%s'", name);
	return delete_checked(st, "projects", p.id, what, sql, names, err, errlen);
}

static const char *policy_column(enum resource_kind kind)
{
	return kind == RES_ORGANIZATION ? "org_id" : kind == RES_FOLDER ? "folder_id" : "project_id";
}

int store__policy_get(struct store *st, enum resource_kind kind, s64 id, const char *constraint,
		      enum policy_setting *out, char *err, size_t errlen)
{
	char sql[160];
	s64 v = -1;
	int ret;

	snprintf(sql, sizeof(sql), "SELECT ifnull(max(enforced), -1) FROM policies "
		 "WHERE constraint_name = ? AND %s = ?", policy_column(kind));
	ret = sql_count(st, err, errlen, &v, sql, "si", constraint, id);
	*out = v < 0 ? POLICY_INHERIT : v ? POLICY_TRUE : POLICY_FALSE;
	return ret;
}

int store__policy_set(struct store *st, enum resource_kind kind, s64 id, const char *constraint,
		      enum policy_setting setting, char *err, size_t errlen)
{
	char sql[192];
	int ret = store__begin(st, err, errlen);

	if (ret)
		return ret;
	snprintf(sql, sizeof(sql), "DELETE FROM policies WHERE constraint_name = ? AND %s = ?",
		 policy_column(kind));
	ret = sql_exec(st, err, errlen, sql, "si", constraint, id);
	if (!ret && setting != POLICY_INHERIT) {
		snprintf(sql, sizeof(sql), "INSERT INTO policies (constraint_name, %s, enforced, "
			 "updated) VALUES (?, ?, ?, ?)", policy_column(kind));
		ret = sql_exec(st, err, errlen, sql, "sidi", constraint, id,
			       setting == POLICY_TRUE, store_now());
	}
	return sql_tx_end(st, ret, err, errlen);
}
