/* MSR policy: firmware-like defaults for every vCPU, IA32_FEATURE_CONTROL only for nested VMX. */
#include "kvm/msr.h"
#include "tap.h"

static const struct msr_value *find(const struct msr_value *v, unsigned n, u32 index)
{
	for (unsigned i = 0; i < n; i++)
		if (v[i].index == index)
			return &v[i];
	return NULL;
}

static void test_defaults_for_everyone(void)
{
	static const enum cpu_vendor vendors[] = { VENDOR_INTEL, VENDOR_AMD, VENDOR_UNKNOWN };
	struct msr_value v[MSR_POLICY_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(vendors); i++) {
		for (int nested = 0; nested < 2; nested++) {
			unsigned n = msr_policy__build(vendors[i], nested, v);

			CHECK(n <= MSR_POLICY_MAX);
			CHECK(find(v, n, 0x1a0) && find(v, n, 0x1a0)->value == 1);	/* fast strings */
			CHECK(find(v, n, 0x10) && find(v, n, 0x10)->value == 0);	/* TSC */
			CHECK(find(v, n, 0xc0000082));					/* LSTAR */
		}
	}
}

static void test_intel_nested_on_locks_feature_control_with_vmxon(void)
{
	struct msr_value v[MSR_POLICY_MAX];
	unsigned n = msr_policy__build(VENDOR_INTEL, true, v);
	const struct msr_value *fc = find(v, n, MSR_IA32_FEATURE_CONTROL);

	CHECK(fc);
	CHECK(fc && (fc->value & FEATURE_CONTROL_LOCKED));
	/* Locked without VMXON-outside-SMX would make kvm_intel in the guest refuse to load. */
	CHECK(fc && (fc->value & FEATURE_CONTROL_VMXON_OUTSIDE_SMX));
}

static void test_nested_off_and_amd_leave_feature_control_alone(void)
{
	struct msr_value v[MSR_POLICY_MAX];
	unsigned n;

	n = msr_policy__build(VENDOR_INTEL, false, v);
	CHECK(!find(v, n, MSR_IA32_FEATURE_CONTROL));
	n = msr_policy__build(VENDOR_AMD, true, v);
	CHECK(!find(v, n, MSR_IA32_FEATURE_CONTROL));
	n = msr_policy__build(VENDOR_AMD, false, v);
	CHECK(!find(v, n, MSR_IA32_FEATURE_CONTROL));
}

static void test_no_vmx_capability_msrs_are_written(void)
{
	struct msr_value v[MSR_POLICY_MAX];

	/* KVM derives them from the guest's CPUID: on with VMX, #GP without. */
	for (int nested = 0; nested < 2; nested++) {
		unsigned n = msr_policy__build(VENDOR_INTEL, nested, v);

		for (unsigned i = 0; i < n; i++)
			CHECK(v[i].index < MSR_IA32_VMX_BASIC || v[i].index > MSR_IA32_VMX_VMFUNC);
	}
}

int main(void)
{
	RUN(test_defaults_for_everyone);
	RUN(test_intel_nested_on_locks_feature_control_with_vmxon);
	RUN(test_nested_off_and_amd_leave_feature_control_alone);
	RUN(test_no_vmx_capability_msrs_are_written);
	return tap_done();
}
