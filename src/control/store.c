/*
 * The store's core: opening the database (WAL, foreign keys, busy timeout), applying the
 * schema migrations in one transaction, nested transactions and the SQL helpers.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "control/store_internal.h"
#include "util/log.h"

#define BUSY_TIMEOUT_MS 5000

/*
 * The daemon's threads each have their own connection (the API's, the runner's dispatcher
 * and workers'); WAL lets them read at once, but one writes at a time. Waiting for the write
 * lock in SQLite's busy handler means sleeping 25 to 100 ms a try once a few tries failed,
 * long after the lock came free; so the outermost transactions of this process queue on this
 * mutex instead, and a writer starts as soon as the previous one commits. The busy timeout
 * still covers writes outside a transaction. A thread must not begin a transaction on a second
 * store while it holds one (none does).
 */
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;

s64 store_now(void)
{
	return (s64)time(NULL);
}

int sql_fail(struct store *st, int rc, char *err, size_t errlen, const char *what)
{
	const char *msg = st && st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc);
	int ext = st && st->db ? sqlite3_extended_errcode(st->db) : rc;
	int e = EIO;

	if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
		e = EEXIST;
	else if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
		e = ENOTEMPTY;
	else if ((rc & 0xff) == SQLITE_CONSTRAINT)
		e = EINVAL;
	else if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		e = EBUSY;
	else if ((rc & 0xff) == SQLITE_FULL)
		e = ENOSPC;
	else if ((rc & 0xff) == SQLITE_READONLY || (rc & 0xff) == SQLITE_CANTOPEN)
		e = EACCES;
	return set_err(err, errlen, e, "%s: %s", what, msg);
}

static int bind_args(sqlite3_stmt *s, const char *types, va_list ap)
{
	int rc = SQLITE_OK;

	for (int i = 1; types && *types && rc == SQLITE_OK; types++, i++) {
		s64 v;
		const char *t;

		switch (*types) {
		case 'i':
		case 'I':
			v = va_arg(ap, s64);
			rc = (*types == 'I' && !v) ? sqlite3_bind_null(s, i) :
			     sqlite3_bind_int64(s, i, v);
			break;
		case 's':
		case 'S':
			t = va_arg(ap, const char *);
			rc = (*types == 'S' && (!t || !*t)) ? sqlite3_bind_null(s, i) :
			     sqlite3_bind_text(s, i, t ? t : "", -1, SQLITE_TRANSIENT);
			break;
		case 'd':
			rc = sqlite3_bind_int(s, i, va_arg(ap, int));
			break;
		default:
			return SQLITE_MISUSE;
		}
	}
	return rc;
}

static sqlite3_stmt *vprepare(struct store *st, char *err, size_t errlen, const char *sql,
			      const char *types, va_list ap)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);

	if (rc == SQLITE_OK)
		rc = bind_args(s, types, ap);
	if (rc != SQLITE_OK) {
		sql_fail(st, rc, err, errlen, "store: preparing a query");
		sqlite3_finalize(s);
		return NULL;
	}
	return s;
}

sqlite3_stmt *sql_prepare(struct store *st, char *err, size_t errlen, const char *sql,
			  const char *types, ...)
{
	sqlite3_stmt *s;
	va_list ap;

	va_start(ap, types);
	s = vprepare(st, err, errlen, sql, types, ap);
	va_end(ap);
	return s;
}

int sql_exec(struct store *st, char *err, size_t errlen, const char *sql, const char *types, ...)
{
	sqlite3_stmt *s;
	va_list ap;
	int rc;

	va_start(ap, types);
	s = vprepare(st, err, errlen, sql, types, ap);
	va_end(ap);
	if (!s)
		return -EIO;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		;
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : sql_fail(st, rc, err, errlen, "store");
}

int sql_count(struct store *st, char *err, size_t errlen, s64 *out, const char *sql,
	      const char *types, ...)
{
	sqlite3_stmt *s;
	va_list ap;
	int rc;

	va_start(ap, types);
	s = vprepare(st, err, errlen, sql, types, ap);
	va_end(ap);
	if (!s)
		return -EIO;
	rc = sqlite3_step(s);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sql_fail(st, rc, err, errlen, "store");
}

void sql_col_text(sqlite3_stmt *s, int col, char *buf, size_t len)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	snprintf(buf, len, "%s", t ? (const char *)t : "");
}

/* Steps s once: 0 with the row read by fn, -ENOENT (message: what) when there is none. */
int sql_get_one(struct store *st, sqlite3_stmt *s, void (*read)(sqlite3_stmt *, void *),
		   void *out, char *err, size_t errlen, const char *what)
{
	int rc;

	if (!s)
		return -EIO;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		read(s, out);
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return set_err(err, errlen, ENOENT, "%s was not found", what);
	return sql_fail(st, rc, err, errlen, "store");
}

/* Runs a listing query, handing each row (read into buf) to the box until it returns non-0. */
int sql_list(struct store *st, sqlite3_stmt *s, void (*read)(sqlite3_stmt *, void *),
		     void *buf, const struct list_box *box, char *err, size_t errlen)
{
	int rc, ret = 0;

	if (!s)
		return -EIO;
	while (!ret && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		read(s, buf);
		ret = box->call(box, buf);
	}
	sqlite3_finalize(s);
	if (ret)
		return ret > 0 ? 0 : ret;
	return rc == SQLITE_DONE ? 0 : sql_fail(st, rc, err, errlen, "store");
}

int store__begin(struct store *st, char *err, size_t errlen)
{
	char sql[32];

	if (st->tx_depth == 0) {
		pthread_mutex_lock(&write_lock);
		snprintf(sql, sizeof(sql), "BEGIN IMMEDIATE");
	} else {
		snprintf(sql, sizeof(sql), "SAVEPOINT sp%d", st->tx_depth);
	}
	if (sql_exec(st, err, errlen, sql, NULL)) {
		if (st->tx_depth == 0)
			pthread_mutex_unlock(&write_lock);
		return -EBUSY;
	}
	st->tx_depth++;
	return 0;
}

int store__commit(struct store *st, char *err, size_t errlen)
{
	char sql[32];
	int ret;

	if (st->tx_depth <= 0)
		return set_err(err, errlen, EINVAL, "store: commit without a transaction");
	if (st->tx_depth == 1)
		snprintf(sql, sizeof(sql), "COMMIT");
	else
		snprintf(sql, sizeof(sql), "RELEASE sp%d", st->tx_depth - 1);
	ret = sql_exec(st, err, errlen, sql, NULL);
	if (ret) {
		store__rollback(st);
		return ret;
	}
	if (--st->tx_depth == 0)
		pthread_mutex_unlock(&write_lock);
	return 0;
}

void store__rollback(struct store *st)
{
	char sql[64];

	if (st->tx_depth <= 0)
		return;
	st->tx_depth--;
	if (st->tx_depth == 0) {
		/* SQLite may have rolled back already (on SQLITE_FULL, say). */
		if (!sqlite3_get_autocommit(st->db))
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		pthread_mutex_unlock(&write_lock);
		return;
	}
	snprintf(sql, sizeof(sql), "ROLLBACK TO sp%d; RELEASE sp%d", st->tx_depth, st->tx_depth);
	sqlite3_exec(st->db, sql, NULL, NULL, NULL);
}

int sql_tx_end(struct store *st, int ret, char *err, size_t errlen)
{
	if (ret) {
		store__rollback(st);
		return ret;
	}
	return store__commit(st, err, errlen);
}

int store__end(struct store *st, int ret, char *err, size_t errlen)
{
	return sql_tx_end(st, ret, err, errlen);
}

int store__latest_schema_version(void)
{
	return schema__count();
}

int store__schema_version(struct store *st)
{
	s64 v = 0;

	if (sql_count(st, NULL, 0, &v, "SELECT ifnull(max(version), 0) FROM schema_version", NULL))
		return -EIO;
	return (int)v;
}

static int apply_migrations(struct store *st, char *err, size_t errlen)
{
	int have, ret;

	ret = sql_exec(st, err, errlen, "CREATE TABLE IF NOT EXISTS schema_version ("
		       "version INTEGER PRIMARY KEY, applied INTEGER NOT NULL)", NULL);
	if (ret)
		return ret;
	have = store__schema_version(st);
	if (have < 0)
		return set_err(err, errlen, EIO, "store: cannot read the schema version");
	if (have > schema__count())
		return set_err(err, errlen, EPROTO,
			       "store: the state was written by a newer nestvisor (schema %d, this one knows %d)",
			       have, schema__count());
	for (int i = have; i < schema__count(); i++) {
		char *msg = NULL;

		if (sqlite3_exec(st->db, schema__migration(i), NULL, NULL, &msg) != SQLITE_OK) {
			ret = set_err(err, errlen, EIO, "store: migration %d failed: %s", i + 1,
				      msg ? msg : "?");
			sqlite3_free(msg);
			return ret;
		}
		ret = sql_exec(st, err, errlen, "INSERT INTO schema_version VALUES (?, ?)", "di",
			       i + 1, store_now());
		if (ret)
			return ret;
		pr_info("store: schema migrated to version %d", i + 1);
	}
	return 0;
}

static int set_pragmas(struct store *st, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	char mode[16] = "";

	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	s = sql_prepare(st, err, errlen, "PRAGMA journal_mode=WAL", NULL);
	if (!s)
		return -EIO;
	if (sqlite3_step(s) == SQLITE_ROW)
		sql_col_text(s, 0, mode, sizeof(mode));
	sqlite3_finalize(s);
	if (strcmp(mode, "wal"))
		return set_err(err, errlen, EIO, "store: cannot switch to WAL mode (got '%s')", mode);
	/* FULL: a transaction that returned is on disk, even across a power cut. */
	return sql_exec(st, err, errlen, "PRAGMA synchronous=FULL", NULL) ?:
	       sql_exec(st, err, errlen, "PRAGMA foreign_keys=ON", NULL);
}

static int open_db(struct store *st, const char *dir, char *err, size_t errlen)
{
	char path[4096];
	int rc;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return set_err(err, errlen, errno, "store: cannot create %s: %s", dir, strerror(errno));
	if (snprintf(path, sizeof(path), "%s/nestvisor.db", dir) >= (int)sizeof(path))
		return set_err(err, errlen, ENAMETOOLONG, "store: state directory path too long");
	rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK)
		return set_err(err, errlen, EACCES, "store: cannot open %s: %s", path,
			       st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
	sqlite3_extended_result_codes(st->db, 1);
	return 0;
}

int store__open(struct store **out, const char *dir, char *err, size_t errlen)
{
	struct store *st = calloc(1, sizeof(*st));
	int ret;

	if (!st)
		return set_err(err, errlen, ENOMEM, "store: out of memory");
	ret = open_db(st, dir, err, errlen);
	if (!ret)
		ret = set_pragmas(st, err, errlen);
	if (!ret)
		ret = store__begin(st, err, errlen);
	if (!ret)
		ret = sql_tx_end(st, apply_migrations(st, err, errlen), err, errlen);
	if (ret) {
		store__close(st);
		return ret;
	}
	*out = st;
	return 0;
}

void store__close(struct store *st)
{
	if (!st)
		return;
	/* An open transaction holds write_lock: give both up. */
	while (st->tx_depth > 0)
		store__rollback(st);
	sqlite3_close(st->db);
	free(st);
}

const char *store__status_name(enum instance_status status)
{
	static const char *const names[] = { "PROVISIONING", "STAGING", "RUNNING", "STOPPING",
					     "TERMINATED" };

	return (unsigned)status < ARRAY_SIZE(names) ? names[status] : "UNKNOWN";
}

const char *store__op_status_name(enum op_status status)
{
	static const char *const names[] = { "PENDING", "RUNNING", "DONE" };

	return (unsigned)status < ARRAY_SIZE(names) ? names[status] : "UNKNOWN";
}

const char *store__kind_name(enum resource_kind kind)
{
	static const char *const names[] = { "organization", "folder", "project" };

	return (unsigned)kind < ARRAY_SIZE(names) ? names[kind] : "resource";
}

const char *store__collection(enum resource_kind kind)
{
	static const char *const names[] = { "organizations", "folders", "projects" };

	return (unsigned)kind < ARRAY_SIZE(names) ? names[kind] : "resources";
}
