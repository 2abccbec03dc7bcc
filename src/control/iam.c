/*
 * Access control: the permission table (which least role grants each permission), the walk
 * up the hierarchy to a caller's effective role, and the verdict with its one-line reason.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/iam.h"

/* Every permission the API asks for. Serial output can hold secrets: editors only, as in clouds. */
static const struct {
	const char *perm;
	int role;
} perms[] = {
	{ "resourcemanager.organizations.create", IAM_SUPERUSER_ONLY },
	{ "resourcemanager.organizations.get", IAM_VIEWER },
	{ "resourcemanager.organizations.delete", IAM_ADMIN },
	{ "resourcemanager.organizations.getIamPolicy", IAM_VIEWER },
	{ "resourcemanager.organizations.setIamPolicy", IAM_ADMIN },
	{ "resourcemanager.folders.create", IAM_ADMIN },
	{ "resourcemanager.folders.get", IAM_VIEWER },
	{ "resourcemanager.folders.delete", IAM_ADMIN },
	{ "resourcemanager.folders.getIamPolicy", IAM_VIEWER },
	{ "resourcemanager.folders.setIamPolicy", IAM_ADMIN },
	{ "resourcemanager.projects.create", IAM_ADMIN },
	{ "resourcemanager.projects.get", IAM_VIEWER },
	{ "resourcemanager.projects.delete", IAM_ADMIN },
	{ "resourcemanager.projects.getIamPolicy", IAM_VIEWER },
	{ "resourcemanager.projects.setIamPolicy", IAM_ADMIN },
	{ "orgpolicy.policy.get", IAM_VIEWER },
	{ "orgpolicy.policy.set", IAM_ADMIN },
	{ "compute.images.list", IAM_VIEWER },
	{ "compute.images.get", IAM_VIEWER },
	{ "compute.images.create", IAM_EDITOR },
	{ "compute.images.delete", IAM_EDITOR },
	{ "compute.instances.list", IAM_VIEWER },
	{ "compute.instances.get", IAM_VIEWER },
	{ "compute.instances.create", IAM_EDITOR },
	{ "compute.instances.delete", IAM_EDITOR },
	{ "compute.instances.start", IAM_EDITOR },
	{ "compute.instances.stop", IAM_EDITOR },
	{ "compute.instances.reset", IAM_EDITOR },
	{ "compute.instances.update", IAM_EDITOR },
	{ "compute.instances.getSerialPortOutput", IAM_EDITOR },
	{ "compute.instances.useSerialPort", IAM_EDITOR },
	{ "compute.operations.list", IAM_VIEWER },
	{ "compute.operations.get", IAM_VIEWER },
};

int iam__min_role(const char *perm)
{
	for (size_t i = 0; perm && i < ARRAY_SIZE(perms); i++)
		if (!strcmp(perm, perms[i].perm))
			return perms[i].role;
	return -1;
}

bool iam__role_grants(enum iam_role role, const char *perm)
{
	int need = iam__min_role(perm);

	return need > 0 && need != IAM_SUPERUSER_ONLY && (int)role >= need;
}

bool iam__superuser(uid_t uid, uid_t daemon_uid)
{
	return uid == 0 || uid == daemon_uid;
}

int iam__parse_role(const char *s, enum iam_role *out)
{
	static const char *const names[] = { "viewer", "editor", "admin" };

	if (s && !strncmp(s, "roles/", 6))
		s += 6;
	for (int i = 0; s && i < 3; i++) {
		if (!strcmp(s, names[i])) {
			*out = (enum iam_role)(IAM_VIEWER + i);
			return 0;
		}
	}
	return -EINVAL;
}

const char *iam__role_name(enum iam_role role)
{
	static const char *const names[] = { "none", "roles/viewer", "roles/editor", "roles/admin" };

	return (unsigned)role < ARRAY_SIZE(names) ? names[role] : "none";
}

int iam__parse_member(const char *s, u32 *uid)
{
	unsigned long long v;
	char *end;

	if (!s || strncmp(s, "uid:", 4) || s[4] < '0' || s[4] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s + 4, &end, 10);
	if (errno || *end || v >= 4294967295ULL)
		return -EINVAL;
	*uid = (u32)v;
	return 0;
}

const char *iam__path(enum resource_kind kind, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", store__collection(kind), name);
	return buf;
}

static int push(struct iam_chain *c, enum resource_kind kind, s64 id, const char *name)
{
	struct iam_node *n;

	if (c->n >= (int)ARRAY_SIZE(c->nodes))
		return -ELOOP;
	n = &c->nodes[c->n++];
	n->kind = kind;
	n->id = id;
	snprintf(n->name, sizeof(n->name), "%s", name);
	return 0;
}

/* Pushes the folder folder_id and its parents; *org_id is the organization above them. */
static int push_folders(struct store *st, s64 folder_id, struct iam_chain *c, s64 *org_id,
			char *err, size_t errlen)
{
	struct store_folder f;

	for (int depth = 0; folder_id; depth++) {
		int ret = store__folder_get_id(st, folder_id, &f, err, errlen);

		if (ret)
			return ret;
		if (depth == IAM_MAX_FOLDER_DEPTH || push(c, RES_FOLDER, f.id, f.name))
			return set_err(err, errlen, ELOOP, "iam: folders nest deeper than %d",
				       IAM_MAX_FOLDER_DEPTH);
		*org_id = f.org_id;
		folder_id = f.parent_id;
	}
	return 0;
}

int iam__chain(struct store *st, enum resource_kind kind, s64 id, struct iam_chain *out,
	       char *err, size_t errlen)
{
	struct store_project p;
	struct store_org o;
	s64 org_id = id, folder_id = kind == RES_FOLDER ? id : 0;
	int ret = 0;

	out->n = 0;
	if (kind == RES_PROJECT) {
		ret = store__project_get_id(st, id, &p, err, errlen);
		if (ret)
			return ret;
		push(out, RES_PROJECT, p.id, p.name);
		org_id = p.org_id;
		folder_id = p.folder_id;
	}
	ret = push_folders(st, folder_id, out, &org_id, err, errlen) ?:
	      store__org_get_id(st, org_id, &o, err, errlen);
	if (!ret)
		push(out, RES_ORGANIZATION, o.id, o.name);
	return ret;
}

int iam__effective(struct store *st, uid_t uid, uid_t daemon_uid, enum resource_kind kind,
		   s64 id, struct iam_effective *out, char *err, size_t errlen)
{
	struct iam_chain *c;
	int ret;

	memset(out, 0, sizeof(*out));
	c = malloc(sizeof(*c));
	if (!c)
		return set_err(err, errlen, ENOMEM, "iam: out of memory");
	ret = iam__chain(st, kind, id, c, err, errlen);
	if (!ret)
		out->resource = c->nodes[0];
	for (int i = 0; !ret && i < c->n; i++) {
		enum iam_role r;

		ret = store__iam_role(st, c->nodes[i].kind, c->nodes[i].id, (u32)uid, &r, err,
				      errlen);
		if (!ret && r > out->role) {
			out->role = r;
			out->source = c->nodes[i];
		}
	}
	/* Root and the daemon's user hold every permission: admin, wherever bound. */
	if (iam__superuser(uid, daemon_uid))
		out->role = IAM_ADMIN;
	free(c);
	return ret;
}

static int deny(const char *perm, uid_t uid, const struct iam_effective *e, int need,
		char *err, size_t errlen)
{
	char where[STORE_NAME_LEN + 16], src[STORE_NAME_LEN + 16], held[STORE_TEXT_LEN];

	iam__path(e->resource.kind, e->resource.name, where, sizeof(where));
	if (e->role == IAM_NONE)
		snprintf(held, sizeof(held), "holds no role there");
	else
		snprintf(held, sizeof(held), "holds %s, from %s", iam__role_name(e->role),
			 iam__path(e->source.kind, e->source.name, src, sizeof(src)));
	return set_err(err, errlen, EPERM, "Permission '%s' denied on %s to uid:%u: it needs "
		       "%s or above, bound on %s or above it (uid:%u %s)", perm, where,
		       (unsigned)uid, iam__role_name((enum iam_role)need), where, (unsigned)uid,
		       held);
}

int iam__check(struct store *st, uid_t uid, uid_t daemon_uid, enum resource_kind kind, s64 id,
	       const char *perm, char *err, size_t errlen)
{
	struct iam_effective e;
	int need = iam__min_role(perm), ret;

	if (need < 0)
		return set_err(err, errlen, EPERM, "Permission '%s' is unknown: denied", perm);
	if (iam__superuser(uid, daemon_uid))
		return 0;
	if (need == IAM_SUPERUSER_ONLY)
		return set_err(err, errlen, EPERM, "Permission '%s' denied to uid:%u: no role "
			       "grants it; only root and the daemon's own user (uid:%u) hold it",
			       perm, (unsigned)uid, (unsigned)daemon_uid);
	ret = iam__effective(st, uid, daemon_uid, kind, id, &e, err, errlen);
	if (ret)
		return ret;
	if ((int)e.role >= need)
		return 0;
	return deny(perm, uid, &e, need, err, errlen);
}

/* The mode bits that apply to uid/gid (owner, else group, else others) allow want. */
static bool mode_allows(const char *path, uid_t uid, gid_t gid, int want)
{
	struct stat st;
	unsigned bits;

	if (stat(path, &st))
		return false;
	bits = uid == st.st_uid ? st.st_mode >> 6 : gid == st.st_gid ? st.st_mode >> 3 :
	       st.st_mode;
	return (!(want & R_OK) || (bits & 4)) && (!(want & W_OK) || (bits & 2)) &&
	       (!(want & X_OK) || (bits & 1));
}

int iam__path_access(const char *path, uid_t uid, gid_t gid, int want, char *err,
		     size_t errlen)
{
	char real[PATH_MAX];

	if (!realpath(path, real))
		return set_err(err, errlen, errno == ENOENT ? EINVAL : errno, "'%s' cannot be "
			       "opened: %s", path, strerror(errno));
	for (char *p = real + 1; ; p++) {
		char c = *p;
		bool ok;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		ok = mode_allows(real, uid, gid, c ? X_OK : want);
		*p = c;
		if (!ok)
			return set_err(err, errlen, EPERM, "uid:%u may not %s '%s' (judged by the "
				       "mode bits of %s and the directories above it; the daemon "
				       "opens it on the caller's behalf)", (unsigned)uid,
				       want & W_OK ? "read and write" : "read", path, real);
		if (!c)
			return 0;
	}
}
