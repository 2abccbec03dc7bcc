/* CPUID policy: topology (APIC IDs, core counts), hypervisor bit, and the nested switch. */
#include <stdlib.h>
#include <string.h>

#include "kvm/cpuid.h"

enum cpu_vendor cpuid__vendor(const struct kvm_cpuid2 *table)
{
	struct kvm_cpuid_entry2 *e = cpuid__find(table, 0, 0);

	if (!e)
		return VENDOR_UNKNOWN;
	/* "GenuineIntel" / "AuthenticAMD" in EBX, EDX, ECX order. */
	if (e->ebx == 0x756e6547 && e->edx == 0x49656e69 && e->ecx == 0x6c65746e)
		return VENDOR_INTEL;
	if (e->ebx == 0x68747541 && e->edx == 0x69746e65 && e->ecx == 0x444d4163)
		return VENDOR_AMD;
	return VENDOR_UNKNOWN;
}

const char *cpuid__vendor_name(enum cpu_vendor vendor)
{
	switch (vendor) {
	case VENDOR_INTEL:
		return "Intel";
	case VENDOR_AMD:
		return "AMD";
	default:
		return "unknown";
	}
}

struct kvm_cpuid_entry2 *cpuid__find(const struct kvm_cpuid2 *table, u32 function, u32 index)
{
	for (u32 i = 0; i < table->nent; i++) {
		struct kvm_cpuid_entry2 *e = (struct kvm_cpuid_entry2 *)&table->entries[i];

		if (e->function != function)
			continue;
		if (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == index)
			return e;
	}
	return NULL;
}

/* Bits needed to number n items: the shift of the next topology level. */
static u32 order_base_2(u32 n)
{
	u32 bits = 0;

	while ((1u << bits) < n)
		bits++;
	return bits;
}

static void set_leaf1(struct kvm_cpuid_entry2 *e, const struct cpuid_policy *p)
{
	e->ebx &= 0x0000ffff;
	e->ebx |= (p->vcpu_index & 0xff) << 24;
	e->ebx |= (p->ncpus & 0xff) << 16;
	if (p->ncpus > 1)
		e->edx |= CPUID_1_EDX_HTT;
	e->ecx |= CPUID_1_ECX_HYPERVISOR;
	if (!p->nested)
		e->ecx &= ~CPUID_1_ECX_VMX;
}

/* Intel deterministic cache parameters: cores per package and threads sharing each cache. */
static void set_leaf4(struct kvm_cpuid_entry2 *e, const struct cpuid_policy *p)
{
	u32 level = (e->eax >> 5) & 7;
	u32 sharing = level >= 3 ? p->ncpus - 1 : 0;

	if ((e->eax & 0x1f) == 0)	/* no more caches */
		return;
	e->eax &= 0x3fff;
	e->eax |= ((p->ncpus - 1) & 0x3f) << 26;
	e->eax |= (sharing & 0xfff) << 14;
}

/* Extended topology (0xB and 0x1F): level 0 threads (one per core), level 1 cores. */
static void set_topology_leaf(struct kvm_cpuid_entry2 *e, const struct cpuid_policy *p)
{
	e->edx = p->vcpu_index;
	switch (e->index) {
	case 0:
		e->eax = 0;
		e->ebx = 1;
		/* cppcheck-suppress badBitmaskCheck ; the level type (1: SMT) beside the level number (0) */
		e->ecx = (1u << 8) | 0;
		break;
	case 1:
		e->eax = order_base_2(p->ncpus);
		e->ebx = p->ncpus;
		e->ecx = (2u << 8) | 1;
		break;
	default:
		e->eax = 0;
		e->ebx = 0;
		e->ecx = e->index & 0xff;
		break;
	}
}

static void set_amd_leaves(struct kvm_cpuid_entry2 *e, const struct cpuid_policy *p)
{
	switch (e->function) {
	case 0x80000001:
		if (p->ncpus > 1)
			e->ecx |= CPUID_80000001_ECX_CMP_LEGACY;
		if (!p->nested)
			e->ecx &= ~CPUID_80000001_ECX_SVM;
		break;
	case 0x80000008:
		e->ecx &= ~0xf0ffu;
		e->ecx |= (p->ncpus - 1) & 0xff;
		e->ecx |= order_base_2(p->ncpus) << 12;
		break;
	case 0x8000000a:	/* SVM revision and features: meaningless without SVM */
		if (!p->nested)
			e->eax = e->ebx = e->ecx = e->edx = 0;
		break;
	case 0x8000001e:
		e->eax = p->vcpu_index;
		e->ebx = p->vcpu_index & 0xff;	/* core id, one thread per core */
		e->ecx = 0;			/* node 0, one node per socket */
		break;
	}
}

static void apply_policy(struct kvm_cpuid_entry2 *e, const struct cpuid_policy *p)
{
	switch (e->function) {
	case 1:
		set_leaf1(e, p);
		break;
	case 4:
		set_leaf4(e, p);
		break;
	case 0xb:
	case 0x1f:
		set_topology_leaf(e, p);
		break;
	default:
		set_amd_leaves(e, p);
		break;
	}
}

struct kvm_cpuid2 *cpuid__build(const struct kvm_cpuid2 *supported, const struct cpuid_policy *policy)
{
	size_t size = sizeof(*supported) + supported->nent * sizeof(supported->entries[0]);
	struct kvm_cpuid2 *table = malloc(size);
	struct cpuid_policy p = *policy;

	if (!table)
		return NULL;
	if (p.ncpus == 0)
		p.ncpus = 1;
	memcpy(table, supported, size);
	for (u32 i = 0; i < table->nent; i++)
		apply_policy(&table->entries[i], &p);
	return table;
}
