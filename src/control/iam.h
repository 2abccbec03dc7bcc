/*
 * Access control. A caller is the uid at the other end of the daemon's socket (SO_PEERCRED).
 * Roles (viewer < editor < admin, each holding the one below) are bound to uids on an
 * organization, folder or project and inherited downwards; root and the daemon's own uid are
 * admin everywhere. Every API call needs one permission (cloud-style names such as
 * compute.instances.create), which the least role that grants it and all above it hold.
 */
#ifndef NV_CONTROL_IAM_H
#define NV_CONTROL_IAM_H

#include <stdbool.h>
#include <sys/types.h>

#include "control/store.h"

/* iam__min_role of a permission no role grants: only root and the daemon's user hold it. */
#define IAM_SUPERUSER_ONLY 4

/* Folders nest, but a chain this deep means a corrupt state, not a design. */
#define IAM_MAX_FOLDER_DEPTH 64

/* A resource of the hierarchy. */
struct iam_node {
	enum resource_kind kind;
	s64 id;
	char name[STORE_NAME_LEN];
};

/* A resource and those above it, nearest first: itself, its folders, its organization. */
struct iam_chain {
	int n;
	struct iam_node nodes[IAM_MAX_FOLDER_DEPTH + 2];
};

int iam__chain(struct store *st, enum resource_kind kind, s64 id, struct iam_chain *out,
	       char *err, size_t errlen);

/* "viewer", "editor", "admin", with or without "roles/"; -EINVAL otherwise. */
int iam__parse_role(const char *s, enum iam_role *out);
/* "roles/viewer" ...; "none" for IAM_NONE. */
const char *iam__role_name(enum iam_role role);
/* "uid:N" (N a decimal uid below 4294967295); -EINVAL otherwise. */
int iam__parse_member(const char *s, u32 *uid);
/* "organizations/NAME", "folders/NAME" or "projects/NAME" into buf. */
const char *iam__path(enum resource_kind kind, const char *name, char *buf, size_t len);

/* The least role granting perm (IAM_VIEWER ... IAM_ADMIN), IAM_SUPERUSER_ONLY, -1 if unknown. */
int iam__min_role(const char *perm);
bool iam__role_grants(enum iam_role role, const char *perm);
bool iam__superuser(uid_t uid, uid_t daemon_uid);

/* The caller's role on a resource: the highest bound on it or above it, and where. */
struct iam_effective {
	struct iam_node resource;	/* the resource asked about */
	enum iam_role role;
	struct iam_node source;		/* where role is bound (when not IAM_NONE) */
};

int iam__effective(struct store *st, uid_t uid, uid_t daemon_uid, enum resource_kind kind,
		   s64 id, struct iam_effective *out, char *err, size_t errlen);

/*
 * 0 when uid holds perm on the resource (kind, id; id is unused for a superuser-only
 * permission); -EPERM with err naming the permission, the resource and the caller's role.
 */
int iam__check(struct store *st, uid_t uid, uid_t daemon_uid, enum resource_kind kind, s64 id,
	       const char *perm, char *err, size_t errlen);

/*
 * Whether a caller may read (want R_OK) or read and write (R_OK | W_OK) the file at path,
 * which the daemon or a VMM will open on its behalf: 0, or -EPERM (-EINVAL when it cannot be
 * resolved) with err saying so. Judged by the mode bits of the file and of each directory on
 * its canonical path against uid and gid (owner, group, others); supplementary groups and
 * ACLs are not looked at. Root and the daemon's user need not be judged.
 */
int iam__path_access(const char *path, uid_t uid, gid_t gid, int want, char *err,
		     size_t errlen);

#endif
