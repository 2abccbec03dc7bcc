/* Organization policy: constraint names, settings, and resolution up the hierarchy. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control/policy.h"

/* Folders nest, but a chain this deep means a corrupt state, not a design. */
#define MAX_FOLDER_DEPTH 64

static const char *const constraints[] = { CONSTRAINT_DISABLE_NESTED };

const char *policy__constraint(const char *name)
{
	const char *prefix = "constraints/";

	if (!name)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(constraints); i++) {
		if (!strcmp(name, constraints[i]) ||
		    !strcmp(name, constraints[i] + strlen(prefix)))
			return constraints[i];
	}
	return NULL;
}

int policy__parse_setting(const char *s, enum policy_setting *out)
{
	if (s && !strcmp(s, "true"))
		*out = POLICY_TRUE;
	else if (s && !strcmp(s, "false"))
		*out = POLICY_FALSE;
	else if (s && !strcmp(s, "inherit"))
		*out = POLICY_INHERIT;
	else
		return -EINVAL;
	return 0;
}

const char *policy__setting_name(enum policy_setting s)
{
	return s == POLICY_TRUE ? "true" : s == POLICY_FALSE ? "false" : "inherit";
}

/* Records the deciding setting; returns 1 so the walk stops, 0 to go on, -errno. */
static int consider(struct store *st, enum resource_kind kind, s64 id, const char *name,
		    const char *constraint, struct policy_effective *out, char *err, size_t errlen)
{
	enum policy_setting v;
	int ret = store__policy_get(st, kind, id, constraint, &v, err, errlen);

	if (ret)
		return ret;
	if (v == POLICY_INHERIT)
		return 0;
	out->enforced = v == POLICY_TRUE;
	out->explicit_set = true;
	out->source_kind = kind;
	snprintf(out->source, sizeof(out->source), "%s", name);
	return 1;
}

static int walk_folders(struct store *st, s64 folder_id, const char *constraint,
			struct policy_effective *out, char *err, size_t errlen)
{
	for (int depth = 0; folder_id; depth++) {
		struct store_folder f;
		int ret;

		if (depth == MAX_FOLDER_DEPTH)
			return set_err(err, errlen, ELOOP, "policy: folders nest deeper than %d",
				       MAX_FOLDER_DEPTH);
		ret = store__folder_get_id(st, folder_id, &f, err, errlen);
		if (!ret)
			ret = consider(st, RES_FOLDER, f.id, f.name, constraint, out, err, errlen);
		if (ret)
			return ret;
		folder_id = f.parent_id;
	}
	return 0;
}

/* Finds the organization and first folder above (kind, id), judging the resource itself. */
static int start_walk(struct store *st, enum resource_kind kind, s64 id, const char *constraint,
		      struct policy_effective *out, s64 *org_id, s64 *folder_id,
		      char *err, size_t errlen)
{
	struct store_project p = { 0 };
	struct store_folder f;
	int ret;

	*org_id = id;
	*folder_id = 0;
	if (kind == RES_ORGANIZATION)
		return 0;
	if (kind == RES_FOLDER) {
		*folder_id = id;
		ret = store__folder_get_id(st, id, &f, err, errlen);
		*org_id = f.org_id;
		return ret;
	}
	ret = store__project_get_id(st, id, &p, err, errlen);
	if (ret)
		return ret;
	*org_id = p.org_id;
	*folder_id = p.folder_id;
	return consider(st, RES_PROJECT, p.id, p.name, constraint, out, err, errlen);
}

int policy__effective(struct store *st, enum resource_kind kind, s64 id, const char *constraint,
		      struct policy_effective *out, char *err, size_t errlen)
{
	struct store_org o;
	s64 org_id, folder_id;
	int ret;

	memset(out, 0, sizeof(*out));
	out->source_kind = RES_ORGANIZATION;
	ret = start_walk(st, kind, id, constraint, out, &org_id, &folder_id, err, errlen);
	if (!ret)
		ret = walk_folders(st, folder_id, constraint, out, err, errlen);
	if (!ret)
		ret = store__org_get_id(st, org_id, &o, err, errlen);
	if (!ret) {
		snprintf(out->source, sizeof(out->source), "%s", o.name);
		/* cppcheck-suppress uninitStructMember ; o was filled: store__org_get_id succeeded */
		ret = consider(st, RES_ORGANIZATION, o.id, o.name, constraint, out, err, errlen);
	}
	return ret < 0 ? ret : 0;
}
