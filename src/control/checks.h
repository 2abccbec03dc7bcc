/*
 * The checks a creation (or start, or update enabling nesting) must pass before anything is
 * stored as runnable. Pure logic over what the caller gathered, so tests feed any host.
 */
#ifndef NV_CONTROL_CHECKS_H
#define NV_CONTROL_CHECKS_H

#include "control/machine_types.h"
#include "control/policy.h"
#include "control/store.h"
#include "kvm/nested.h"

struct create_check {
	bool nested;				/* enableNestedVirtualization asked for */
	const char *project;			/* for messages */
	const struct policy_effective *policy;	/* of CONSTRAINT_DISABLE_NESTED on the project */
	const struct machine_type *mt;
	const struct store_image *image;
	const char *min_cpu_platform;		/* NULL, "" or "automatic": any */
	const struct nested_facts *host;	/* the host-check facts */
};

/*
 * 0 when allowed (warning, if not empty, is worth showing); otherwise err holds the reason and
 * the result says who refused: -EACCES the policy, -EINVAL a bad argument, -EOPNOTSUPP the
 * machine type, host or image cannot honour the request.
 */
int checks__instance_create(const struct create_check *c, char *err, size_t errlen,
			    char *warning, size_t wlen);

/* 0 and the vendor a minCpuPlatform needs (VENDOR_UNKNOWN for "automatic"); -EINVAL if unknown. */
int checks__cpu_platform(const char *name, enum cpu_vendor *vendor, char *err, size_t errlen);

#endif
