/* ACPI tables: checksums, lengths, pointers between tables, and the FADT/MADT/DSDT content. */
#include <errno.h>
#include <stdlib.h>

#include "boot/acpi.h"
#include "boot/boot.h"
#include "boot/layout.h"
#include "test_boot_helpers.h"

#define RAM (4 * MiB)

struct env {
	u8 *ram;
	struct guest_memory mem;
	u64 rsdp;
};

static int build(struct env *e, unsigned ncpus, char *err, size_t errlen)
{
	e->ram = calloc(1, RAM);
	guest_memory__init_from(&e->mem, e->ram, RAM);
	return acpi__build(&e->mem, ncpus, &e->rsdp, err, errlen);
}


/* The table at addr, with its whole length in RAM and a zero checksum; NULL otherwise. */
static const struct acpi_table_header *table(struct env *e, u64 addr, const char *sig)
{
	const struct acpi_table_header *h = guest_memory__ptr(&e->mem, addr, sizeof(*h));

	if (!h || memcmp(h->signature, sig, 4) || !guest_memory__ptr(&e->mem, addr, h->length))
		return NULL;
	CHECK_EQ(byte_sum(h, h->length), 0);
	CHECK(!memcmp(h->oem_id, ACPI_OEM_ID, 6));
	CHECK_EQ(addr % 8, 0);
	return h;
}

static const struct acpi_rsdp *check_rsdp(struct env *e)
{
	const struct acpi_rsdp *r = guest_memory__ptr(&e->mem, e->rsdp, sizeof(*r));
	u64 found = 0;

	CHECK_EQ(e->rsdp, acpi__rsdp_addr());
	CHECK(!memcmp(r->signature, "RSD PTR ", 8));
	CHECK_EQ(r->revision, 2);
	CHECK_EQ(r->length, 36);
	CHECK_EQ(byte_sum(r, 20), 0);
	CHECK_EQ(byte_sum(r, 36), 0);
	/* Findable by the legacy scan: 16-byte aligned in 0xe0000-0xfffff, the first match. */
	for (u64 a = 0xe0000; a < 0x100000 && !found; a += 16)
		if (!memcmp(e->ram + a, "RSD PTR ", 8))
			found = a;
	CHECK_EQ(found, e->rsdp);
	return r;
}

static void check_sdts(struct env *e, const struct acpi_rsdp *r, u64 *fadt, u64 *madt)
{
	const struct acpi_table_header *x = table(e, r->xsdt_address, "XSDT");
	const struct acpi_table_header *rs = table(e, r->rsdt_address, "RSDT");
	u64 addr;
	u32 addr32;

	CHECK(x && rs);
	if (!x || !rs)
		return;
	CHECK_EQ(x->length, 36 + 2 * 8);
	CHECK_EQ(rs->length, 36 + 2 * 4);
	*fadt = *madt = 0;
	for (unsigned i = 0; i < 2; i++) {
		memcpy(&addr, (const u8 *)x + 36 + i * 8, 8);
		memcpy(&addr32, (const u8 *)rs + 36 + i * 4, 4);
		CHECK_EQ(addr, addr32);
		if (table(e, addr, "FACP"))
			*fadt = addr;
		else if (table(e, addr, "APIC"))
			*madt = addr;
	}
	CHECK(*fadt && *madt);
}

static void check_gas(const struct acpi_gas *g, u16 port, u8 bits)
{
	CHECK_EQ(g->space_id, ACPI_GAS_SYSTEM_IO);
	CHECK_EQ(g->address, port);
	CHECK_EQ(g->bit_width, bits);
	CHECK_EQ(g->bit_offset, 0);
}

static void check_dsdt(struct env *e, u64 addr)
{
	const struct acpi_table_header *d = table(e, addr, "DSDT");
	const u8 *aml, *s5 = NULL;

	CHECK(d != NULL);
	if (!d)
		return;
	aml = (const u8 *)d + 36;
	for (u32 i = 0; i + 10 < d->length - 36 && !s5; i++)
		if (aml[i] == 0x08 && !memcmp(aml + i + 1, "_S5_", 4))
			s5 = aml + i + 5;
	CHECK(s5 != NULL);
	if (!s5)
		return;
	CHECK_EQ(s5[0], 0x12);		/* PackageOp */
	CHECK_EQ(s5[2], 4);		/* NumElements */
	CHECK_EQ(s5[3], 0x0a);		/* BytePrefix */
	CHECK_EQ(s5[4], ACPI_S5_SLP_TYP);
	CHECK_EQ(s5 + 1 + s5[1], aml + (d->length - 36));	/* PkgLength ends the table */
}

static void check_fadt(struct env *e, u64 addr)
{
	const struct acpi_fadt *f = guest_memory__ptr(&e->mem, addr, sizeof(*f));
	const struct acpi_facs *facs;

	CHECK_EQ(f->header.length, sizeof(*f));
	CHECK_EQ(f->header.revision, 6);
	CHECK_EQ(f->sci_int, ACPI_SCI_IRQ);
	CHECK_EQ(f->smi_cmd, 0);
	CHECK_EQ(f->pm1a_evt_blk, ACPI_PM1A_EVT_PORT);
	CHECK_EQ(f->pm1_evt_len, 4);
	CHECK_EQ(f->pm1a_cnt_blk, ACPI_PM1A_CNT_PORT);
	CHECK_EQ(f->pm1_cnt_len, 2);
	CHECK_EQ(f->pm_tmr_blk, 0);
	check_gas(&f->x_pm1a_evt_blk, ACPI_PM1A_EVT_PORT, 32);
	check_gas(&f->x_pm1a_cnt_blk, ACPI_PM1A_CNT_PORT, 16);
	check_gas(&f->reset_reg, ACPI_RESET_PORT, 8);
	CHECK_EQ(f->reset_value, ACPI_RESET_VALUE);
	CHECK(f->flags & ACPI_FADT_RESET_REG_SUP);
	CHECK(!(f->flags & ACPI_FADT_HW_REDUCED));
	CHECK(f->iapc_boot_arch & ACPI_BOOT_LEGACY_DEVICES);
	CHECK(f->iapc_boot_arch & ACPI_BOOT_8042);
	CHECK_EQ(f->dsdt, f->x_dsdt);
	CHECK_EQ(f->firmware_ctrl, f->x_firmware_ctrl);
	facs = guest_memory__ptr(&e->mem, f->x_firmware_ctrl, sizeof(*facs));
	CHECK(!memcmp(facs->signature, "FACS", 4));
	CHECK_EQ(facs->length, 64);
	CHECK_EQ(f->x_firmware_ctrl % 64, 0);
	check_dsdt(e, f->x_dsdt);
}

static void check_madt(struct env *e, u64 addr, unsigned ncpus)
{
	const struct acpi_madt *m = guest_memory__ptr(&e->mem, addr, sizeof(*m));
	const u8 *p = (const u8 *)m + sizeof(*m), *end = (const u8 *)m + m->header.length;
	unsigned cpus = 0, ioapics = 0, isos = 0, nmis = 0;

	CHECK_EQ(m->lapic_address, LAPIC_ADDR);
	CHECK_EQ(m->flags, ACPI_MADT_PCAT_COMPAT);
	while (p < end && p[1] >= 2) {
		if (p[0] == ACPI_MADT_LAPIC) {
			const struct acpi_madt_lapic *l = (const void *)p;

			CHECK_EQ(l->length, 8);
			CHECK_EQ(l->apic_id, cpus);
			CHECK_EQ(l->processor_uid, cpus);
			CHECK_EQ(l->flags, ACPI_MADT_ENABLED);
			cpus++;
		} else if (p[0] == ACPI_MADT_IOAPIC) {
			const struct acpi_madt_ioapic *io = (const void *)p;

			CHECK_EQ(io->ioapic_id, ncpus);
			CHECK_EQ(io->address, IOAPIC_ADDR);
			CHECK_EQ(io->gsi_base, 0);
			ioapics++;
		} else if (p[0] == ACPI_MADT_ISO) {
			const struct acpi_madt_iso *iso = (const void *)p;

			CHECK_EQ(iso->bus, 0);
			if (iso->source == 0)
				CHECK(iso->gsi == 2 && iso->flags == 0);
			else
				CHECK(iso->source == 9 && iso->gsi == 9 && iso->flags == 0xd);
			isos++;
		} else if (p[0] == ACPI_MADT_LAPIC_NMI) {
			const struct acpi_madt_lapic_nmi *n = (const void *)p;

			CHECK_EQ(n->processor_uid, 0xff);
			CHECK_EQ(n->lint, 1);
			nmis++;
		}
		p += p[1];
	}
	CHECK(p == end);
	CHECK_EQ(cpus, ncpus);
	CHECK_EQ(ioapics, 1);
	CHECK_EQ(isos, 2);
	CHECK_EQ(nmis, 1);
}

static void check_all(unsigned ncpus)
{
	struct env e;
	char err[256];
	const struct acpi_rsdp *r;
	u64 fadt = 0, madt = 0;

	CHECK_EQ(build(&e, ncpus, err, sizeof(err)), 0);
	r = check_rsdp(&e);
	check_sdts(&e, r, &fadt, &madt);
	if (fadt)
		check_fadt(&e, fadt);
	if (madt)
		check_madt(&e, madt, ncpus);
	CHECK(acpi__size(ncpus) <= BOOT_ACPI_MAX);
	free(e.ram);
}

static void test_one_cpu(void) { check_all(1); }
static void test_four_cpus(void) { check_all(4); }
static void test_max_cpus(void) { check_all(BOOT_MAX_CPUS); }

static void test_errors(void)
{
	struct env e;
	char err[256];

	CHECK_EQ(build(&e, 0, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "0 vCPUs") != NULL);
	free(e.ram);
	CHECK_EQ(build(&e, 256, err, sizeof(err)), -EINVAL);
	free(e.ram);
	e.ram = calloc(1, 0x80000);
	guest_memory__init_from(&e.mem, e.ram, 0x80000);
	CHECK_EQ(acpi__build(&e.mem, 1, &e.rsdp, err, sizeof(err)), -ENOMEM);
	CHECK(strstr(err, "ACPI") != NULL);
	free(e.ram);
	CHECK(acpi__size(255) > acpi__size(1));
}

static void test_checksum_helper(void)
{
	u8 buf[5] = { 1, 2, 3, 0, 4 };

	buf[3] = acpi__checksum(buf, sizeof(buf));
	CHECK_EQ(byte_sum(buf, sizeof(buf)), 0);
}

int main(void)
{
	RUN(test_one_cpu);
	RUN(test_four_cpus);
	RUN(test_max_cpus);
	RUN(test_errors);
	RUN(test_checksum_helper);
	return tap_done();
}
