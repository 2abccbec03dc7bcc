/*
 * The CPU state each entry mode expects: the boot GDT and, for long mode, the identity map.
 * boot__cpu_setup() is the single source; the GDT is encoded from it so the two cannot differ.
 */
#include <errno.h>
#include <string.h>

#include "boot/layout.h"
#include "boot/loader.h"

#define PAGE_SIZE	4096
#define PTE_PRESENT	(1ULL << 0)
#define PTE_WRITE	(1ULL << 1)
#define PTE_LARGE	(1ULL << 7)
#define LARGE_PAGE	(2ULL * MiB)
#define TYPE_CODE	0xb		/* execute/read, accessed */
#define TYPE_DATA	0x3		/* read/write, accessed */
#define GDT_SLOTS	((BOOT_GDT_LIMIT + 1) / 8)

_Static_assert(BOOT_PD_ADDR + (BOOT_IDENTITY_MAP_SIZE / GiB) * PAGE_SIZE <= BOOT_CMDLINE_ADDR,
	       "page directories fit below the command line");
_Static_assert(BOOT_GDT_ADDR + GDT_SLOTS * 8 <= BOOT_INFO_ADDR, "GDT fits below the info page");
_Static_assert(BOOT_CS_LONG64 / 8 < GDT_SLOTS && BOOT_DS_LONG64 / 8 < GDT_SLOTS &&
	       BOOT_CS_PROT32 / 8 < GDT_SLOTS && BOOT_DS_PROT32 / 8 < GDT_SLOTS,
	       "the selectors fit the GDT");

static struct boot_segment flat(u16 selector, u8 type, bool code64)
{
	return (struct boot_segment){
		.base = 0, .limit = 0xffffffff, .selector = selector, .type = type,
		.present = 1, .dpl = 0, .s = 1, .l = code64, .db = !code64, .g = 1,
	};
}

void boot__cpu_setup(enum cpu_entry_mode mode, struct boot_cpu_setup *setup)
{
	memset(setup, 0, sizeof(*setup));
	setup->gdt_base = BOOT_GDT_ADDR;
	setup->gdt_limit = BOOT_GDT_LIMIT;
	if (mode == ENTRY_LONG64) {
		setup->cs = flat(BOOT_CS_LONG64, TYPE_CODE, true);
		setup->ds = flat(BOOT_DS_LONG64, TYPE_DATA, false);
		setup->cr0 = BOOT_CR0_PE | BOOT_CR0_ET | BOOT_CR0_PG;
		setup->cr3 = BOOT_PML4_ADDR;
		setup->cr4 = BOOT_CR4_PAE;
		setup->efer = BOOT_EFER_LME | BOOT_EFER_LMA;
	} else {
		setup->cs = flat(BOOT_CS_PROT32, TYPE_CODE, false);
		setup->ds = flat(BOOT_DS_PROT32, TYPE_DATA, false);
		setup->cr0 = BOOT_CR0_PE | BOOT_CR0_ET;
	}
}

static u64 encode(const struct boot_segment *s)
{
	u64 limit = s->g ? s->limit >> 12 : s->limit;
	u64 access = s->type | (u64)s->s << 4 | (u64)s->dpl << 5 | (u64)s->present << 7;
	u64 flags = (u64)s->l << 1 | (u64)s->db << 2 | (u64)s->g << 3;

	return (limit & 0xffff) | (s->base & 0xffffff) << 16 | access << 40 |
	       ((limit >> 16) & 0xf) << 48 | flags << 52 | ((s->base >> 24) & 0xff) << 56;
}

static int write_gdt(struct boot_ctx *ctx, enum cpu_entry_mode mode)
{
	u64 gdt[GDT_SLOTS] = { 0 };
	struct boot_cpu_setup setup;

	boot__cpu_setup(mode, &setup);
	gdt[setup.cs.selector / 8] = encode(&setup.cs);
	gdt[setup.ds.selector / 8] = encode(&setup.ds);
	if (guest_memory__write(ctx->mem, BOOT_GDT_ADDR, gdt, sizeof(gdt)))
		return boot_err(ctx, ENOMEM, "no guest RAM for the boot GDT");
	return 0;
}

static int write_identity_map(struct boot_ctx *ctx)
{
	u64 npd = BOOT_IDENTITY_MAP_SIZE / GiB;
	u64 *pml4 = guest_memory__ptr(ctx->mem, BOOT_PML4_ADDR, PAGE_SIZE);
	u64 *pdpt = guest_memory__ptr(ctx->mem, BOOT_PDPT_ADDR, PAGE_SIZE);
	u64 *pd = guest_memory__ptr(ctx->mem, BOOT_PD_ADDR, npd * PAGE_SIZE);

	if (!pml4 || !pdpt || !pd)
		return boot_err(ctx, ENOMEM, "no guest RAM for the boot page tables");
	memset(pml4, 0, PAGE_SIZE);
	memset(pdpt, 0, PAGE_SIZE);
	pml4[0] = BOOT_PDPT_ADDR | PTE_PRESENT | PTE_WRITE;
	for (u64 i = 0; i < npd; i++)
		pdpt[i] = (BOOT_PD_ADDR + i * PAGE_SIZE) | PTE_PRESENT | PTE_WRITE;
	for (u64 i = 0; i < npd * 512; i++)
		pd[i] = i * LARGE_PAGE | PTE_PRESENT | PTE_WRITE | PTE_LARGE;
	return 0;
}

int boot_write_cpu_tables(struct boot_ctx *ctx, enum cpu_entry_mode mode)
{
	int ret = write_gdt(ctx, mode);

	if (!ret && mode == ENTRY_LONG64)
		ret = write_identity_map(ctx);
	return ret;
}
