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

/*
 * A decoder for the AML subset the DSDT uses (Name, Scope, Device, Package, Buffer,
 * integers, strings): every named object by its full path, and every PkgLength must end
 * exactly where its content does.
 */
struct aml_obj {
	char path[64];
	const u8 *data, *end;	/* the object after Name(path, */
};

struct dsdt {
	struct aml_obj objs[32];
	unsigned n;
	bool bad;		/* something did not decode */
};

static size_t pkglength(const u8 *p, const u8 *end, size_t *len)
{
	unsigned follow = p < end ? p[0] >> 6 : 4;

	if (follow > 3 || p + 1 + follow > end)
		return 0;
	*len = follow ? p[0] & 0xf : p[0] & 0x3f;
	for (unsigned i = 0; i < follow; i++)
		*len |= (size_t)p[1 + i] << (4 + 8 * i);
	return 1 + follow;
}

/* A NameString at p, resolved against scope ("\" at the root) into out; bytes used or 0. */
static size_t name_at(const u8 *p, const u8 *end, const char *scope, char *out, size_t outlen)
{
	const u8 *q = p;
	unsigned segs = 1;

	if (q < end && *q == '\\') {
		scope = "\\";
		q++;
	}
	if (q < end && *q == 0x2e) {
		segs = 2;
		q++;
	} else if (q + 1 < end && *q == 0x2f) {
		segs = q[1];
		q += 2;
	}
	if (q + 4 * segs > end || strlen(scope) + 5 * segs >= outlen)
		return 0;
	snprintf(out, outlen, "%s", scope);
	for (unsigned i = 0; i < segs; i++, q += 4)
		snprintf(out + strlen(out), outlen - strlen(out), "%s%.4s",
			 out[strlen(out) - 1] == '\\' ? "" : ".", (const char *)q);
	return q - p;
}

static size_t data_size(const u8 *p, const u8 *end);

/* PackageOp PkgLength NumElements: the elements must fill the package exactly. */
static size_t package_size(const u8 *p, const u8 *end)
{
	size_t len, n, k = pkglength(p + 1, end, &len);
	const u8 *q = p + 1 + k + 1, *pend = p + 1 + len;

	if (!k || pend > end || q > pend)
		return 0;
	for (unsigned i = 0; i < p[1 + k]; i++, q += n)
		if (!(n = data_size(q, pend)))
			return 0;
	return q == pend ? 1 + len : 0;
}

/* The size of the data object at p, or 0 when it is none we know or overruns end. */
static size_t data_size(const u8 *p, const u8 *end)
{
	static const u8 int_len[] = { [0x00] = 1, [0x01] = 1, [0x0a] = 2, [0x0b] = 3,
				      [0x0c] = 5, [0x0e] = 9 };
	size_t n = 0, len;

	if (p >= end)
		return 0;
	if (*p < sizeof(int_len) && int_len[*p])
		n = int_len[*p];
	else if (*p == 0x0d)
		n = strnlen((const char *)p + 1, end - p - 1) + 2;
	else if (*p == 0x11 && pkglength(p + 1, end, &len))
		n = 1 + len;
	else if (*p == 0x12)
		return package_size(p, end);
	return p + n <= end ? n : 0;
}

static void decode_terms(struct dsdt *d, const u8 *p, const u8 *end, const char *scope);

/* Name(path, object), p just past NameOp. */
static const u8 *decode_name(struct dsdt *d, const u8 *p, const u8 *end, const char *scope)
{
	struct aml_obj *o = &d->objs[d->n];
	size_t k, n;

	if (d->n == ARRAY_SIZE(d->objs) || !(k = name_at(p, end, scope, o->path, sizeof(o->path))) ||
	    !(n = data_size(p + k, end)))
		return NULL;
	o->data = p + k;
	o->end = p + k + n;
	d->n++;
	return o->end;
}

/* Scope or Device: PkgLength NameString TermList, p just past the opcode. */
static const u8 *decode_block(struct dsdt *d, const u8 *p, const u8 *end, const char *scope)
{
	char path[64];
	size_t len, n, k = pkglength(p, end, &len);

	if (!k || p + len > end || !(n = name_at(p + k, p + len, scope, path, sizeof(path))))
		return NULL;
	decode_terms(d, p + k + n, p + len, path);
	return p + len;
}

static void decode_terms(struct dsdt *d, const u8 *p, const u8 *end, const char *scope)
{
	while (p && p < end && !d->bad) {
		if (p[0] == 0x08)
			p = decode_name(d, p + 1, end, scope);
		else if (p[0] == 0x10)
			p = decode_block(d, p + 1, end, scope);
		else if (p[0] == 0x5b && p + 1 < end && p[1] == 0x82)
			p = decode_block(d, p + 2, end, scope);
		else
			p = NULL;
	}
	if (!p)
		d->bad = true;
}

static const struct aml_obj *obj(const struct dsdt *d, const char *path)
{
	for (unsigned i = 0; i < d->n; i++)
		if (!strcmp(d->objs[i].path, path))
			return &d->objs[i];
	return NULL;
}

/* The integer object at *p (advanced past it); ~0 for anything else. */
static u64 integer(const u8 **p)
{
	static const u8 lens[] = { [0x0a] = 1, [0x0b] = 2, [0x0c] = 4, [0x0e] = 8 };
	u64 v = 0;
	u8 op = *(*p)++;

	if (op <= 1)
		return op;
	if (op >= sizeof(lens) || !lens[op])
		return ~0ULL;
	memcpy(&v, *p, lens[op]);
	*p += lens[op];
	return v;
}

static u64 int_obj(const struct dsdt *d, const char *path)
{
	const struct aml_obj *o = obj(d, path);
	const u8 *p = o ? o->data : NULL;

	return p ? integer(&p) : ~0ULL - 1;
}

static void check_s5(const struct dsdt *d)
{
	const struct aml_obj *o = obj(d, "\\_S5_");
	const u8 *p;

	CHECK(o != NULL);
	if (!o)
		return;
	CHECK(o->data[0] == 0x12 && o->data[1] < 0x40);
	CHECK_EQ(o->data[2], 4);		/* NumElements */
	p = o->data + 3;
	CHECK_EQ(integer(&p), ACPI_S5_SLP_TYP);
	CHECK_EQ(integer(&p), ACPI_S5_SLP_TYP);
	CHECK_EQ(integer(&p), 0);
	CHECK_EQ(integer(&p), 0);
	CHECK(p == o->end);
}

static u64 le_at(const u8 *p, unsigned n)
{
	u64 v = 0;

	memcpy(&v, p, n);
	return v;
}

/* Word (0x88) and DWord (0x87) address descriptors: type, then min, max and length. */
static void check_window(const u8 *r, u8 type, u64 min, u64 max)
{
	unsigned w = r[0] == 0x88 ? 2 : 4;

	CHECK_EQ(r[3], type);
	CHECK_EQ(r[4], 0x0c);		/* producer, fixed min and max, positive decode */
	CHECK_EQ(le_at(r + 6 + w, w), min);
	CHECK_EQ(le_at(r + 6 + 2 * w, w), max);
	CHECK_EQ(le_at(r + 6 + 4 * w, w), max - min + 1);
}

/* Large items (bit 7) carry a 16-bit length after the tag; small ones 3 bits in it. */
static size_t res_size(const u8 *r)
{
	return r[0] & 0x80 ? 3 + (size_t)le_at(r + 1, 2) : 1 + (size_t)(r[0] & 7);
}

static void check_crs(const struct aml_obj *o)
{
	const u8 *p, *r, *end;
	unsigned seen = 0, io = 0;

	CHECK(o && o->data[0] == 0x11);
	if (!o || o->data[0] != 0x11)
		return;
	p = o->data + 1 + (o->data[1] >> 6) + 1;	/* past BufferOp and PkgLength */
	CHECK_EQ(integer(&p), o->end - p);
	for (r = p, end = o->end; r < end; r += res_size(r)) {
		if (r[0] == 0x88 && r[3] == 2) {
			check_window(r, 2, 0, 0);	/* bus 0 only */
			seen |= 1;
		} else if (r[0] == 0x88 && r[3] == 1) {
			check_window(r, 1, io ? 0x0d00 : 0, io ? 0xffff : 0x0cf7);
			seen |= 2 << io++;
		} else if (r[0] == 0x87) {
			check_window(r, 0, PCI_MMIO_START, PCI_MMIO_END - 1);
			CHECK_EQ(r[5], 0x01);	/* read-write, non-cacheable */
			seen |= 8;
		} else if (r[0] == 0x47) {
			CHECK(le_at(r + 2, 2) == 0xcf8 && le_at(r + 4, 2) == 0xcf8 && r[7] == 8);
			seen |= 16;
		} else {
			CHECK(r[0] == 0x79 && r + 2 == end);	/* the end tag closes the buffer */
			seen |= 32;
		}
	}
	CHECK(r == end);
	CHECK_EQ(seen, 63);
}

/* 32 slots x INTA#-INTD#, each straight to GSI 16 + (slot + pin) % 8. */
static void check_prt(const struct aml_obj *o)
{
	bool seen[32][4] = { { false } };
	const u8 *p;

	CHECK(o && o->data[0] == 0x12);
	if (!o || o->data[0] != 0x12)
		return;
	p = o->data + 1 + (o->data[1] >> 6) + 1;
	CHECK_EQ(p[0], 128);
	p++;
	for (unsigned i = 0; i < 128 && p < o->end; i++) {
		u64 addr, pin, slot;

		CHECK(p[0] == 0x12 && p[2] == 4);
		p += 3;
		addr = integer(&p);
		pin = integer(&p);
		slot = addr >> 16;
		CHECK_EQ(addr & 0xffff, 0xffff);
		CHECK(slot < 32 && pin < 4 && !seen[slot & 31][pin & 3]);
		seen[slot & 31][pin & 3] = true;
		CHECK_EQ(integer(&p), 0);	/* no link device: the index is a GSI */
		CHECK_EQ(integer(&p), PCI_INTX_FIRST_GSI + (slot + pin) % PCI_INTX_NR_GSI);
	}
	CHECK(p == o->end);
}

static void check_dsdt(struct env *e, u64 addr)
{
	const struct acpi_table_header *h = table(e, addr, "DSDT");
	struct dsdt d = { .n = 0 };

	CHECK(h != NULL);
	if (!h)
		return;
	CHECK_EQ(h->revision, 2);
	decode_terms(&d, (const u8 *)h + 36, (const u8 *)h + h->length, "\\");
	CHECK(!d.bad);
	check_s5(&d);
	CHECK_EQ(int_obj(&d, "\\_SB_.PCI0._HID"), 0x030ad041);	/* EISAID("PNP0A03") */
	CHECK_EQ(int_obj(&d, "\\_SB_.PCI0._UID"), 0);
	CHECK_EQ(int_obj(&d, "\\_SB_.PCI0._SEG"), 0);
	CHECK_EQ(int_obj(&d, "\\_SB_.PCI0._BBN"), 0);
	/* No PNP0A08 (PCIe) without an MCFG; _HID and _ADR are exclusive. */
	CHECK(!obj(&d, "\\_SB_.PCI0._CID"));
	CHECK(!obj(&d, "\\_SB_.PCI0._ADR"));
	check_crs(obj(&d, "\\_SB_.PCI0._CRS"));
	check_prt(obj(&d, "\\_SB_.PCI0._PRT"));
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
			/* PCI's GSIs keep the ACPI default for _PRT: level, active low. */
			CHECK(iso->gsi < PCI_INTX_FIRST_GSI);
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

static char *read_text(const char *dir, const char *name)
{
	char path[256], *text = calloc(1, 1 << 20);
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (f && text && fread(text, 1, (1 << 20) - 1, f) == 0)
		text[0] = 0;
	if (f)
		fclose(f);
	return text;
}

static bool write_dsdt(struct env *e, const char *dir)
{
	const struct acpi_rsdp *r = guest_memory__ptr(&e->mem, e->rsdp, sizeof(*r));
	const struct acpi_fadt *f;
	const struct acpi_table_header *d;
	char path[256];
	u64 fadt;
	FILE *out;
	bool ok;

	memcpy(&fadt, e->ram + r->xsdt_address + 36, 8);	/* the XSDT lists the FADT first */
	f = guest_memory__ptr(&e->mem, fadt, sizeof(*f));
	d = guest_memory__ptr(&e->mem, f->x_dsdt, sizeof(*d));
	snprintf(path, sizeof(path), "%s/dsdt.dat", dir);
	out = fopen(path, "wb");
	if (!out)
		return false;
	ok = fwrite(d, 1, d->length, out) == d->length;
	return !fclose(out) && ok;
}

/* ACPICA's disassembler reads our DSDT without complaint, and its ASL recompiles cleanly. */
static void test_iasl(void)
{
	char dir[] = "/tmp/test_acpi.XXXXXX", cmd[512], err[256];
	char *log, *dsl;
	struct env e;

	if (system("command -v iasl >/dev/null 2>&1")) {
		SKIP("iasl is not installed (Debian package acpica-tools)");
		return;
	}
	CHECK(mkdtemp(dir) != NULL);
	CHECK_EQ(build(&e, 2, err, sizeof(err)), 0);
	CHECK(write_dsdt(&e, dir));
	snprintf(cmd, sizeof(cmd), "cd %s && iasl -d dsdt.dat >dis.log 2>&1 && "
		 "iasl -p re dsdt.dsl >re.log 2>&1", dir);
	CHECK_EQ(system(cmd), 0);
	log = read_text(dir, "re.log");
	dsl = read_text(dir, "dsdt.dsl");
	CHECK(strstr(log, "0 Errors, 0 Warnings, 0 Remarks") != NULL);
	CHECK(strstr(dsl, "Device (PCI0)") && strstr(dsl, "EisaId (\"PNP0A03\")"));
	CHECK(strstr(dsl, "DWordMemory") && strstr(dsl, "Name (_PRT, Package (0x80)"));
	if (tap_failures_in_test)
		printf("# iasl output kept in %s\n", dir);
	else if (snprintf(cmd, sizeof(cmd), "rm -rf %s", dir) > 0 && system(cmd))
		printf("# could not remove %s\n", dir);
	free(log);
	free(dsl);
	free(e.ram);
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
	RUN(test_iasl);
	return tap_done();
}
