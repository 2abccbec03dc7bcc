/*
 * CPUID policy: from KVM_GET_SUPPORTED_CPUID to the table one vCPU sees. Pure logic (no
 * ioctls) so the unit tests can feed recorded tables from Intel and AMD hosts.
 */
#ifndef NV_KVM_CPUID_H
#define NV_KVM_CPUID_H

#include <linux/kvm.h>

#include "util/util.h"

#define CPUID_1_ECX_VMX (1u << 5)
#define CPUID_1_ECX_HYPERVISOR (1u << 31)
#define CPUID_1_EDX_HTT (1u << 28)
#define CPUID_80000001_ECX_CMP_LEGACY (1u << 1)
#define CPUID_80000001_ECX_SVM (1u << 2)

enum cpu_vendor { VENDOR_UNKNOWN, VENDOR_INTEL, VENDOR_AMD };

struct cpuid_policy {
	unsigned vcpu_index;	/* becomes the APIC ID */
	unsigned ncpus;		/* one socket, ncpus cores, one thread per core */
	bool nested;		/* keep VMX/SVM as KVM offers them; off: hide both */
};

enum cpu_vendor cpuid__vendor(const struct kvm_cpuid2 *table);
const char *cpuid__vendor_name(enum cpu_vendor vendor);

/* Finds an entry (index is ignored for leaves without the SIGNIFCANT_INDEX flag). */
struct kvm_cpuid_entry2 *cpuid__find(const struct kvm_cpuid2 *table, u32 function, u32 index);

/* Returns a malloc'd copy of supported shaped by policy, or NULL when out of memory. */
struct kvm_cpuid2 *cpuid__build(const struct kvm_cpuid2 *supported, const struct cpuid_policy *policy);

#endif
