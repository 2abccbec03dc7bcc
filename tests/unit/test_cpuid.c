/* CPUID policy on recorded KVM_GET_SUPPORTED_CPUID tables: topology and the nested switch. */
#include <stdlib.h>
#include <string.h>

#include "kvm/cpuid.h"
#include "tap.h"

#define MAX_ENTRIES 16

struct table {
	struct kvm_cpuid2 hdr;
	struct kvm_cpuid_entry2 e[MAX_ENTRIES];
};

static void add(struct table *t, u32 fn, u32 idx, u32 flags, u32 a, u32 b, u32 c, u32 d)
{
	t->e[t->hdr.nent++] = (struct kvm_cpuid_entry2){ .function = fn, .index = idx, .flags = flags,
							 .eax = a, .ebx = b, .ecx = c, .edx = d };
}

/* Recorded on an AMD EPYC host with kvm_amd nested=1 (SVM offered), trimmed to the leaves we shape. */
static void amd_table(struct table *t)
{
	t->hdr.nent = 0;
	add(t, 0, 0, 0, 0x10, 0x68747541, 0x444d4163, 0x69746e65);
	add(t, 1, 0, 0, 0x00a00f11, 0x00020800, 0xf6f83203, 0x178bfbff);
	add(t, 0xb, 0, KVM_CPUID_FLAG_SIGNIFCANT_INDEX, 1, 2, 0x100, 0);
	add(t, 0xb, 1, KVM_CPUID_FLAG_SIGNIFCANT_INDEX, 4, 8, 0x201, 0);
	add(t, 0x80000001, 0, 0, 0x00a00f11, 0, 0x75c237ff, 0x2fd3fbff);
	add(t, 0x80000008, 0, 0, 0x3030, 0, 0x7007, 0);
	add(t, 0x8000000a, 0, 0, 1, 0x8000, 0, 0x1ebfbcff);
	add(t, 0x8000001e, 0, 0, 5, 0x102, 0, 0);
}

/* Recorded on an Intel Xeon host with kvm_intel nested=1 (VMX offered). */
static void intel_table(struct table *t)
{
	t->hdr.nent = 0;
	add(t, 0, 0, 0, 0x1b, 0x756e6547, 0x6c65746e, 0x49656e69);
	add(t, 1, 0, 0, 0x000506f1, 0x00010800, 0xf7fa3223, 0x0f8bfbff);
	add(t, 4, 0, KVM_CPUID_FLAG_SIGNIFCANT_INDEX, 0x1c000121, 0x01c0003f, 0x3f, 0);
	add(t, 4, 3, KVM_CPUID_FLAG_SIGNIFCANT_INDEX, 0x1c03c163, 0x03c0003f, 0x3fff, 6);
	add(t, 0x80000001, 0, 0, 0, 0, 0x121, 0x2c100800);
}

/* Recorded from this project's development machines: software KVM on AMD, neither VMX nor SVM. */
static void neither_table(struct table *t)
{
	t->hdr.nent = 0;
	add(t, 0, 0, 0, 0x1c, 0x68747541, 0x444d4163, 0x69746e65);
	add(t, 1, 0, 0, 0x00a10f11, 0x01020800, 0x81202000, 0x078bfbff);
	add(t, 0x80000001, 0, 0, 0x00a10f11, 0x40000000, 0x00400393, 0x23d3fbff);
	add(t, 0x8000000a, 0, 0, 0, 0, 0, 0);
}

static struct kvm_cpuid2 *build(struct table *t, unsigned index, unsigned ncpus, bool nested)
{
	struct cpuid_policy p = { .vcpu_index = index, .ncpus = ncpus, .nested = nested };

	return cpuid__build(&t->hdr, &p);
}

static void test_vendor(void)
{
	struct table t;

	amd_table(&t);
	CHECK_EQ(cpuid__vendor(&t.hdr), VENDOR_AMD);
	intel_table(&t);
	CHECK_EQ(cpuid__vendor(&t.hdr), VENDOR_INTEL);
	t.hdr.nent = 0;
	CHECK_EQ(cpuid__vendor(&t.hdr), VENDOR_UNKNOWN);
}

static void test_apic_ids_and_counts(void)
{
	struct table t;

	amd_table(&t);
	for (unsigned i = 0; i < 4; i++) {
		struct kvm_cpuid2 *c = build(&t, i, 4, false);
		struct kvm_cpuid_entry2 *l1 = cpuid__find(c, 1, 0);
		struct kvm_cpuid_entry2 *x2 = cpuid__find(c, 0xb, 1);

		CHECK_EQ(l1->ebx >> 24, i);
		CHECK_EQ((l1->ebx >> 16) & 0xff, 4);
		CHECK(l1->edx & CPUID_1_EDX_HTT);
		CHECK(l1->ecx & CPUID_1_ECX_HYPERVISOR);
		CHECK_EQ(x2->edx, i);
		CHECK_EQ(x2->ebx, 4);
		CHECK_EQ(x2->eax, 2);	/* 4 cores need 2 bits */
		CHECK_EQ(cpuid__find(c, 0x80000008, 0)->ecx & 0xff, 3);
		CHECK_EQ(cpuid__find(c, 0x8000001e, 0)->eax, i);
		free(c);
	}
}

static void test_intel_cache_topology(void)
{
	struct table t;
	struct kvm_cpuid2 *c;

	intel_table(&t);
	c = build(&t, 1, 8, false);
	CHECK_EQ(cpuid__find(c, 4, 0)->eax >> 26, 7);
	CHECK_EQ((cpuid__find(c, 4, 3)->eax >> 14) & 0xfff, 7);	/* L3 shared by all 8 */
	CHECK_EQ((cpuid__find(c, 4, 0)->eax >> 14) & 0xfff, 0);	/* L1 per core */
	free(c);
}

static void test_nested_off_hides_vmx_and_svm(void)
{
	struct table amd, intel;
	struct kvm_cpuid2 *c;

	amd_table(&amd);
	c = build(&amd, 0, 1, false);
	CHECK(!(cpuid__find(c, 0x80000001, 0)->ecx & CPUID_80000001_ECX_SVM));
	CHECK_EQ(cpuid__find(c, 0x8000000a, 0)->edx, 0);
	free(c);
	intel_table(&intel);
	c = build(&intel, 0, 1, false);
	CHECK(!(cpuid__find(c, 1, 0)->ecx & CPUID_1_ECX_VMX));
	free(c);
}

static void test_nested_on_keeps_what_kvm_offers(void)
{
	struct table amd, intel;
	struct kvm_cpuid2 *c;

	amd_table(&amd);
	c = build(&amd, 0, 1, true);
	CHECK(cpuid__find(c, 0x80000001, 0)->ecx & CPUID_80000001_ECX_SVM);
	CHECK_EQ(cpuid__find(c, 0x8000000a, 0)->edx, 0x1ebfbcff);
	free(c);
	intel_table(&intel);
	c = build(&intel, 0, 1, true);
	CHECK(cpuid__find(c, 1, 0)->ecx & CPUID_1_ECX_VMX);
	free(c);
}

/* Every register bit that differs between nested on and off, table by table. */
static unsigned count_differing_bits(struct kvm_cpuid2 *on, struct kvm_cpuid2 *off, u32 *where_fn,
				     u32 *where_reg, u32 *where_mask)
{
	unsigned bits = 0;

	for (u32 i = 0; i < on->nent; i++) {
		const u32 *a = &on->entries[i].eax, *b = &off->entries[i].eax;

		for (u32 r = 0; r < 4; r++) {
			u32 diff = a[r] ^ b[r];

			if (!diff)
				continue;
			bits += __builtin_popcount(diff);
			*where_fn = on->entries[i].function;
			*where_reg = r;
			*where_mask = diff;
		}
	}
	return bits;
}

static void test_on_off_differ_only_in_the_virtualization_bit(void)
{
	struct table intel, neither;
	struct kvm_cpuid2 *on, *off;
	u32 fn = 0, reg = 0, mask = 0;

	intel_table(&intel);
	on = build(&intel, 0, 2, true);
	off = build(&intel, 0, 2, false);
	CHECK_EQ(count_differing_bits(on, off, &fn, &reg, &mask), 1);
	CHECK_EQ(fn, 1);
	CHECK_EQ(reg, 2);	/* ECX */
	CHECK_EQ(mask, CPUID_1_ECX_VMX);
	free(on);
	free(off);

	neither_table(&neither);
	on = build(&neither, 0, 2, true);
	off = build(&neither, 0, 2, false);
	CHECK_EQ(count_differing_bits(on, off, &fn, &reg, &mask), 0);
	CHECK(!(cpuid__find(on, 0x80000001, 0)->ecx & CPUID_80000001_ECX_SVM));
	CHECK(!(cpuid__find(on, 1, 0)->ecx & CPUID_1_ECX_VMX));
	free(on);
	free(off);
}

static void test_amd_on_off_differ_in_svm_and_its_leaf_only(void)
{
	struct table amd;
	struct kvm_cpuid2 *on, *off;

	amd_table(&amd);
	on = build(&amd, 1, 2, true);
	off = build(&amd, 1, 2, false);
	for (u32 i = 0; i < on->nent; i++) {
		struct kvm_cpuid_entry2 *a = &on->entries[i], *b = &off->entries[i];
		bool same = !memcmp(&a->eax, &b->eax, 4 * sizeof(u32));

		if (a->function == 0x80000001)
			CHECK(a->ecx == (b->ecx | CPUID_80000001_ECX_SVM) && a->eax == b->eax &&
			      a->ebx == b->ebx && a->edx == b->edx);
		else if (a->function != 0x8000000a)
			CHECK(same);
	}
	free(on);
	free(off);
}

int main(void)
{
	RUN(test_on_off_differ_only_in_the_virtualization_bit);
	RUN(test_amd_on_off_differ_in_svm_and_its_leaf_only);
	RUN(test_vendor);
	RUN(test_apic_ids_and_counts);
	RUN(test_intel_cache_topology);
	RUN(test_nested_off_hides_vmx_and_svm);
	RUN(test_nested_on_keeps_what_kvm_offers);
	return tap_done();
}
