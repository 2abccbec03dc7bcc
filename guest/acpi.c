/*
 * Test guest: just enough ACPI: find the RSDP and tables, count CPUs in the MADT, power
 * off through the FADT (PM1a_CNT, or SLEEP_CONTROL_REG when HW-reduced) with SLP_TYP
 * from the DSDT's \_S5_ package, and reset through the FADT's RESET_REG.
 */
#include "guest.h"

#define LOW_4G		(1ULL << 32)
#define HDR_LEN		36
#define MAX_TABLE	(16u << 20)

struct rsdp {
	char sig[8];
	u8 checksum;
	char oem[6];
	u8 revision;
	u32 rsdt;
	u32 length;
	u64 xsdt;
	u8 xchecksum;
	u8 reserved[3];
} __packed;

struct gas {
	u8 space;		/* 0 memory, 1 I/O */
	u8 bit_width;
	u8 bit_offset;
	u8 access_size;
	u64 address;
} __packed;

static u8 sum(const void *p, u32 len)
{
	const u8 *b = p;
	u8 s = 0;

	while (len--)
		s += *b++;
	return s;
}

static int rsdp_valid(u64 addr)
{
	const struct rsdp *r = phys(addr);

	return addr && addr < LOW_4G - sizeof(*r) && !memcmp(r->sig, "RSD PTR ", 8) &&
	       sum(r, 20) == 0;
}

static u64 scan_rsdp(u64 start, u64 end)
{
	u64 p;

	for (p = start; p + 20 <= end; p += 16)
		if (rsdp_valid(p))
			return p;
	return 0;
}

u64 acpi__find_rsdp(const struct boot_info *bi)
{
	u64 ebda = (u64)*(volatile u16 *)phys(0x40e) << 4;
	u64 p;

	if (rsdp_valid(bi->rsdp))
		return bi->rsdp;
	p = scan_rsdp(0xe0000, 0x100000);
	if (!p && ebda >= 0x80000 && ebda < 0xa0000)
		p = scan_rsdp(ebda, ebda + 1024);
	return p;
}

/* A table header we may read in full: below 4 GiB, sane length, good checksum. */
static void *table_at(u64 addr)
{
	u32 len;

	if (!addr || addr >= LOW_4G - HDR_LEN)
		return NULL;
	len = *(const u32 *)phys(addr + 4);
	if (len < HDR_LEN || len > MAX_TABLE || addr + len > LOW_4G)
		return NULL;
	if (sum(phys(addr), len) != 0)
		return NULL;
	return phys(addr);
}

void *acpi__find_table(u64 rsdp_addr, const char *sig)
{
	const struct rsdp *r = phys(rsdp_addr);
	int wide = r->revision >= 2 && r->xsdt;
	const u8 *root = table_at(wide ? r->xsdt : r->rsdt);
	unsigned esz = wide ? 8 : 4;
	u32 len, off;
	u64 entry;
	u8 *t;

	if (!root)
		return NULL;
	len = *(const u32 *)(root + 4);
	for (off = HDR_LEN; off + esz <= len; off += esz) {
		entry = wide ? *(const u64 *)(root + off) : *(const u32 *)(root + off);
		t = table_at(entry);
		if (t && !memcmp(t, sig, 4))
			return t;
	}
	return NULL;
}

static int lapic_enabled(u32 flags)
{
	return flags & 0x3;	/* enabled, or online-capable */
}

int acpi__count_cpus(u64 rsdp, struct cpu_count *cc)
{
	const u8 *madt = rsdp ? acpi__find_table(rsdp, "APIC") : NULL;
	u32 len, off;
	const u8 *e;

	if (!madt)
		return -1;
	len = *(const u32 *)(madt + 4);
	cc->lapic_addr = *(const u32 *)(madt + 36);
	cc->ncpus = 0;
	for (off = 44; off + 2 <= len && madt[off + 1] >= 2; off += madt[off + 1]) {
		e = madt + off;
		if (off + e[1] > len)
			break;
		if (e[0] == 0 && e[1] >= 8 && lapic_enabled(*(const u32 *)(e + 4)))
			cc->ncpus++;
		else if (e[0] == 9 && e[1] >= 16 && lapic_enabled(*(const u32 *)(e + 8)))
			cc->ncpus++;
		else if (e[0] == 5 && e[1] >= 12)
			cc->lapic_addr = *(const u64 *)(e + 4);
	}
	cc->source = "madt";
	return 0;
}

/* One AML integer: ZeroOp, OneOp, OnesOp, or Byte/Word/DWord prefix. */
static int aml_int(const u8 *p, const u8 *end, u32 *v, const u8 **next)
{
	if (p >= end)
		return -1;
	switch (*p) {
	case 0x00: *v = 0; *next = p + 1; return 0;
	case 0x01: *v = 1; *next = p + 1; return 0;
	case 0xff: *v = ~0u; *next = p + 1; return 0;
	case 0x0a: if (p + 2 > end) return -1; *v = p[1]; *next = p + 2; return 0;
	case 0x0b: if (p + 3 > end) return -1; *v = p[1] | p[2] << 8; *next = p + 3; return 0;
	case 0x0c:
		if (p + 5 > end)
			return -1;
		*v = *(const u32 *)(p + 1);
		*next = p + 5;
		return 0;
	}
	return -1;
}

/* Name(_S5_, Package(n) { SLP_TYPa, SLP_TYPb, ... }) */
static int find_s5(const u8 *dsdt, u32 *typa, u32 *typb)
{
	u32 len = *(const u32 *)(dsdt + 4), i;
	const u8 *end = dsdt + len, *p;

	for (i = HDR_LEN; i + 5 < len; i++) {
		if (memcmp(dsdt + i, "_S5_", 4) || dsdt[i + 4] != 0x12)
			continue;
		p = dsdt + i + 5;
		p += 1 + (*p >> 6);	/* PkgLength: lead byte + 0..3 more bytes */
		p++;			/* NumElements */
		if (aml_int(p, end, typa, &p))
			return -1;
		if (aml_int(p, end, typb, &p))
			*typb = *typa;
		return 0;
	}
	return -1;
}

static void gas_write(const struct gas *g, u32 v)
{
	unsigned size = g->access_size ? 1u << (g->access_size - 1) : g->bit_width / 8;

	if (g->space == 1 && size == 2)
		outw((u16)g->address, (u16)v);
	else if (g->space == 1 && size >= 4)
		outl((u16)g->address, v);
	else if (g->space == 1)
		outb((u16)g->address, (u8)v);
	else if (g->space == 0 && g->address < LOW_4G - 4 && size == 2)
		*(volatile u16 *)phys(g->address) = (u16)v;
	else if (g->space == 0 && g->address < LOW_4G - 4 && size >= 4)
		*(volatile u32 *)phys(g->address) = v;
	else if (g->space == 0 && g->address < LOW_4G - 4)
		*(volatile u8 *)phys(g->address) = (u8)v;
}

static void pm1_write(u16 port, u32 typ)
{
	u16 v = inw(port) & 0x0001;	/* keep SCI_EN */

	outw(port, v | (typ & 7) << 10 | 1 << 13);
}

static int do_sleep(const u8 *fadt, u32 typa, u32 typb, char *why, size_t whylen)
{
	u32 len = *(const u32 *)(fadt + 4);
	u32 flags = len >= 116 ? *(const u32 *)(fadt + 112) : 0;
	u32 pm1a = *(const u32 *)(fadt + 64), pm1b = *(const u32 *)(fadt + 68);
	const struct gas *ctl = (const struct gas *)(fadt + 244);
	const struct gas *xpm1a = (const struct gas *)(fadt + 172);

	if ((flags & (1 << 20)) && len >= 256 && ctl->address) {
		gas_write(ctl, (typa & 7) << 2 | 1 << 5);
		snprintf(why, whylen, "SLEEP_CONTROL_REG %#llx (space %u) write had no effect",
			 (unsigned long long)ctl->address, ctl->space);
		return 0;
	}
	if (!pm1a && len >= 184 && xpm1a->space == 1)
		pm1a = (u32)xpm1a->address;
	if (!pm1a || pm1a > 0xffff) {
		snprintf(why, whylen, "FADT has no PM1a_CNT_BLK nor SLEEP_CONTROL_REG");
		return -1;
	}
	if (pm1b && pm1b <= 0xffff)
		pm1_write((u16)pm1b, typb);
	pm1_write((u16)pm1a, typa);
	snprintf(why, whylen, "PM1a_CNT %#x write (SLP_TYP %u) had no effect", pm1a, typa);
	return 0;
}

/* Returns only when the VM is still alive; why says what was tried. */
int acpi__poweroff(u64 rsdp, char *why, size_t whylen)
{
	const u8 *fadt = rsdp ? acpi__find_table(rsdp, "FACP") : NULL;
	const u8 *dsdt;
	u32 len, typa, typb;
	u64 dsdt_addr;

	if (!fadt) {
		snprintf(why, whylen, rsdp ? "no FADT" : "no ACPI RSDP");
		return -1;
	}
	len = *(const u32 *)(fadt + 4);
	dsdt_addr = *(const u32 *)(fadt + 40);
	if (len >= 148 && *(const u64 *)(fadt + 140))
		dsdt_addr = *(const u64 *)(fadt + 140);
	dsdt = table_at(dsdt_addr);
	if (!dsdt || find_s5(dsdt, &typa, &typb)) {
		snprintf(why, whylen, dsdt ? "no \\_S5_ package in the DSDT" : "no valid DSDT");
		return -1;
	}
	if (do_sleep(fadt, typa, typb, why, whylen))
		return -1;
	tsc__delay_us(200000);
	return -1;
}

/* Writes the FADT's RESET_VALUE to RESET_REG; returns only when the VM is still alive. */
int acpi__reset(u64 rsdp, char *why, size_t whylen)
{
	const u8 *fadt = rsdp ? acpi__find_table(rsdp, "FACP") : NULL;
	const struct gas *reg;
	u32 len;

	if (!fadt) {
		snprintf(why, whylen, rsdp ? "no FADT" : "no ACPI RSDP");
		return -1;
	}
	len = *(const u32 *)(fadt + 4);
	reg = (const struct gas *)(fadt + 116);
	if (len < 129 || !(*(const u32 *)(fadt + 112) & (1 << 10)) || !reg->address) {
		snprintf(why, whylen, "the FADT offers no RESET_REG");
		return -1;
	}
	gas_write(reg, fadt[128]);
	tsc__delay_us(200000);
	snprintf(why, whylen, "RESET_REG %#llx (space %u) write of %#x had no effect",
		 (unsigned long long)reg->address, reg->space, fadt[128]);
	return -1;
}

/* The fixed power registers (I/O ports, 0 when absent) and \_S5_, for hostile=acpi. */
int acpi__power_regs(u64 rsdp, struct acpi_power_regs *r)
{
	const u8 *fadt = rsdp ? acpi__find_table(rsdp, "FACP") : NULL;
	const struct gas *reset;
	const u8 *dsdt;
	u32 len, typb;

	*r = (struct acpi_power_regs){ 0 };
	if (!fadt)
		return -1;
	len = *(const u32 *)(fadt + 4);
	r->pm1a_evt = (u16)*(const u32 *)(fadt + 56);
	r->pm1a_cnt = (u16)*(const u32 *)(fadt + 64);
	r->pm1b_cnt = (u16)*(const u32 *)(fadt + 68);
	reset = (const struct gas *)(fadt + 116);
	if (len >= 129 && reset->space == 1 && reset->address <= 0xffff) {
		r->reset_port = (u16)reset->address;
		r->reset_value = fadt[128];
	}
	dsdt = table_at(*(const u32 *)(fadt + 40));
	r->have_s5 = dsdt && !find_s5(dsdt, &r->s5_typ, &typb);
	return 0;
}
