/*
 * Builds the ACPI tables in the BIOS area: RSDP -> XSDT/RSDT -> FADT (-> FACS, DSDT) and MADT.
 * The FADT describes the fixed PM hardware of layout.h; the DSDT carries \_S5 and the PCI
 * root bridge \_SB.PCI0 (windows from layout.h, INTx routing in _PRT).
 */
#include <errno.h>
#include <string.h>

#include "boot/acpi.h"
#include "boot/aml.h"
#include "boot/boot.h"
#include "boot/layout.h"

#define TABLE_ALIGN	16
#define FACS_ALIGN	64	/* the spec requires a 64-byte aligned FACS */
#define NSDT_ENTRIES	2	/* FADT and MADT; DSDT and FACS hang off the FADT */
#define MADT_REVISION	4
#define DSDT_REVISION	2	/* 64-bit AML integers */
#define AML_MAX		32

#define DSDT_AML_MAX	4096	/* the AML below is about 2 KiB */
#define PCI_SLOTS	32
#define PCI_PINS	4	/* INTA# to INTD# */

struct acpi_layout {
	u64 rsdp, xsdt, rsdt, fadt, facs, madt, dsdt, end;	/* offsets from BOOT_ACPI_ADDR */
};

u8 acpi__checksum(const void *p, size_t len)
{
	const u8 *b = p;
	u8 sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += b[i];
	return (u8)-sum;
}

u64 acpi__rsdp_addr(void)
{
	return BOOT_ACPI_ADDR;
}

static u64 place(u64 *cur, u64 size, u64 align)
{
	u64 at = ALIGN_UP(*cur, align);

	*cur = at + size;
	return at;
}

static u32 madt_size(unsigned ncpus)
{
	return sizeof(struct acpi_madt) + ncpus * sizeof(struct acpi_madt_lapic) +
	       sizeof(struct acpi_madt_ioapic) + 2 * sizeof(struct acpi_madt_iso) +
	       sizeof(struct acpi_madt_lapic_nmi);
}

/* Name(_S5_, Package(4) { SLP_TYPa, SLP_TYPb, 0, 0 }): what to write to PM1_CNT for S5. */
static void aml_s5(struct aml *a)
{
	aml__name(a, "_S5_");
	aml__package_begin(a, 4);
	aml__integer(a, ACPI_S5_SLP_TYP);
	aml__integer(a, ACPI_S5_SLP_TYP);
	aml__integer(a, 0);
	aml__integer(a, 0);
	aml__end(a);
}

/*
 * The root bridge's windows: bus 0 only; all I/O ports but the config mechanism's
 * 0xcf8-0xcff, which the bridge itself decodes; the 32-bit MMIO window of layout.h.
 */
static void aml_pci_crs(struct aml *a)
{
	u8 buf[128];
	struct aml r;

	aml__init(&r, buf, sizeof(buf));
	aml__res_bus_number(&r, 0, 0);
	aml__res_io(&r, PCI_CONFIG_ADDR_PORT, 8);
	aml__res_word_io(&r, 0x0000, PCI_CONFIG_ADDR_PORT - 1);
	aml__res_word_io(&r, PCI_CONFIG_ADDR_PORT + 8, 0xffff);
	aml__res_dword_memory(&r, (u32)PCI_MMIO_START, (u32)(PCI_MMIO_END - 1));
	aml__name(a, "_CRS");
	aml__resource_template(a, &r);
}

/*
 * _PRT: slot N's pin P (0 = INTA#) goes straight to GSI FIRST + (N + P) % NR, the swizzle
 * that spreads devices over the IOAPIC pins. Source 0 means "SourceIndex is the GSI", which
 * Linux then programs level-triggered, active-low, as PCI wants.
 */
static void aml_pci_prt(struct aml *a)
{
	aml__name(a, "_PRT");
	aml__package_begin(a, PCI_SLOTS * PCI_PINS);
	for (u32 slot = 0; slot < PCI_SLOTS; slot++) {
		for (u32 pin = 0; pin < PCI_PINS; pin++) {
			aml__package_begin(a, 4);
			aml__integer(a, slot << 16 | 0xffff);	/* any function of the slot */
			aml__integer(a, pin);
			aml__integer(a, 0);
			aml__integer(a, PCI_INTX_FIRST_GSI + (slot + pin) % PCI_INTX_NR_GSI);
			aml__end(a);
		}
	}
	aml__end(a);
}

/*
 * PCI0: a PCI (not PCIe: no MCFG) host bridge for segment 0, bus 0, config via 0xcf8. No
 * _ADR: the spec says a device has _HID or _ADR, not both, and iasl warns about both.
 */
static void aml_pci0(struct aml *a)
{
	aml__scope_begin(a, "\\_SB");
	aml__device_begin(a, "PCI0");
	aml__name(a, "_HID");
	aml__eisaid(a, "PNP0A03");
	aml__name(a, "_UID");
	aml__integer(a, 0);
	aml__name(a, "_SEG");
	aml__integer(a, 0);
	aml__name(a, "_BBN");
	aml__integer(a, 0);
	aml_pci_crs(a);
	aml_pci_prt(a);
	aml__end(a);
	aml__end(a);
}

/* The DSDT's AML into buf: its length, or -errno. */
static long dsdt_aml(u8 *buf, size_t cap)
{
	struct aml a;

	aml__init(&a, buf, cap);
	aml_s5(&a);
	aml_pci0(&a);
	return aml__finish(&a);
}

static void layout(unsigned ncpus, struct acpi_layout *l)
{
	u8 aml[DSDT_AML_MAX];
	long n = dsdt_aml(aml, sizeof(aml));
	u64 cur = 0;

	l->rsdp = place(&cur, sizeof(struct acpi_rsdp), TABLE_ALIGN);
	l->xsdt = place(&cur, sizeof(struct acpi_table_header) + NSDT_ENTRIES * 8, TABLE_ALIGN);
	l->rsdt = place(&cur, sizeof(struct acpi_table_header) + NSDT_ENTRIES * 4, TABLE_ALIGN);
	l->fadt = place(&cur, sizeof(struct acpi_fadt), TABLE_ALIGN);
	l->facs = place(&cur, sizeof(struct acpi_facs), FACS_ALIGN);
	l->madt = place(&cur, madt_size(ncpus), TABLE_ALIGN);
	/* A DSDT that does not encode is refused by acpi__build; size it as empty. */
	l->dsdt = place(&cur, sizeof(struct acpi_table_header) + (n > 0 ? n : 0), TABLE_ALIGN);
	l->end = cur;
}

u64 acpi__size(unsigned ncpus)
{
	struct acpi_layout l;

	layout(ncpus, &l);
	return l.end;
}

static void set_header(u8 *table, const char *sig, u32 len, u8 rev)
{
	struct acpi_table_header h;

	memset(&h, 0, sizeof(h));
	memcpy(h.signature, sig, 4);
	h.length = len;
	h.revision = rev;
	memcpy(h.oem_id, ACPI_OEM_ID, sizeof(h.oem_id));
	memcpy(h.oem_table_id, ACPI_OEM_TABLE_ID, sizeof(h.oem_table_id));
	h.oem_revision = 1;
	memcpy(h.creator_id, ACPI_CREATOR_ID, sizeof(h.creator_id));
	h.creator_revision = 1;
	memcpy(table, &h, sizeof(h));
	/* The content is in place already: the checksum is the last thing to write. */
	table[offsetof(struct acpi_table_header, checksum)] = acpi__checksum(table, len);
}

static struct acpi_gas io_gas(u16 port, u8 len, u8 access)
{
	return (struct acpi_gas){ .space_id = ACPI_GAS_SYSTEM_IO, .bit_width = len * 8,
				  .access_size = access, .address = port };
}

static void build_fadt(u8 *p, u64 facs, u64 dsdt)
{
	struct acpi_fadt f;

	memset(&f, 0, sizeof(f));
	f.firmware_ctrl = (u32)facs;
	f.dsdt = (u32)dsdt;
	f.x_firmware_ctrl = facs;
	f.x_dsdt = dsdt;
	f.sci_int = ACPI_SCI_IRQ;
	f.pm1a_evt_blk = ACPI_PM1A_EVT_PORT;
	f.pm1_evt_len = ACPI_PM1A_EVT_LEN;
	f.x_pm1a_evt_blk = io_gas(ACPI_PM1A_EVT_PORT, ACPI_PM1A_EVT_LEN, ACPI_GAS_ACCESS_WORD);
	f.pm1a_cnt_blk = ACPI_PM1A_CNT_PORT;
	f.pm1_cnt_len = ACPI_PM1A_CNT_LEN;
	f.x_pm1a_cnt_blk = io_gas(ACPI_PM1A_CNT_PORT, ACPI_PM1A_CNT_LEN, ACPI_GAS_ACCESS_WORD);
	/* Latencies above 100 and 1000 us say "no C2, no C3". */
	f.p_lvl2_lat = 101;
	f.p_lvl3_lat = 1001;
	f.iapc_boot_arch = ACPI_BOOT_LEGACY_DEVICES | ACPI_BOOT_8042 | ACPI_BOOT_NO_VGA;
	f.flags = ACPI_FADT_WBINVD | ACPI_FADT_PROC_C1 | ACPI_FADT_PWR_BUTTON |
		  ACPI_FADT_SLP_BUTTON | ACPI_FADT_RESET_REG_SUP;
	f.reset_reg = io_gas(ACPI_RESET_PORT, 1, ACPI_GAS_ACCESS_BYTE);
	f.reset_value = ACPI_RESET_VALUE;
	memcpy(p, &f, sizeof(f));
	set_header(p, "FACP", sizeof(f), ACPI_FADT_REVISION);
}

static void build_facs(u8 *p)
{
	struct acpi_facs facs;

	memset(&facs, 0, sizeof(facs));
	memcpy(facs.signature, "FACS", 4);
	facs.length = sizeof(facs);
	facs.version = 2;
	memcpy(p, &facs, sizeof(facs));
}

static u32 madt_add(u8 *p, u32 off, const void *entry, size_t len)
{
	memcpy(p + off, entry, len);
	return off + (u32)len;
}

static void build_madt(u8 *p, unsigned ncpus)
{
	struct acpi_madt m = { .lapic_address = LAPIC_ADDR, .flags = ACPI_MADT_PCAT_COMPAT };
	struct acpi_madt_ioapic io = { ACPI_MADT_IOAPIC, sizeof(io), (u8)ncpus, 0,
				       IOAPIC_ADDR, 0 };
	/* The PIT's IRQ0 is wired to pin 2; the SCI is level-triggered, active high. */
	struct acpi_madt_iso timer = { ACPI_MADT_ISO, sizeof(timer), 0, 0, 2, 0 };
	struct acpi_madt_iso sci = { ACPI_MADT_ISO, sizeof(sci), 0, ACPI_SCI_IRQ, ACPI_SCI_IRQ,
				     ACPI_MPS_ACTIVE_HIGH | ACPI_MPS_LEVEL };
	struct acpi_madt_lapic_nmi nmi = { ACPI_MADT_LAPIC_NMI, sizeof(nmi), ACPI_ALL_PROCESSORS,
					   0, 1 };
	u32 off = sizeof(m);

	for (unsigned i = 0; i < ncpus; i++) {
		struct acpi_madt_lapic l = { ACPI_MADT_LAPIC, sizeof(l), (u8)i, (u8)i,
					     ACPI_MADT_ENABLED };

		off = madt_add(p, off, &l, sizeof(l));
	}
	off = madt_add(p, off, &io, sizeof(io));
	off = madt_add(p, off, &timer, sizeof(timer));
	off = madt_add(p, off, &sci, sizeof(sci));
	off = madt_add(p, off, &nmi, sizeof(nmi));
	memcpy(p, &m, sizeof(m));
	set_header(p, "APIC", off, MADT_REVISION);
}

static int build_dsdt(u8 *p, char *err, size_t errlen)
{
	u32 hdr = sizeof(struct acpi_table_header);
	long n = dsdt_aml(p + hdr, DSDT_AML_MAX);

	if (n < 0)
		return set_err(err, errlen, (int)-n, "ACPI: the DSDT's AML does not encode (%s)",
			       strerror((int)-n));
	set_header(p, "DSDT", hdr + (u32)n, DSDT_REVISION);
	return 0;
}

static void build_sdts(u8 *base, const struct acpi_layout *l)
{
	u64 tables[NSDT_ENTRIES] = { BOOT_ACPI_ADDR + l->fadt, BOOT_ACPI_ADDR + l->madt };
	u32 hdr = sizeof(struct acpi_table_header);

	for (unsigned i = 0; i < NSDT_ENTRIES; i++) {
		u32 addr32 = (u32)tables[i];

		memcpy(base + l->xsdt + hdr + i * 8, &tables[i], 8);
		memcpy(base + l->rsdt + hdr + i * 4, &addr32, 4);
	}
	set_header(base + l->xsdt, "XSDT", hdr + NSDT_ENTRIES * 8, 1);
	set_header(base + l->rsdt, "RSDT", hdr + NSDT_ENTRIES * 4, 1);
}

static void build_rsdp(u8 *p, const struct acpi_layout *l)
{
	struct acpi_rsdp r;

	memset(&r, 0, sizeof(r));
	memcpy(r.signature, "RSD PTR ", 8);
	memcpy(r.oem_id, ACPI_OEM_ID, sizeof(r.oem_id));
	r.revision = 2;
	r.rsdt_address = (u32)(BOOT_ACPI_ADDR + l->rsdt);
	r.length = sizeof(r);
	r.xsdt_address = BOOT_ACPI_ADDR + l->xsdt;
	r.checksum = acpi__checksum(&r, offsetof(struct acpi_rsdp, length));
	r.extended_checksum = acpi__checksum(&r, sizeof(r));
	memcpy(p, &r, sizeof(r));
}

int acpi__build(const struct guest_memory *mem, unsigned ncpus, u64 *rsdp,
		char *err, size_t errlen)
{
	u8 *base = guest_memory__ptr(mem, BOOT_ACPI_ADDR, BOOT_ACPI_MAX);
	struct acpi_layout l;
	int ret;

	if (ncpus < 1 || ncpus > BOOT_MAX_CPUS)
		return set_err(err, errlen, EINVAL, "ACPI: %u vCPUs (1 to %u supported)", ncpus,
			       BOOT_MAX_CPUS);
	layout(ncpus, &l);
	if (l.end > BOOT_ACPI_MAX)
		return set_err(err, errlen, ENOSPC,
			       "ACPI tables for %u vCPUs take %llu bytes, more than the %llu reserved",
			       ncpus, (unsigned long long)l.end, BOOT_ACPI_MAX);
	if (!base)
		return set_err(err, errlen, ENOMEM, "no guest RAM for the ACPI tables at 0x%llx",
			       BOOT_ACPI_ADDR);
	memset(base, 0, BOOT_ACPI_MAX);
	ret = build_dsdt(base + l.dsdt, err, errlen);
	if (ret)
		return ret;
	build_facs(base + l.facs);
	build_fadt(base + l.fadt, BOOT_ACPI_ADDR + l.facs, BOOT_ACPI_ADDR + l.dsdt);
	build_madt(base + l.madt, ncpus);
	build_sdts(base, &l);
	build_rsdp(base + l.rsdp, &l);
	*rsdp = BOOT_ACPI_ADDR + l.rsdp;
	return 0;
}
