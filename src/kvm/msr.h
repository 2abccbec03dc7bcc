/*
 * MSR policy: the values a vCPU starts with, firmware-like, and what the nested switch
 * changes. Pure logic, so unit tests can check both vendors with nesting on and off.
 */
#ifndef NV_KVM_MSR_H
#define NV_KVM_MSR_H

#include "kvm/cpuid.h"

#define MSR_IA32_FEATURE_CONTROL 0x3a
#define FEATURE_CONTROL_LOCKED (1ULL << 0)
#define FEATURE_CONTROL_VMXON_OUTSIDE_SMX (1ULL << 2)
#define MSR_IA32_VMX_BASIC 0x480
#define MSR_IA32_VMX_VMFUNC 0x491

struct msr_value {
	u32 index;
	u64 value;
};

#define MSR_POLICY_MAX 16

/* Fills out (room for MSR_POLICY_MAX) with the MSRs to set on a new vCPU; returns the count. */
unsigned msr_policy__build(enum cpu_vendor vendor, bool nested, struct msr_value *out);

#endif
