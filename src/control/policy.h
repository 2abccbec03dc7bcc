/*
 * Organization policy: boolean constraints set on an organization, folder or project (true,
 * false, or inherit). The effective value is the nearest explicit setting walking up from the
 * resource (project > folders > organization); with none anywhere, a constraint is not enforced.
 */
#ifndef NV_CONTROL_POLICY_H
#define NV_CONTROL_POLICY_H

#include "control/store.h"

#define CONSTRAINT_DISABLE_NESTED "constraints/compute.disableNestedVirtualization"

struct policy_effective {
	bool enforced;
	bool explicit_set;		/* false: nobody set it, the default applies */
	enum resource_kind source_kind;	/* where the deciding setting is */
	char source[STORE_NAME_LEN];
};

/* The canonical name for "constraints/X" or "X"; NULL when the constraint is unknown. */
const char *policy__constraint(const char *name);

/* true, false or inherit; -EINVAL otherwise. */
int policy__parse_setting(const char *s, enum policy_setting *out);
const char *policy__setting_name(enum policy_setting s);

/* Resolves the effective value of constraint for the resource (kind, id). */
int policy__effective(struct store *st, enum resource_kind kind, s64 id, const char *constraint,
		      struct policy_effective *out, char *err, size_t errlen);

#endif
