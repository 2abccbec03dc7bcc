/* Unit tests for machine types: the predefined table and custom-CPUS-MEMORYMB validation. */
#include <errno.h>

#include "control/machine_types.h"
#include "tap.h"

static char err[256];
static struct machine_type mt;

static int look(const char *name)
{
	return machine_types__lookup(name, &mt, err, sizeof(err));
}

static void test_predefined(void)
{
	CHECK_EQ(look("standard-1"), 0);
	CHECK_EQ(mt.vcpus, 1);
	CHECK_EQ(mt.memory_mb, 3840);
	CHECK(mt.nested_ok);
	CHECK_EQ(look("standard-16"), 0);
	CHECK_EQ(mt.vcpus, 16);
	CHECK_EQ(mt.memory_mb, 16 * 3840);
	CHECK_EQ(look("shared-1"), 0);
	CHECK(mt.shared_core);
	CHECK(!mt.nested_ok);
	CHECK(machine_types__count() >= 6);
	CHECK(machine_types__at(machine_types__count()) == NULL);
	for (size_t i = 0; i < machine_types__count(); i++)
		CHECK(machine_types__at(i)->memory_mb > 0);
}

static void test_unknown(void)
{
	CHECK_EQ(look("standard-3"), -ENOENT);
	CHECK(strstr(err, "machine type 'standard-3' does not exist"));
	CHECK_EQ(look(""), -EINVAL);
	CHECK_EQ(look(NULL), -EINVAL);
}

static void test_custom(void)
{
	CHECK_EQ(look("custom-2-4096"), 0);
	CHECK_EQ(mt.vcpus, 2);
	CHECK_EQ(mt.memory_mb, 4096);
	CHECK(mt.custom);
	CHECK(mt.nested_ok);
	CHECK_STR(mt.name, "custom-2-4096");
	CHECK_EQ(look("custom-1-256"), 0);
	CHECK_EQ(look("custom-64-524288"), 0);
}

static void test_custom_invalid(void)
{
	static const char *const bad[] = {
		"custom-", "custom-2", "custom-2-", "custom--4096", "custom-0-256", "custom-65-65536",
		"custom-2-4000", "custom-2-256", "custom-1-8448", "custom-02-4096", "custom-2-04096",
		"custom-2-4096-1", "custom-+2-4096", "custom-2-4096x", "custom-99999999999-256",
		"custom-2-99999999999",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = look(bad[i]);

		if (ret != -EINVAL)
			printf("# %s: %d\n", bad[i], ret);
		CHECK_EQ(ret, -EINVAL);
	}
	look("custom-2-4000");
	CHECK(strstr(err, "multiple of 256 MB"));
	look("custom-2-256");
	CHECK(strstr(err, "256 to 8192 MB per vCPU (512 to 16384 MB for 2 vCPUs)"));
	look("custom-65-65536");
	CHECK(strstr(err, "vCPUs must be 1 to 64"));
	look("custom-x-1");
	CHECK(strstr(err, "custom-CPUS-MEMORYMB"));
}

int main(void)
{
	RUN(test_predefined);
	RUN(test_unknown);
	RUN(test_custom);
	RUN(test_custom_invalid);
	return tap_done();
}
