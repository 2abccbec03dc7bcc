/*
 * Test guest: identity mappings for MMIO above 4 GiB (64-bit PCI BARs), added from ring 3.
 * tables.S maps the first 4 GiB user-accessible, page tables included, so ring 3 can add
 * entries; only not-present entries become present, so no TLB flush (a ring-0 job) is due.
 */
#include "virtio.h"

#define PAGE_2M		(2ULL << 20)
#define LOW_4G		(1ULL << 32)
#define VA_LIMIT	(1ULL << 47)	/* canonical lower half: identity-mappable */
#define ADDR_MASK	0x000ffffffffff000ULL
#define TABLE_FLAGS	(PTE_P | PTE_RW | PTE_US)
#define MMIO_FLAGS	(PTE_P | PTE_RW | PTE_US | PTE_PS | PTE_PWT | PTE_PCD)
#define NTABLES		8

extern u64 pml4[512];

static u64 tables[NTABLES][512] __attribute__((aligned(4096)));
static unsigned ntables_used;

/* The table entry *e points to, creating an empty one when it is not present. */
static u64 *next_level(u64 *e)
{
	u64 *t;

	if (*e & PTE_P)
		return (u64 *)(uintptr_t)(*e & ADDR_MASK);
	if (ntables_used == NTABLES)
		return NULL;
	t = tables[ntables_used++];
	memset(t, 0, 4096);
	*(volatile u64 *)e = (u64)(uintptr_t)t | TABLE_FLAGS;
	return t;
}

static int map_2m(u64 a)
{
	u64 *pdpt, *pd, *pdpte;

	pdpt = next_level(&pml4[(a >> 39) & 511]);
	if (!pdpt)
		return -1;
	pdpte = &pdpt[(a >> 30) & 511];
	if ((*pdpte & PTE_P) && (*pdpte & PTE_PS))
		return 0;	/* a 1 GiB page already covers it */
	pd = next_level(pdpte);
	if (!pd)
		return -1;
	*(volatile u64 *)&pd[(a >> 21) & 511] = a | MMIO_FLAGS;
	return 0;
}

int paging__map_mmio(u64 phys, u64 len)
{
	u64 a = phys & ~(PAGE_2M - 1), end = (phys + len + PAGE_2M - 1) & ~(PAGE_2M - 1);

	if (!len || end > VA_LIMIT || end < phys)
		return -1;
	for (; a < end; a += PAGE_2M)
		if (a >= LOW_4G && map_2m(a))
			return -1;
	return 0;
}
