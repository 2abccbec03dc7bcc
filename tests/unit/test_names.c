/* Unit tests for the cloud naming rules. */
#include <errno.h>

#include "control/names.h"
#include "tap.h"

static char err[256];

static int check(const char *name)
{
	return names__check("instance name", name, err, sizeof(err));
}

static void test_valid(void)
{
	CHECK_EQ(check("a"), 0);
	CHECK_EQ(check("vm1"), 0);
	CHECK_EQ(check("my-vm-2"), 0);
	CHECK_EQ(check("a-1-b"), 0);
	/* exactly 63 characters */
	CHECK_EQ(check("abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabc"), 0);
}

static void test_invalid(void)
{
	CHECK_EQ(check(""), -EINVAL);
	CHECK_STR(err, "instance name is empty");
	CHECK_EQ(check(NULL), -EINVAL);
	CHECK_EQ(check("1vm"), -EINVAL);
	CHECK_STR(err, "instance name '1vm' must start with a lowercase letter");
	CHECK_EQ(check("-vm"), -EINVAL);
	CHECK_EQ(check("Vm"), -EINVAL);
	CHECK_EQ(check("vM"), -EINVAL);
	CHECK(strstr(err, "found 'M' at position 2"));
	CHECK_EQ(check("vm_1"), -EINVAL);
	CHECK_EQ(check("vm.1"), -EINVAL);
	CHECK_EQ(check("vm 1"), -EINVAL);
	CHECK_EQ(check("vm\x01"), -EINVAL);
	CHECK(strstr(err, "found '?'"));
	CHECK_EQ(check("vm-"), -EINVAL);
	CHECK_STR(err, "instance name 'vm-' must not end with a hyphen");
	CHECK_EQ(check("abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcd"), -EINVAL);
	CHECK(strstr(err, "longer than 63 characters"));
	CHECK_EQ(check("vm\xc3\xa9"), -EINVAL);
}

int main(void)
{
	RUN(test_valid);
	RUN(test_invalid);
	return tap_done();
}
