/* Start-up MSR values, including IA32_FEATURE_CONTROL for nested VMX. */
#include "kvm/msr.h"

static const struct msr_value firmware_defaults[] = {
	{ 0x174, 0 },			/* IA32_SYSENTER_CS */
	{ 0x175, 0 },			/* IA32_SYSENTER_ESP */
	{ 0x176, 0 },			/* IA32_SYSENTER_EIP */
	{ 0xc0000081, 0 },		/* STAR */
	{ 0xc0000082, 0 },		/* LSTAR */
	{ 0xc0000083, 0 },		/* CSTAR */
	{ 0xc0000084, 0 },		/* SYSCALL_MASK */
	{ 0xc0000102, 0 },		/* KERNEL_GS_BASE */
	{ 0x10, 0 },			/* IA32_TSC: all vCPUs start in step */
	{ 0x1a0, 1 },			/* IA32_MISC_ENABLE: fast strings */
	{ 0x2ff, (1 << 11) | 6 },	/* MTRRdefType: enabled, write-back */
};

_Static_assert(ARRAY_SIZE(firmware_defaults) < MSR_POLICY_MAX, "room for the nested MSRs");

/*
 * Nested VMX: firmware normally locks IA32_FEATURE_CONTROL with VMXON allowed outside SMX.
 * Locked without that bit, kvm_intel in the guest refuses to load (a bug seen in another
 * VMM), so lock it with the bit set. The VMX capability MSRs (0x480-0x491) need nothing:
 * KVM fills them with what it supports once VMX is in the guest's CPUID, and makes them
 * #GP when it is not, so --nested off hides them with the CPUID bit. AMD needs no MSR:
 * KVM's VM_CR leaves SVM enabled and the guest sets EFER.SVME itself.
 */
unsigned msr_policy__build(enum cpu_vendor vendor, bool nested, struct msr_value *out)
{
	unsigned n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(firmware_defaults); i++)
		out[n++] = firmware_defaults[i];
	if (vendor == VENDOR_INTEL && nested)
		out[n++] = (struct msr_value){
			MSR_IA32_FEATURE_CONTROL,
			FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMXON_OUTSIDE_SMX,
		};
	return n;
}
