/*
 * Creation checks, in the order a person wants to hear them: the organization's policy first
 * (it decides whatever the hardware could do), then the machine type, the CPU platform, the
 * host's ability to nest, and the image.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control/checks.h"

static const struct {
	const char *name;
	enum cpu_vendor vendor;
} platforms[] = {
	{ "automatic", VENDOR_UNKNOWN },
	{ "Intel Sandy Bridge", VENDOR_INTEL }, { "Intel Ivy Bridge", VENDOR_INTEL },
	{ "Intel Haswell", VENDOR_INTEL }, { "Intel Broadwell", VENDOR_INTEL },
	{ "Intel Skylake", VENDOR_INTEL }, { "Intel Cascade Lake", VENDOR_INTEL },
	{ "Intel Ice Lake", VENDOR_INTEL }, { "Intel Sapphire Rapids", VENDOR_INTEL },
	{ "AMD Rome", VENDOR_AMD }, { "AMD Milan", VENDOR_AMD }, { "AMD Genoa", VENDOR_AMD },
};

int checks__cpu_platform(const char *name, enum cpu_vendor *vendor, char *err, size_t errlen)
{
	*vendor = VENDOR_UNKNOWN;
	if (!name || !*name)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(platforms); i++) {
		if (!strcmp(name, platforms[i].name)) {
			*vendor = platforms[i].vendor;
			return 0;
		}
	}
	return set_err(err, errlen, EINVAL, "minCpuPlatform '%.63s' is unknown (use 'automatic', "
		       "'Intel Sandy Bridge' ... 'Intel Sapphire Rapids', or 'AMD Rome', "
		       "'AMD Milan', 'AMD Genoa')", name);
}

static int check_policy(const struct create_check *c, char *err, size_t errlen)
{
	const struct policy_effective *p = c->policy;

	if (!p || !p->enforced)
		return 0;
	return set_err(err, errlen, EACCES, "Constraint %s violated for project '%s': nested "
		       "virtualization is disabled by the policy set on %s '%s'",
		       CONSTRAINT_DISABLE_NESTED, c->project, store__kind_name(p->source_kind),
		       p->source);
}

/* The vendor check is all we can verify: the host's CPU generation is not judged. */
static int check_platform(const struct create_check *c, char *err, size_t errlen)
{
	enum cpu_vendor want;
	int ret = checks__cpu_platform(c->min_cpu_platform, &want, err, errlen);

	if (ret || want == VENDOR_UNKNOWN || !c->host)
		return ret;
	if (c->host->vendor != want)
		return set_err(err, errlen, EOPNOTSUPP, "minCpuPlatform '%s' needs an %s CPU; this "
			       "host's CPU is %s (%s)", c->min_cpu_platform,
			       cpuid__vendor_name(want), cpuid__vendor_name(c->host->vendor),
			       c->host->cpu_model[0] ? c->host->cpu_model : "model unknown");
	return 0;
}

static int check_nested(const struct create_check *c, char *err, size_t errlen,
			char *warning, size_t wlen)
{
	char reason[512] = "";

	if (!c->mt->nested_ok)
		return set_err(err, errlen, EOPNOTSUPP, "machine type '%s' does not support nested "
			       "virtualization (%s); choose a standard or custom type", c->mt->name,
			       c->mt->shared_core ? "it is a shared-core type" : "not offered");
	if (!c->host || !nested__available(c->host, reason, sizeof(reason)))
		return set_err(err, errlen, EOPNOTSUPP, "nested virtualization cannot be offered on "
			       "this host: %s", c->host ? reason : "the host was not checked");
	if (c->image && c->image->kvm_modules == 0)
		return set_err(err, errlen, EOPNOTSUPP, "image '%s' has no KVM modules: its guest "
			       "could not use nested virtualization", c->image->name);
	if (c->image && c->image->kvm_modules < 0 && warning && wlen)
		snprintf(warning, wlen, "image '%s' does not say whether it carries KVM modules; "
			 "its guest may be unable to use nested virtualization", c->image->name);
	return 0;
}

int checks__instance_create(const struct create_check *c, char *err, size_t errlen,
			    char *warning, size_t wlen)
{
	int ret = 0;

	if (warning && wlen)
		warning[0] = '\0';
	if (c->nested)
		ret = check_policy(c, err, errlen);
	if (!ret)
		ret = check_platform(c, err, errlen);
	if (!ret && c->nested)
		ret = check_nested(c, err, errlen, warning, wlen);
	return ret;
}
