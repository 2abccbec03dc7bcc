/* What the store's files share: the handle and small SQL helpers (not for other modules). */
#ifndef NV_CONTROL_STORE_INTERNAL_H
#define NV_CONTROL_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>

#include "control/store.h"

struct store {
	sqlite3 *db;
	int tx_depth;
};

/*
 * Prepares sql and binds one argument per character of types:
 *   i s64, I s64 bound as NULL when 0, s text, S text bound as NULL when empty, d int.
 * Returns NULL (and err set) on failure.
 */
sqlite3_stmt *sql_prepare(struct store *st, char *err, size_t errlen, const char *sql,
			  const char *types, ...);
/* Prepares, binds and steps sql to its end; 0 or -errno with err set. */
int sql_exec(struct store *st, char *err, size_t errlen, const char *sql, const char *types, ...);
/* Maps an SQLite result to -errno and a message starting with what. */
int sql_fail(struct store *st, int rc, char *err, size_t errlen, const char *what);
/* Steps a query expected to give one integer (a count); -errno on failure. */
int sql_count(struct store *st, char *err, size_t errlen, s64 *out, const char *sql,
	      const char *types, ...);
void sql_col_text(sqlite3_stmt *s, int col, char *buf, size_t len);
/* A typed callback carried through list_rows; call casts it back to its real type. */
struct list_box {
	void (*fn)(void);
	void *arg;
	int (*call)(const struct list_box *box, const void *row);
};

/* Steps s once: 0 with the row read into out, -ENOENT ("WHAT was not found") when none. */
int sql_get_one(struct store *st, sqlite3_stmt *s, void (*read)(sqlite3_stmt *, void *),
		void *out, char *err, size_t errlen, const char *what);
/* Runs a listing query, handing each row (read into buf) to the box until it returns non-0. */
int sql_list(struct store *st, sqlite3_stmt *s, void (*read)(sqlite3_stmt *, void *),
	     void *buf, const struct list_box *box, char *err, size_t errlen);
/* Commits when ret is 0, rolls back otherwise; returns ret or the commit's failure. */
int sql_tx_end(struct store *st, int ret, char *err, size_t errlen);
s64 store_now(void);

/* schema.c: the ordered migrations, migration i bringing the schema to version i + 1. */
int schema__count(void);
const char *schema__migration(int i);

#endif
