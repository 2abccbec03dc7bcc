/*
 * Unit tests for organization policy (inheritance over organization > folders > project, the
 * effective view) and the instance creation checks over recorded hosts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/checks.h"
#include "control/policy.h"
#include "tap.h"

static char dir[64] = "/tmp/nv-policy-XXXXXX";
static char err[512];
static struct store *st;
static struct store_org org;
static struct store_folder outer, inner;
static struct store_project proj;

static const char *C = CONSTRAINT_DISABLE_NESTED;

static void setup(void)
{
	if (!mkdtemp(dir) || store__open(&st, dir, err, sizeof(err))) {
		printf("# setup: %s\n", err);
		exit(1);
	}
	/* o1 > outer > inner > p1 */
	if (store__org_insert(st, "o1", &org, err, sizeof(err)) ||
	    store__folder_insert(st, "outer", org.id, 0, &outer, err, sizeof(err)) ||
	    store__folder_insert(st, "inner", org.id, outer.id, &inner, err, sizeof(err)) ||
	    store__project_insert(st, "p1", org.id, inner.id, &proj, err, sizeof(err))) {
		printf("# setup: %s\n", err);
		exit(1);
	}
}

static void set(enum resource_kind kind, s64 id, enum policy_setting v)
{
	if (store__policy_set(st, kind, id, C, v, err, sizeof(err)))
		printf("# set: %s\n", err);
}

static void test_names_and_settings(void)
{
	enum policy_setting v;

	CHECK_STR(policy__constraint("compute.disableNestedVirtualization"), C);
	CHECK_STR(policy__constraint(C), C);
	CHECK(!policy__constraint("compute.disableSerialPortAccess"));
	CHECK(!policy__constraint(NULL));
	CHECK_EQ(policy__parse_setting("true", &v), 0);
	CHECK_EQ(v, POLICY_TRUE);
	CHECK_EQ(policy__parse_setting("inherit", &v), 0);
	CHECK_EQ(v, POLICY_INHERIT);
	CHECK_EQ(policy__parse_setting("yes", &v), -EINVAL);
	CHECK_STR(policy__setting_name(POLICY_FALSE), "false");
}

static void test_default_not_enforced(void)
{
	struct policy_effective e;

	CHECK_EQ(policy__effective(st, RES_PROJECT, proj.id, C, &e, err, sizeof(err)), 0);
	CHECK(!e.enforced);
	CHECK(!e.explicit_set);
}

/* Every combination of org / outer folder / project: the nearest explicit setting wins. */
static void test_inheritance_matrix(void)
{
	static const enum policy_setting vals[] = { POLICY_INHERIT, POLICY_FALSE, POLICY_TRUE };

	for (int o = 0; o < 3; o++)
		for (int f = 0; f < 3; f++)
			for (int p = 0; p < 3; p++) {
				struct policy_effective e;
				enum policy_setting want = vals[p] != POLICY_INHERIT ? vals[p] :
					vals[f] != POLICY_INHERIT ? vals[f] : vals[o];
				const char *src = vals[p] != POLICY_INHERIT ? "p1" :
					vals[f] != POLICY_INHERIT ? "outer" : "o1";

				set(RES_ORGANIZATION, org.id, vals[o]);
				set(RES_FOLDER, outer.id, vals[f]);
				set(RES_PROJECT, proj.id, vals[p]);
				CHECK_EQ(policy__effective(st, RES_PROJECT, proj.id, C, &e, err,
							   sizeof(err)), 0);
				CHECK_EQ(e.enforced, want == POLICY_TRUE);
				CHECK_EQ(e.explicit_set, want != POLICY_INHERIT);
				if (want != POLICY_INHERIT)
					CHECK_STR(e.source, src);
			}
	set(RES_ORGANIZATION, org.id, POLICY_INHERIT);
	set(RES_FOLDER, outer.id, POLICY_INHERIT);
	set(RES_PROJECT, proj.id, POLICY_INHERIT);
}

static void test_folder_and_org_views(void)
{
	struct policy_effective e;

	set(RES_ORGANIZATION, org.id, POLICY_TRUE);
	set(RES_FOLDER, inner.id, POLICY_FALSE);
	CHECK_EQ(policy__effective(st, RES_FOLDER, outer.id, C, &e, err, sizeof(err)), 0);
	CHECK(e.enforced);
	CHECK_EQ(e.source_kind, RES_ORGANIZATION);
	CHECK_EQ(policy__effective(st, RES_FOLDER, inner.id, C, &e, err, sizeof(err)), 0);
	CHECK(!e.enforced);
	CHECK_STR(e.source, "inner");
	CHECK_EQ(e.source_kind, RES_FOLDER);
	CHECK_EQ(policy__effective(st, RES_PROJECT, proj.id, C, &e, err, sizeof(err)), 0);
	CHECK(!e.enforced);
	CHECK_EQ(policy__effective(st, RES_ORGANIZATION, org.id, C, &e, err, sizeof(err)), 0);
	CHECK(e.enforced);
	set(RES_ORGANIZATION, org.id, POLICY_INHERIT);
	set(RES_FOLDER, inner.id, POLICY_INHERIT);
}

static struct nested_facts capable_amd(void)
{
	struct nested_facts f = {
		.kvm_path = "/dev/kvm", .kvm_present = true, .kvm_accessible = true,
		.api_version = 12, .vendor = VENDOR_AMD, .cpu_model = "AMD EPYC",
		.host_has_svm = true, .kvm_module = "kvm_amd", .kvm_offers_virt = true,
		.nested_param_path = "/sys/module/kvm_amd/parameters/nested", .nested_param = 1,
	};

	return f;
}

static int run_check(bool nested, const char *mt_name, const struct nested_facts *host,
		     const struct policy_effective *pol, int kvm_modules, const char *platform,
		     char *warning)
{
	struct machine_type mt;
	struct store_image img = { .name = "img", .kvm_modules = kvm_modules };
	struct create_check c = {
		.nested = nested, .project = "p1", .policy = pol, .mt = &mt, .image = &img,
		.min_cpu_platform = platform, .host = host,
	};

	if (machine_types__lookup(mt_name, &mt, err, sizeof(err)))
		return -999;
	return checks__instance_create(&c, err, sizeof(err), warning, 256);
}

static void test_checks(void)
{
	struct nested_facts good = capable_amd(), pvm = capable_amd(), off = capable_amd();
	struct policy_effective none = { 0 }, denied = { .enforced = true, .explicit_set = true,
							 .source_kind = RES_FOLDER, .source = "f1" };
	char w[256];

	snprintf(pvm.kvm_module, sizeof(pvm.kvm_module), "kvm_pvm");
	off.nested_param = 0;
	CHECK_EQ(run_check(true, "standard-2", &good, &none, 1, NULL, w), 0);
	CHECK_STR(w, "");
	CHECK_EQ(run_check(true, "standard-2", &good, &none, -1, NULL, w), 0);
	CHECK(strstr(w, "does not say whether it carries KVM modules"));
	CHECK_EQ(run_check(true, "standard-2", &good, &denied, 1, NULL, w), -EACCES);
	CHECK_STR(err, "Constraint constraints/compute.disableNestedVirtualization violated for "
		  "project 'p1': nested virtualization is disabled by the policy set on folder 'f1'");
	/* The policy speaks first, even on a host that could not nest anyway. */
	CHECK_EQ(run_check(true, "standard-2", &pvm, &denied, 1, NULL, w), -EACCES);
	/* Without nesting, neither the policy nor the host's nesting matter. */
	CHECK_EQ(run_check(false, "shared-1", &pvm, &denied, 0, NULL, w), 0);
	CHECK_EQ(run_check(true, "shared-1", &good, &none, 1, NULL, w), -EOPNOTSUPP);
	CHECK(strstr(err, "machine type 'shared-1' does not support nested virtualization"));
	CHECK_EQ(run_check(true, "standard-1", &pvm, &none, 1, NULL, w), -EOPNOTSUPP);
	CHECK(strstr(err, "cannot be offered on this host: KVM runs on the kvm_pvm backend"));
	CHECK_EQ(run_check(true, "standard-1", &off, &none, 1, NULL, w), -EOPNOTSUPP);
	CHECK(strstr(err, "parameters/nested is N"));
	CHECK_EQ(run_check(true, "standard-1", &good, &none, 0, NULL, w), -EOPNOTSUPP);
	CHECK(strstr(err, "image 'img' has no KVM modules"));
}

static void test_cpu_platform(void)
{
	struct nested_facts amd = capable_amd();
	struct policy_effective none = { 0 };
	char w[256];

	CHECK_EQ(run_check(false, "standard-1", &amd, &none, 1, "AMD Milan", w), 0);
	CHECK_EQ(run_check(false, "standard-1", &amd, &none, 1, "automatic", w), 0);
	CHECK_EQ(run_check(false, "standard-1", &amd, &none, 1, "", w), 0);
	CHECK_EQ(run_check(false, "standard-1", &amd, &none, 1, "Intel Haswell", w), -EOPNOTSUPP);
	CHECK(strstr(err, "minCpuPlatform 'Intel Haswell' needs an Intel CPU; this host's CPU is AMD"));
	CHECK_EQ(run_check(false, "standard-1", &amd, &none, 1, "Intel 8086", w), -EINVAL);
	CHECK(strstr(err, "minCpuPlatform 'Intel 8086' is unknown"));
}

int main(void)
{
	char cmd[96];

	setup();
	RUN(test_names_and_settings);
	RUN(test_default_not_enforced);
	RUN(test_inheritance_matrix);
	RUN(test_folder_and_org_views);
	RUN(test_checks);
	RUN(test_cpu_platform);
	store__close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		printf("# could not remove %s\n", dir);
	return tap_done();
}
