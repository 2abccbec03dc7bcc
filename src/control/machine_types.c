/*
 * Machine types. standard-N gives N vCPUs and 3.75 GiB (3840 MiB) per vCPU; shared-1 is a
 * time-shared fraction of a core, so nesting (which needs a whole vCPU for the L1's own
 * hypervisor) is not offered on it; custom-CPUS-MEMORYMB within the limits in the header.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "control/machine_types.h"
#include "util/util.h"

static const struct machine_type table[] = {
	{ "shared-1", 1, 1024, true, false, false, "1 shared vCPU, 1 GiB, no nesting" },
	{ "standard-1", 1, 3840, false, true, false, "1 vCPU, 3.75 GiB" },
	{ "standard-2", 2, 7680, false, true, false, "2 vCPUs, 7.5 GiB" },
	{ "standard-4", 4, 15360, false, true, false, "4 vCPUs, 15 GiB" },
	{ "standard-8", 8, 30720, false, true, false, "8 vCPUs, 30 GiB" },
	{ "standard-16", 16, 61440, false, true, false, "16 vCPUs, 60 GiB" },
};

size_t machine_types__count(void)
{
	return ARRAY_SIZE(table);
}

const struct machine_type *machine_types__at(size_t i)
{
	return i < ARRAY_SIZE(table) ? &table[i] : NULL;
}

/* A decimal without sign, leading zeros or junk, up to UINT_MAX; s ends at '-' or NUL. */
static int parse_uint(const char *s, char stop, unsigned *out, const char **end)
{
	unsigned long long v = 0;
	const char *p = s;

	if (*p < '0' || *p > '9' || (*p == '0' && p[1] != stop))
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned)(*p - '0');
		if (v > UINT_MAX)
			return -EINVAL;
	}
	if (*p != stop)
		return -EINVAL;
	*out = (unsigned)v;
	*end = p;
	return 0;
}

static int check_custom(const char *name, unsigned cpus, unsigned mb, char *err, size_t errlen)
{
	if (cpus < 1 || cpus > CUSTOM_MAX_VCPUS)
		return set_err(err, errlen, EINVAL, "machine type '%s': vCPUs must be 1 to %d",
			       name, CUSTOM_MAX_VCPUS);
	if (mb % CUSTOM_MEMORY_STEP_MB)
		return set_err(err, errlen, EINVAL, "machine type '%s': memory must be a multiple "
			       "of %d MB", name, CUSTOM_MEMORY_STEP_MB);
	if (mb < cpus * CUSTOM_MIN_MB_PER_VCPU || mb > cpus * CUSTOM_MAX_MB_PER_VCPU)
		return set_err(err, errlen, EINVAL, "machine type '%s': memory must be %d to %d MB "
			       "per vCPU (%u to %u MB for %u vCPUs)", name, CUSTOM_MIN_MB_PER_VCPU,
			       CUSTOM_MAX_MB_PER_VCPU, cpus * CUSTOM_MIN_MB_PER_VCPU,
			       cpus * CUSTOM_MAX_MB_PER_VCPU, cpus);
	return 0;
}

static int parse_custom(const char *name, struct machine_type *out, char *err, size_t errlen)
{
	const char *p = name + strlen("custom-"), *end;
	unsigned cpus, mb;
	int ret;

	if (parse_uint(p, '-', &cpus, &end) || parse_uint(end + 1, '\0', &mb, &end))
		return set_err(err, errlen, EINVAL, "machine type '%s' is malformed: a custom type "
			       "is custom-CPUS-MEMORYMB, e.g. custom-2-4096", name);
	ret = check_custom(name, cpus, mb, err, errlen);
	if (ret)
		return ret;
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "custom-%u-%u", cpus, mb);
	out->vcpus = cpus;
	out->memory_mb = mb;
	out->nested_ok = true;
	out->custom = true;
	snprintf(out->description, sizeof(out->description), "custom: %u vCPU(s), %u MB", cpus, mb);
	return 0;
}

int machine_types__lookup(const char *name, struct machine_type *out, char *err, size_t errlen)
{
	if (!name || !*name)
		return set_err(err, errlen, EINVAL, "no machine type given");
	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		if (!strcmp(name, table[i].name)) {
			*out = table[i];
			return 0;
		}
	}
	if (!strncmp(name, "custom-", strlen("custom-")))
		return parse_custom(name, out, err, errlen);
	return set_err(err, errlen, ENOENT, "machine type '%.63s' does not exist (see "
		       "'nestvisor machine-types list')", name);
}
