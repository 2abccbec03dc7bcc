/*
 * The control plane's state: organizations, folders, projects, policies, access-control
 * bindings, images, instances and operations in one SQLite database (WAL) under the state
 * directory. Every mutation is a transaction; the calls nest (savepoints), so a caller can
 * group several into one.
 */
#ifndef NV_CONTROL_STORE_H
#define NV_CONTROL_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/util.h"

#define STORE_NAME_LEN 64	/* 63 characters and the NUL */
#define STORE_PATH_LEN 512
#define STORE_TEXT_LEN 512
#define STORE_MAX_DISKS 8
#define STORE_MAX_NICS 8
#define STORE_MAX_META 32
#define STORE_META_KEY_LEN 128
#define STORE_META_VALUE_LEN 1024

struct store;

enum resource_kind { RES_ORGANIZATION, RES_FOLDER, RES_PROJECT };

struct store_org {
	s64 id;
	char name[STORE_NAME_LEN];
	s64 created;
};

struct store_folder {
	s64 id;
	char name[STORE_NAME_LEN];
	s64 org_id;
	s64 parent_id;		/* 0: directly under the organization */
	s64 created;
};

struct store_project {
	s64 id;
	char name[STORE_NAME_LEN];
	s64 org_id;
	s64 folder_id;		/* 0: directly under the organization */
	s64 created;
};

enum policy_setting { POLICY_INHERIT = -1, POLICY_FALSE = 0, POLICY_TRUE = 1 };

/* Access-control roles, each granting what the one below grants and more (iam.h). */
enum iam_role { IAM_NONE = 0, IAM_VIEWER = 1, IAM_EDITOR = 2, IAM_ADMIN = 3 };

/* A role held by a member (a uid on the daemon's socket) on one resource. */
struct store_binding {
	enum resource_kind kind;
	s64 resource_id;
	u32 uid;
	enum iam_role role;
	s64 created;
};

struct store_image {
	s64 id;
	s64 project_id;		/* 0: the public catalogue, visible to every project */
	char name[STORE_NAME_LEN];
	char family[STORE_NAME_LEN];
	char description[STORE_TEXT_LEN];
	char kernel[STORE_PATH_LEN];
	char initrd[STORE_PATH_LEN];
	char disk[STORE_PATH_LEN];
	int kvm_modules;	/* 1 the image carries kvm modules, 0 it does not, -1 unknown */
	s64 created;
};

enum instance_status {
	INSTANCE_PROVISIONING,
	INSTANCE_STAGING,
	INSTANCE_RUNNING,
	INSTANCE_STOPPING,
	INSTANCE_TERMINATED,
};

struct store_disk {
	char source[STORE_PATH_LEN];
	bool boot;
	bool read_only;
};

struct store_nic {
	char name[16];
	char host_dev[16];
	char mac[18];
};

struct store_meta {
	char key[STORE_META_KEY_LEN];
	char value[STORE_META_VALUE_LEN];
};

/* Large (tens of KiB): allocate it, do not put it on a small stack. */
struct store_instance {
	s64 id;
	s64 project_id;
	s64 image_id;
	char name[STORE_NAME_LEN];
	char machine_type[STORE_NAME_LEN];
	char image[STORE_NAME_LEN];
	char min_cpu_platform[STORE_NAME_LEN];
	enum instance_status status;
	char status_message[STORE_TEXT_LEN];
	bool nested;
	s64 created;
	s64 last_start;		/* 0: never started */
	int ndisks, nnics, nmeta;
	struct store_disk disks[STORE_MAX_DISKS];
	struct store_nic nics[STORE_MAX_NICS];
	struct store_meta meta[STORE_MAX_META];
};

enum op_status { OP_PENDING, OP_RUNNING, OP_DONE };

struct store_op {
	s64 id;
	char name[STORE_NAME_LEN];
	s64 project_id;		/* 0: not in a project (organizations, folders, projects) */
	char kind[32];		/* insert, delete, setPolicy */
	char target_kind[16];	/* organization, folder, project, instance, image, policy */
	char target[STORE_TEXT_LEN];	/* the target's path, e.g. projects/p1/instances/vm1 */
	s64 target_id;
	enum op_status status;
	int progress;		/* 0..100 */
	int error_code;		/* HTTP status of the failure, 0 when none */
	char error[STORE_TEXT_LEN];
	char warning[STORE_TEXT_LEN];
	s64 created, started, ended;
};

typedef int (*store_org_fn)(const struct store_org *o, void *arg);
typedef int (*store_folder_fn)(const struct store_folder *f, void *arg);
typedef int (*store_project_fn)(const struct store_project *p, void *arg);
typedef int (*store_image_fn)(const struct store_image *img, void *arg);
typedef int (*store_instance_fn)(const struct store_instance *inst, void *arg);
typedef int (*store_op_fn)(const struct store_op *op, void *arg);
typedef int (*store_binding_fn)(const struct store_binding *b, void *arg);

/* Opens (creating if needed) DIR/nestvisor.db and applies pending migrations. */
int store__open(struct store **out, const char *dir, char *err, size_t errlen) __must_check;
void store__close(struct store *st);
int store__schema_version(struct store *st);
int store__latest_schema_version(void);

/* Transactions nest: the outermost is BEGIN IMMEDIATE, inner ones are savepoints. */
int store__begin(struct store *st, char *err, size_t errlen) __must_check;
int store__commit(struct store *st, char *err, size_t errlen) __must_check;
void store__rollback(struct store *st);
/* Ends the innermost transaction: commits when ret is 0, else rolls back; ret or the failure. */
int store__end(struct store *st, int ret, char *err, size_t errlen) __must_check;

/* Lookups return -ENOENT (and a message naming what is missing) when nothing matches. */
int store__org_insert(struct store *st, const char *name, struct store_org *out,
		      char *err, size_t errlen) __must_check;
int store__org_get(struct store *st, const char *name, struct store_org *out,
		   char *err, size_t errlen);
int store__org_get_id(struct store *st, s64 id, struct store_org *out, char *err, size_t errlen);
int store__org_list(struct store *st, store_org_fn fn, void *arg, char *err, size_t errlen);
int store__org_delete(struct store *st, const char *name, char *err, size_t errlen) __must_check;

int store__folder_insert(struct store *st, const char *name, s64 org_id, s64 parent_id,
			 struct store_folder *out, char *err, size_t errlen) __must_check;
int store__folder_get(struct store *st, const char *name, struct store_folder *out,
		      char *err, size_t errlen);
int store__folder_get_id(struct store *st, s64 id, struct store_folder *out,
			 char *err, size_t errlen);
int store__folder_list(struct store *st, s64 org_id, store_folder_fn fn, void *arg,
		       char *err, size_t errlen);
int store__folder_delete(struct store *st, const char *name, char *err, size_t errlen)
	__must_check;

int store__project_insert(struct store *st, const char *name, s64 org_id, s64 folder_id,
			  struct store_project *out, char *err, size_t errlen) __must_check;
int store__project_get(struct store *st, const char *name, struct store_project *out,
		       char *err, size_t errlen);
int store__project_get_id(struct store *st, s64 id, struct store_project *out,
			  char *err, size_t errlen);
int store__project_list(struct store *st, s64 org_id, store_project_fn fn, void *arg,
			char *err, size_t errlen);
int store__project_delete(struct store *st, const char *name, char *err, size_t errlen)
	__must_check;

/* A missing row reads as POLICY_INHERIT; setting POLICY_INHERIT removes the row. */
int store__policy_get(struct store *st, enum resource_kind kind, s64 id, const char *constraint,
		      enum policy_setting *out, char *err, size_t errlen);
int store__policy_set(struct store *st, enum resource_kind kind, s64 id, const char *constraint,
		      enum policy_setting setting, char *err, size_t errlen) __must_check;

/*
 * Access-control bindings. Adding one that exists is not an error (*added false); removing
 * one that does not exist is -ENOENT. store__iam_role: the highest role bound to uid on
 * exactly this resource (IAM_NONE when none; inheritance is iam.c's business).
 */
int store__iam_add(struct store *st, enum resource_kind kind, s64 id, u32 uid,
		   enum iam_role role, bool *added, char *err, size_t errlen) __must_check;
int store__iam_remove(struct store *st, enum resource_kind kind, s64 id, u32 uid,
		      enum iam_role role, char *err, size_t errlen) __must_check;
int store__iam_list(struct store *st, enum resource_kind kind, s64 id, store_binding_fn fn,
		    void *arg, char *err, size_t errlen);
int store__iam_role(struct store *st, enum resource_kind kind, s64 id, u32 uid,
		    enum iam_role *out, char *err, size_t errlen);

/* Fills img->id and img->created. */
int store__image_insert(struct store *st, struct store_image *img, char *err, size_t errlen)
	__must_check;
/* Looks in the project first, then in the public catalogue (project_id 0). */
int store__image_get(struct store *st, s64 project_id, const char *name, struct store_image *out,
		     char *err, size_t errlen);
int store__image_list(struct store *st, s64 project_id, store_image_fn fn, void *arg,
		      char *err, size_t errlen);
int store__image_delete(struct store *st, s64 id, char *err, size_t errlen) __must_check;

/* Fills inst->id and inst->created; disks, NICs and metadata go in the same transaction. */
int store__instance_insert(struct store *st, struct store_instance *inst, char *err,
			   size_t errlen) __must_check;
int store__instance_get(struct store *st, s64 project_id, const char *name,
			struct store_instance *out, char *err, size_t errlen);
int store__instance_get_id(struct store *st, s64 id, struct store_instance *out,
			   char *err, size_t errlen);
int store__instance_list(struct store *st, s64 project_id, store_instance_fn fn, void *arg,
			 char *err, size_t errlen);
int store__instance_set_status(struct store *st, s64 id, enum instance_status status,
			       const char *message, char *err, size_t errlen) __must_check;
/* Stores in's machine type, minimum CPU platform and nested switch (an update). */
int store__instance_update(struct store *st, const struct store_instance *in, char *err,
			   size_t errlen) __must_check;
int store__instance_delete(struct store *st, s64 id, char *err, size_t errlen) __must_check;
int store__instance_count(struct store *st, s64 project_id, char *err, size_t errlen);

/* Fills op->id, op->name (unless set) and op->created. */
int store__op_insert(struct store *st, struct store_op *op, char *err, size_t errlen)
	__must_check;
int store__op_get(struct store *st, const char *name, struct store_op *out,
		  char *err, size_t errlen);
int store__op_update(struct store *st, const struct store_op *op, char *err, size_t errlen)
	__must_check;
int store__op_list(struct store *st, s64 project_id, store_op_fn fn, void *arg,
		   char *err, size_t errlen);
/* The oldest operation not DONE, -ENOENT when all are done. */
int store__op_next_unfinished(struct store *st, struct store_op *out, char *err, size_t errlen);
/* Every operation not DONE, oldest first, until fn returns non-0 (>0: stop, <0: that error). */
int store__op_list_unfinished(struct store *st, store_op_fn fn, void *arg, char *err,
			      size_t errlen);
/* The unfinished operation on a target, if any (-ENOENT when none). */
int store__op_active_on(struct store *st, const char *target_kind, s64 target_id,
			struct store_op *out, char *err, size_t errlen);

const char *store__status_name(enum instance_status status);
const char *store__op_status_name(enum op_status status);
const char *store__kind_name(enum resource_kind kind);
/* "organizations", "folders", "projects": the kind's collection in paths and names. */
const char *store__collection(enum resource_kind kind);

#endif
