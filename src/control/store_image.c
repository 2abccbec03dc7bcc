/* The store's images: per project, or public (project 0) for every project to use. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control/store_internal.h"

#define IMAGE_COLS "SELECT id, ifnull(project_id, 0), name, family, description, kernel, " \
		   "initrd, disk, kvm_modules, created FROM images "

static void read_image(sqlite3_stmt *s, void *out)
{
	struct store_image *img = out;

	img->id = sqlite3_column_int64(s, 0);
	img->project_id = sqlite3_column_int64(s, 1);
	sql_col_text(s, 2, img->name, sizeof(img->name));
	sql_col_text(s, 3, img->family, sizeof(img->family));
	sql_col_text(s, 4, img->description, sizeof(img->description));
	sql_col_text(s, 5, img->kernel, sizeof(img->kernel));
	sql_col_text(s, 6, img->initrd, sizeof(img->initrd));
	sql_col_text(s, 7, img->disk, sizeof(img->disk));
	img->kvm_modules = sqlite3_column_int(s, 8);
	img->created = sqlite3_column_int64(s, 9);
}

static int call_image(const struct list_box *b, const void *row)
{
	return ((store_image_fn)b->fn)(row, b->arg);
}

int store__image_get(struct store *st, s64 project_id, const char *name, struct store_image *out,
		     char *err, size_t errlen)
{
	char what[160];

	snprintf(what, sizeof(what), "image '%s'", name);
	/* The project's own image wins over a public one of the same name. */
	return sql_get_one(st, sql_prepare(st, err, errlen, IMAGE_COLS
			   "WHERE name = ?1 AND ifnull(project_id, 0) IN (?2, 0) "
			   "ORDER BY ifnull(project_id, 0) DESC LIMIT 1", "si", name, project_id),
			   read_image, out, err, errlen, what);
}

int store__image_insert(struct store *st, struct store_image *img, char *err, size_t errlen)
{
	int ret = store__begin(st, err, errlen);

	if (ret)
		return ret;
	img->created = store_now();
	ret = sql_exec(st, err, errlen, "INSERT INTO images (project_id, name, family, "
		       "description, kernel, initrd, disk, kvm_modules, created) "
		       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", "Issssssdi",
		       img->project_id, img->name, img->family, img->description, img->kernel,
		       img->initrd, img->disk, img->kvm_modules, img->created);
	if (ret == -EEXIST)
		set_err(err, errlen, EEXIST, "image '%s' already exists", img->name);
	if (!ret)
		img->id = sqlite3_last_insert_rowid(st->db);
	return sql_tx_end(st, ret, err, errlen);
}

int store__image_list(struct store *st, s64 project_id, store_image_fn fn, void *arg,
		      char *err, size_t errlen)
{
	struct store_image img;

	return sql_list(st, sql_prepare(st, err, errlen, IMAGE_COLS
			"WHERE ifnull(project_id, 0) IN (?1, 0) ORDER BY project_id IS NULL, name",
			"i", project_id),
			read_image, &img, &(struct list_box){ (void (*)(void))fn, arg, call_image },
			err, errlen);
}

int store__image_delete(struct store *st, s64 id, char *err, size_t errlen)
{
	s64 users = 0;
	int ret = store__begin(st, err, errlen);

	if (ret)
		return ret;
	ret = sql_count(st, err, errlen, &users, "SELECT count(*) FROM instances WHERE image_id = ?",
			"i", id);
	if (!ret && users)
		ret = set_err(err, errlen, ENOTEMPTY, "the image is used by %lld instance(s)",
			      (long long)users);
	if (!ret)
		ret = sql_exec(st, err, errlen, "DELETE FROM images WHERE id = ?", "i", id);
	return sql_tx_end(st, ret, err, errlen);
}
