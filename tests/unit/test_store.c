/* Unit tests for the control plane's SQLite store: migrations, hierarchy, atomic mutations. */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/store.h"
#include "tap.h"

static char dir[64];
static char err[512];

static struct store *fresh(void)
{
	struct store *st = NULL;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (dir[0] && system(cmd))
		return NULL;
	snprintf(dir, sizeof(dir), "/tmp/nv-store-XXXXXX");
	if (!mkdtemp(dir))
		return NULL;
	if (store__open(&st, dir, err, sizeof(err)))
		printf("# open: %s\n", err);
	return st;
}

static struct store *reopen(struct store *st)
{
	struct store *n = NULL;

	store__close(st);
	if (store__open(&n, dir, err, sizeof(err)))
		printf("# reopen: %s\n", err);
	return n;
}

static void test_open_migrates(void)
{
	struct store *st = fresh();
	char path[128];
	sqlite3 *db;
	sqlite3_stmt *s;

	CHECK(st);
	if (!st)
		return;
	CHECK_EQ(store__schema_version(st), store__latest_schema_version());
	CHECK(store__latest_schema_version() >= 2);
	store__close(st);
	/* WAL mode is persistent in the file: a plain connection sees it. */
	snprintf(path, sizeof(path), "%s/nestvisor.db", dir);
	CHECK_EQ(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
	CHECK_EQ(sqlite3_step(s), SQLITE_ROW);
	CHECK_STR((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	sqlite3_close(db);
}

static void test_newer_schema_refused(void)
{
	struct store *st = fresh();
	char path[128];
	sqlite3 *db;

	store__close(st);
	snprintf(path, sizeof(path), "%s/nestvisor.db", dir);
	CHECK_EQ(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_EQ(sqlite3_exec(db, "INSERT INTO schema_version VALUES (999, 0)", NULL, NULL, NULL),
		 SQLITE_OK);
	sqlite3_close(db);
	st = NULL;
	CHECK_EQ(store__open(&st, dir, err, sizeof(err)), -EPROTO);
	CHECK(strstr(err, "newer nestvisor"));
}

static void test_old_schema_upgraded(void)
{
	struct store *st = fresh();
	char path[128];
	sqlite3 *db;

	CHECK(store__org_insert(st, "o1", &(struct store_org){ 0 }, err, sizeof(err)) == 0);
	store__close(st);
	/* Pretend the file was written at version 1: undo migrations 2 and 3 and their records. */
	snprintf(path, sizeof(path), "%s/nestvisor.db", dir);
	CHECK_EQ(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_EQ(sqlite3_exec(db, "DROP INDEX instances_status; DROP INDEX operations_unfinished;"
			      "DROP INDEX operations_target; DROP TABLE iam_bindings; DELETE FROM "
			      "schema_version WHERE version >= 2", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	st = NULL;
	CHECK_EQ(store__open(&st, dir, err, sizeof(err)), 0);
	CHECK_EQ(store__schema_version(st), store__latest_schema_version());
	CHECK_EQ(store__org_get(st, "o1", &(struct store_org){ 0 }, err, sizeof(err)), 0);
	store__close(st);
}

/* A state directory of the release before access control (schema 2) gains its table. */
static void test_schema2_gains_iam(void)
{
	struct store *st = fresh();
	struct store_org o;
	enum iam_role r = IAM_NONE;
	bool added = false;
	char path[128];
	sqlite3 *db;

	CHECK_EQ(store__org_insert(st, "o1", &o, err, sizeof(err)), 0);
	store__close(st);
	snprintf(path, sizeof(path), "%s/nestvisor.db", dir);
	CHECK_EQ(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_EQ(sqlite3_exec(db, "DROP TABLE iam_bindings; DELETE FROM schema_version "
			      "WHERE version = 3", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	st = NULL;
	CHECK_EQ(store__open(&st, dir, err, sizeof(err)), 0);
	if (!st)
		return;
	CHECK_EQ(store__schema_version(st), 3);
	CHECK_EQ(store__org_get(st, "o1", &o, err, sizeof(err)), 0);
	CHECK_EQ(store__iam_add(st, RES_ORGANIZATION, o.id, 1000, IAM_EDITOR, &added, err,
				sizeof(err)), 0);
	CHECK(added);
	CHECK_EQ(store__iam_role(st, RES_ORGANIZATION, o.id, 1000, &r, err, sizeof(err)), 0);
	CHECK_EQ(r, IAM_EDITOR);
	store__close(st);
}

static int count_binding(const struct store_binding *b, void *arg)
{
	(*(int *)arg)++;
	return b->role >= IAM_VIEWER && b->role <= IAM_ADMIN ? 0 : -EINVAL;
}

static void test_iam_rows(void)
{
	struct store *st = fresh();
	struct store_org o;
	struct store_project p;
	enum iam_role r;
	bool added = true;
	int n = 0;

	CHECK_EQ(store__org_insert(st, "o1", &o, err, sizeof(err)), 0);
	CHECK_EQ(store__project_insert(st, "p1", o.id, 0, &p, err, sizeof(err)), 0);
	CHECK_EQ(store__iam_add(st, RES_PROJECT, p.id, 7, IAM_VIEWER, &added, err, sizeof(err)), 0);
	CHECK(added);
	/* Adding it again is not an error, and does not duplicate it. */
	CHECK_EQ(store__iam_add(st, RES_PROJECT, p.id, 7, IAM_VIEWER, &added, err, sizeof(err)), 0);
	CHECK(!added);
	CHECK_EQ(store__iam_add(st, RES_PROJECT, p.id, 7, IAM_ADMIN, &added, err, sizeof(err)), 0);
	CHECK_EQ(store__iam_add(st, RES_PROJECT, p.id, 8, (enum iam_role)9, &added, err,
				sizeof(err)), -EINVAL);
	CHECK_EQ(store__iam_role(st, RES_PROJECT, p.id, 7, &r, err, sizeof(err)), 0);
	CHECK_EQ(r, IAM_ADMIN);
	CHECK_EQ(store__iam_role(st, RES_PROJECT, p.id, 8, &r, err, sizeof(err)), 0);
	CHECK_EQ(r, IAM_NONE);
	/* A binding is on exactly its resource: the organization holds none. */
	CHECK_EQ(store__iam_role(st, RES_ORGANIZATION, o.id, 7, &r, err, sizeof(err)), 0);
	CHECK_EQ(r, IAM_NONE);
	CHECK_EQ(store__iam_list(st, RES_PROJECT, p.id, count_binding, &n, err, sizeof(err)), 0);
	CHECK_EQ(n, 2);
	CHECK_EQ(store__iam_remove(st, RES_PROJECT, p.id, 7, IAM_ADMIN, err, sizeof(err)), 0);
	CHECK_EQ(store__iam_remove(st, RES_PROJECT, p.id, 7, IAM_ADMIN, err, sizeof(err)), -ENOENT);
	CHECK_EQ(store__iam_role(st, RES_PROJECT, p.id, 7, &r, err, sizeof(err)), 0);
	CHECK_EQ(r, IAM_VIEWER);
	/* The bindings go with their project. */
	CHECK_EQ(store__project_delete(st, "p1", err, sizeof(err)), 0);
	CHECK_EQ(store__project_insert(st, "p1", o.id, 0, &p, err, sizeof(err)), 0);
	n = 0;
	CHECK_EQ(store__iam_list(st, RES_PROJECT, p.id, count_binding, &n, err, sizeof(err)), 0);
	CHECK_EQ(n, 0);
	store__close(st);
}

static void test_hierarchy(void)
{
	struct store *st = fresh();
	struct store_org o;
	struct store_folder f1, f2, got;
	struct store_project p;

	CHECK_EQ(store__org_insert(st, "o1", &o, err, sizeof(err)), 0);
	CHECK_EQ(store__org_insert(st, "o1", &o, err, sizeof(err)), -EEXIST);
	CHECK_STR(err, "organization 'o1' already exists");
	CHECK_EQ(store__folder_insert(st, "f1", o.id, 0, &f1, err, sizeof(err)), 0);
	CHECK_EQ(store__folder_insert(st, "f2", o.id, f1.id, &f2, err, sizeof(err)), 0);
	CHECK_EQ(f2.parent_id, f1.id);
	CHECK_EQ(store__project_insert(st, "p1", o.id, f2.id, &p, err, sizeof(err)), 0);
	CHECK_EQ(p.folder_id, f2.id);
	CHECK_EQ(store__folder_get(st, "nope", &got, err, sizeof(err)), -ENOENT);
	CHECK_STR(err, "folder 'nope' was not found");
	/* A parent that does not exist is refused by the foreign key. */
	CHECK(store__folder_insert(st, "f3", o.id, 9999, &got, err, sizeof(err)) < 0);
	CHECK_EQ(store__folder_get(st, "f3", &got, err, sizeof(err)), -ENOENT);
	/* Nothing is deleted while something lives below it. */
	CHECK_EQ(store__folder_delete(st, "f2", err, sizeof(err)), -ENOTEMPTY);
	CHECK(strstr(err, "folder 'f2' still holds 1 project(s)"));
	CHECK_EQ(store__org_delete(st, "o1", err, sizeof(err)), -ENOTEMPTY);
	CHECK_EQ(store__project_delete(st, "p1", err, sizeof(err)), 0);
	CHECK_EQ(store__folder_delete(st, "f2", err, sizeof(err)), 0);
	CHECK_EQ(store__folder_delete(st, "f1", err, sizeof(err)), 0);
	CHECK_EQ(store__org_delete(st, "o1", err, sizeof(err)), 0);
	store__close(st);
}

static void test_policy_rows(void)
{
	struct store *st = fresh();
	struct store_org o;
	enum policy_setting v;
	const char *c = "constraints/compute.disableNestedVirtualization";

	CHECK_EQ(store__org_insert(st, "o1", &o, err, sizeof(err)), 0);
	CHECK_EQ(store__policy_get(st, RES_ORGANIZATION, o.id, c, &v, err, sizeof(err)), 0);
	CHECK_EQ(v, POLICY_INHERIT);
	CHECK_EQ(store__policy_set(st, RES_ORGANIZATION, o.id, c, POLICY_TRUE, err, sizeof(err)), 0);
	CHECK_EQ(store__policy_set(st, RES_ORGANIZATION, o.id, c, POLICY_FALSE, err, sizeof(err)), 0);
	CHECK_EQ(store__policy_get(st, RES_ORGANIZATION, o.id, c, &v, err, sizeof(err)), 0);
	CHECK_EQ(v, POLICY_FALSE);
	CHECK_EQ(store__policy_set(st, RES_ORGANIZATION, o.id, c, POLICY_INHERIT, err,
				   sizeof(err)), 0);
	CHECK_EQ(store__policy_get(st, RES_ORGANIZATION, o.id, c, &v, err, sizeof(err)), 0);
	CHECK_EQ(v, POLICY_INHERIT);
	store__close(st);
}

/* A project p1 under o1 and a public image "img". */
static void setup_project(struct store *st, struct store_project *p, struct store_image *img)
{
	struct store_org o;

	CHECK_EQ(store__org_insert(st, "o1", &o, err, sizeof(err)), 0);
	CHECK_EQ(store__project_insert(st, "p1", o.id, 0, p, err, sizeof(err)), 0);
	memset(img, 0, sizeof(*img));
	snprintf(img->name, sizeof(img->name), "img");
	snprintf(img->kernel, sizeof(img->kernel), "/k");
	img->kvm_modules = -1;
	CHECK_EQ(store__image_insert(st, img, err, sizeof(err)), 0);
}

static struct store_instance *new_instance(const struct store_project *p,
					   const struct store_image *img, const char *name)
{
	struct store_instance *in = calloc(1, sizeof(*in));

	in->project_id = p->id;
	in->image_id = img->id;
	snprintf(in->name, sizeof(in->name), "%s", name);
	snprintf(in->machine_type, sizeof(in->machine_type), "standard-1");
	snprintf(in->image, sizeof(in->image), "img");
	in->nested = true;
	in->ndisks = 1;
	snprintf(in->disks[0].source, sizeof(in->disks[0].source), "/d.img");
	in->disks[0].boot = true;
	in->nnics = 1;
	snprintf(in->nics[0].name, sizeof(in->nics[0].name), "nic0");
	in->nmeta = 2;
	snprintf(in->meta[0].key, sizeof(in->meta[0].key), "a");
	snprintf(in->meta[0].value, sizeof(in->meta[0].value), "1");
	snprintf(in->meta[1].key, sizeof(in->meta[1].key), "b");
	snprintf(in->meta[1].value, sizeof(in->meta[1].value), "2");
	return in;
}

static void test_instance_roundtrip(void)
{
	struct store *st = fresh();
	struct store_project p;
	struct store_image img;
	struct store_instance *in, *got = calloc(1, sizeof(*got));

	setup_project(st, &p, &img);
	in = new_instance(&p, &img, "vm1");
	CHECK_EQ(store__instance_insert(st, in, err, sizeof(err)), 0);
	st = reopen(st);
	CHECK_EQ(store__instance_get(st, p.id, "vm1", got, err, sizeof(err)), 0);
	CHECK(got->nested);
	CHECK_EQ(got->ndisks, 1);
	CHECK(got->disks[0].boot);
	CHECK_EQ(got->nnics, 1);
	CHECK_EQ(got->nmeta, 2);
	CHECK_STR(got->meta[1].value, "2");
	CHECK_EQ(got->status, INSTANCE_PROVISIONING);
	CHECK_EQ(store__instance_set_status(st, got->id, INSTANCE_RUNNING, "ok", err,
					    sizeof(err)), 0);
	CHECK_EQ(store__instance_get_id(st, got->id, got, err, sizeof(err)), 0);
	CHECK(got->last_start > 0);
	CHECK_STR(got->status_message, "ok");
	/* An update changes the machine type, platform and nested switch, and nothing else. */
	got->nested = false;
	snprintf(got->machine_type, sizeof(got->machine_type), "standard-4");
	snprintf(got->min_cpu_platform, sizeof(got->min_cpu_platform), "AMD Milan");
	CHECK_EQ(store__instance_update(st, got, err, sizeof(err)), 0);
	memset(in, 0, sizeof(*in));
	CHECK_EQ(store__instance_get_id(st, got->id, in, err, sizeof(err)), 0);
	CHECK(!in->nested);
	CHECK_STR(in->machine_type, "standard-4");
	CHECK_STR(in->min_cpu_platform, "AMD Milan");
	CHECK_EQ(in->ndisks, 1);
	CHECK_EQ(in->nmeta, 2);
	CHECK_EQ(in->status, INSTANCE_RUNNING);
	CHECK_EQ(store__image_delete(st, img.id, err, sizeof(err)), -ENOTEMPTY);
	CHECK_EQ(store__instance_delete(st, got->id, err, sizeof(err)), 0);
	CHECK_EQ(store__instance_count(st, p.id, err, sizeof(err)), 0);
	CHECK_EQ(store__image_delete(st, img.id, err, sizeof(err)), 0);
	store__close(st);
	free(in);
	free(got);
}

/* A failure in a child row undoes the whole instance: nothing half-created. */
static void test_instance_atomic(void)
{
	struct store *st = fresh();
	struct store_project p;
	struct store_image img;
	struct store_instance *in;

	setup_project(st, &p, &img);
	in = new_instance(&p, &img, "vm1");
	snprintf(in->meta[1].key, sizeof(in->meta[1].key), "a");
	CHECK_EQ(store__instance_insert(st, in, err, sizeof(err)), -EEXIST);
	CHECK_STR(err, "metadata key 'a' is given twice");
	CHECK_EQ(store__instance_count(st, 0, err, sizeof(err)), 0);
	/* And an outer transaction that rolls back takes its inner ones along. */
	snprintf(in->meta[1].key, sizeof(in->meta[1].key), "b");
	CHECK_EQ(store__begin(st, err, sizeof(err)), 0);
	CHECK_EQ(store__instance_insert(st, in, err, sizeof(err)), 0);
	store__rollback(st);
	CHECK_EQ(store__instance_count(st, 0, err, sizeof(err)), 0);
	store__close(st);
	free(in);
}

static void test_operations(void)
{
	struct store *st = fresh();
	struct store_op op = { 0 }, got, next;

	snprintf(op.kind, sizeof(op.kind), "insert");
	snprintf(op.target_kind, sizeof(op.target_kind), "instance");
	snprintf(op.target, sizeof(op.target), "projects/p1/instances/vm1");
	op.status = OP_RUNNING;
	CHECK_EQ(store__op_insert(st, &op, err, sizeof(err)), 0);
	CHECK(!strncmp(op.name, "operation-", 10));
	CHECK_EQ(store__op_next_unfinished(st, &next, err, sizeof(err)), 0);
	CHECK_STR(next.name, op.name);
	op.status = OP_DONE;
	op.progress = 100;
	CHECK_EQ(store__op_update(st, &op, err, sizeof(err)), 0);
	st = reopen(st);
	CHECK_EQ(store__op_get(st, op.name, &got, err, sizeof(err)), 0);
	CHECK_EQ(got.status, OP_DONE);
	CHECK_EQ(got.progress, 100);
	CHECK_EQ(store__op_next_unfinished(st, &next, err, sizeof(err)), -ENOENT);
	store__close(st);
}

int main(void)
{
	RUN(test_open_migrates);
	RUN(test_newer_schema_refused);
	RUN(test_old_schema_upgraded);
	RUN(test_schema2_gains_iam);
	RUN(test_iam_rows);
	RUN(test_hierarchy);
	RUN(test_policy_rows);
	RUN(test_instance_roundtrip);
	RUN(test_instance_atomic);
	RUN(test_operations);
	if (dir[0]) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd))
			printf("# could not remove %s\n", dir);
	}
	return tap_done();
}
