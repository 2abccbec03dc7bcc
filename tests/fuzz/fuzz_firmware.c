/*
 * Fuzz target: the firmware tables built from a machine's configuration: e820, ACPI (RSDP,
 * XSDT, FADT, MADT, DSDT) and the MP table, for any vCPU count and any RAM size up to
 * 6 GiB (so the map splits around the PCI hole). Each table that is built must be well
 * formed: checksums sum to 0, the e820 map is sorted, disjoint and covers exactly the RAM.
 */
#include <stdio.h>
#include <sys/mman.h>

#include "boot/acpi.h"
#include "boot/e820.h"
#include "boot/layout.h"
#include "boot/mptable.h"
#include "fuzz_common.h"

#define RAM_MAX		(6 * GiB)

static u8 *ram;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	/* Only the first MiB is ever touched: the rest stays virtual. */
	ram = mmap(NULL, RAM_MAX, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ram == MAP_FAILED)
		abort();
	return 0;
}

static void fail(const char *what, u64 a, u64 b)
{
	fprintf(stderr, "fuzz_firmware: %s (%#llx, %#llx)\n", what, (unsigned long long)a,
		(unsigned long long)b);
	abort();
}

static u8 sum(const u8 *p, size_t len)
{
	u8 s = 0;

	while (len--)
		s += *p++;
	return s;
}

static void check_e820(const struct guest_memory *mem, const struct e820_entry *t, unsigned n)
{
	u64 ram_bytes = 0, end = 0;

	if (n > E820_MAX_ENTRIES)
		fail("too many e820 entries", n, 0);
	for (unsigned i = 0; i < n; i++) {
		if (t[i].addr < end || t[i].addr + t[i].size < t[i].addr || !t[i].size)
			fail("e820 entries overlap, wrap or are empty", t[i].addr, t[i].size);
		end = t[i].addr + t[i].size;
		if (t[i].type == E820_RAM) {
			if (!guest_memory__ptr(mem, t[i].addr, t[i].size))
				fail("e820 RAM that is not guest RAM", t[i].addr, t[i].size);
			ram_bytes += t[i].size;
		}
	}
	/* The EBDA and BIOS area are RAM the guest must not use: reserved, not counted. */
	if (ram_bytes > mem->size || ram_bytes + BOOT_HIGH_START - BOOT_EBDA_START < mem->size)
		fail("e820 RAM does not match guest RAM", ram_bytes, mem->size);
}

static void check_acpi(const struct guest_memory *mem, u64 rsdp_addr, unsigned ncpus)
{
	const u8 *rsdp = guest_memory__ptr(mem, rsdp_addr, sizeof(struct acpi_rsdp));
	struct acpi_rsdp r;
	struct acpi_table_header h;
	const u8 *xsdt;

	if (!rsdp || memcmp(rsdp, "RSD PTR ", 8) || sum(rsdp, 20) || sum(rsdp, 36))
		fail("bad RSDP", rsdp_addr, 0);
	memcpy(&r, rsdp, sizeof(r));
	xsdt = guest_memory__ptr(mem, r.xsdt_address, sizeof(h));
	if (!xsdt)
		fail("XSDT outside RAM", r.xsdt_address, 0);
	memcpy(&h, xsdt, sizeof(h));
	if (!guest_memory__ptr(mem, r.xsdt_address, h.length) || sum(xsdt, h.length))
		fail("bad XSDT", r.xsdt_address, h.length);
	if (r.xsdt_address + h.length > BOOT_ACPI_ADDR + acpi__size(ncpus))
		fail("XSDT past the size acpi__size gave", r.xsdt_address + h.length, ncpus);
}

static void check_mptable(const struct guest_memory *mem, unsigned ncpus)
{
	const u8 *mpf = guest_memory__ptr(mem, BOOT_MPTABLE_ADDR, sizeof(struct mpf_intel));
	struct mpc_table t;
	const u8 *mpc;

	if (!mpf || memcmp(mpf, "_MP_", 4) || sum(mpf, 16))
		fail("bad MP floating pointer", ncpus, 0);
	mpc = mpf + sizeof(struct mpf_intel);
	memcpy(&t, mpc, sizeof(t));
	if (memcmp(t.signature, "PCMP", 4) || sum(mpc, t.length) ||
	    sizeof(struct mpf_intel) + t.length > mptable__size(ncpus))
		fail("bad MP configuration table", ncpus, t.length);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);
	u64 ram_size = fuzz_u64(&in) % (RAM_MAX + 1);
	unsigned ncpus = fuzz_u32(&in) % 1024;	/* past BOOT_MAX_CPUS too */
	struct e820_entry tab[E820_MAX_ENTRIES];
	struct guest_memory mem;
	char err[256] = "";
	u64 rsdp;

	if (in.left)	/* whole MiBs, mostly: what a machine type gives */
		ram_size = ALIGN_DOWN(ram_size, MiB);
	memset(ram, 0, min_u64(ram_size, BOOT_HIGH_START));
	guest_memory__init_from(&mem, ram, ram_size);
	if (ram_size)
		check_e820(&mem, tab, e820__build(&mem, tab, E820_MAX_ENTRIES));
	if (!acpi__build(&mem, ncpus, &rsdp, err, sizeof(err)))
		check_acpi(&mem, rsdp, ncpus);
	else if (!err[0] || strchr(err, '\n'))
		fail("ACPI refused without one line of error", ncpus, ram_size);
	err[0] = '\0';
	if (!mptable__build(&mem, ncpus, err, sizeof(err)))
		check_mptable(&mem, ncpus);
	else if (!err[0] || strchr(err, '\n'))
		fail("MP table refused without one line of error", ncpus, ram_size);
	return 0;
}
