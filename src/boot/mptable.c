/*
 * MP tables (spec 1.4): processors (vCPU 0 is the BSP), the ISA bus, the I/O APIC, ISA IRQ
 * routing (IRQ0 on pin 2, the SCI level-triggered), ExtINT on LINT0 and NMI on LINT1.
 */
#include <errno.h>
#include <string.h>

#include "boot/boot.h"
#include "boot/layout.h"
#include "boot/mptable.h"

#define MP_CPU_SIGNATURE	0x600		/* family 6; kernels take the real one from CPUID */
#define MP_CPU_FEATURES		0x201		/* FPU, APIC */
#define MP_TRIGGER_LEVEL_HIGH	0x000d		/* active high (01), level (11 << 2) */
#define MP_NR_LINT		2

static u8 checksum(const void *p, size_t len)
{
	const u8 *b = p;
	u8 sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += b[i];
	return (u8)-sum;
}

u64 mptable__size(unsigned ncpus)
{
	return sizeof(struct mpf_intel) + sizeof(struct mpc_table) +
	       (u64)ncpus * sizeof(struct mpc_cpu) + sizeof(struct mpc_bus) +
	       sizeof(struct mpc_ioapic) + MP_NR_ISA_IRQS * sizeof(struct mpc_intsrc) +
	       MP_NR_LINT * sizeof(struct mpc_lintsrc);
}

/* Appends one entry to the configuration table and counts it. */
static void add(u8 *mpc, u32 *off, u16 *count, const void *entry, size_t len)
{
	memcpy(mpc + *off, entry, len);
	*off += (u32)len;
	(*count)++;
}

static void add_irqs(u8 *mpc, u32 *off, u16 *count, u8 ioapic_id)
{
	for (u8 irq = 0; irq < 16; irq++) {
		struct mpc_intsrc src = {
			.type = MP_INTSRC, .irqtype = MP_INT, .srcbus = MP_ISA_BUS_ID,
			.srcbusirq = irq, .dstapic = ioapic_id, .dstirq = irq ? irq : 2,
			.irqflag = irq == ACPI_SCI_IRQ ? MP_TRIGGER_LEVEL_HIGH : 0,
		};

		if (irq == 2)	/* the 8259 cascade: its pin carries IRQ0 */
			continue;
		add(mpc, off, count, &src, sizeof(src));
	}
}

static u32 build_config(u8 *mpc, unsigned ncpus)
{
	struct mpc_bus bus = { .type = MP_BUS, .busid = MP_ISA_BUS_ID, .bustype = "ISA   " };
	struct mpc_ioapic ioapic = { .type = MP_IOAPIC, .apicid = (u8)ncpus,
				     .apicver = MP_IOAPIC_VERSION, .flags = 1,
				     .apicaddr = IOAPIC_ADDR };
	/* Virtual wire mode: the 8259 reaches the BSP's LINT0; NMI goes to every LINT1. */
	struct mpc_lintsrc lint[MP_NR_LINT] = {
		{ .type = MP_LINTSRC, .irqtype = MP_EXTINT, .destapic = 0, .destapiclint = 0 },
		{ .type = MP_LINTSRC, .irqtype = MP_NMI, .destapic = MP_ALL_LAPICS,
		  .destapiclint = 1 },
	};
	struct mpc_table hdr = { .signature = "PCMP", .spec = MP_SPEC_REV, .oem = "NESTVISR",
				 .productid = "NESTVISOR   ", .lapic = LAPIC_ADDR };
	u32 off = sizeof(hdr);
	u16 count = 0;

	for (unsigned i = 0; i < ncpus; i++) {
		struct mpc_cpu cpu = {
			.type = MP_PROCESSOR, .apicid = (u8)i, .apicver = MP_LAPIC_VERSION,
			.cpuflag = MP_CPU_ENABLED | (i == 0 ? MP_CPU_BSP : 0),
			.cpufeature = MP_CPU_SIGNATURE, .featureflag = MP_CPU_FEATURES,
		};

		add(mpc, &off, &count, &cpu, sizeof(cpu));
	}
	add(mpc, &off, &count, &bus, sizeof(bus));
	add(mpc, &off, &count, &ioapic, sizeof(ioapic));
	add_irqs(mpc, &off, &count, ioapic.apicid);
	for (unsigned i = 0; i < MP_NR_LINT; i++)
		add(mpc, &off, &count, &lint[i], sizeof(lint[i]));
	hdr.length = (u16)off;
	hdr.oemcount = count;
	memcpy(mpc, &hdr, sizeof(hdr));
	mpc[offsetof(struct mpc_table, checksum)] = checksum(mpc, off);
	return off;
}

int mptable__build(const struct guest_memory *mem, unsigned ncpus, char *err, size_t errlen)
{
	u64 size = mptable__size(ncpus);
	struct mpf_intel mpf = { .signature = "_MP_", .length = 1, .specification = MP_SPEC_REV,
				 .physptr = BOOT_MPTABLE_ADDR + sizeof(mpf) };
	u8 *base;

	if (ncpus < 1 || ncpus > BOOT_MAX_CPUS)
		return set_err(err, errlen, EINVAL, "MP table: %u vCPUs (1 to %u supported)",
			       ncpus, BOOT_MAX_CPUS);
	if (size > BOOT_MPTABLE_MAX)
		return set_err(err, errlen, ENOSPC,
			       "MP table for %u vCPUs takes %llu bytes, more than the %llu reserved",
			       ncpus, (unsigned long long)size, BOOT_MPTABLE_MAX);
	base = guest_memory__ptr(mem, BOOT_MPTABLE_ADDR, size);
	if (!base)
		return set_err(err, errlen, ENOMEM, "no guest RAM for the MP table at 0x%llx",
			       BOOT_MPTABLE_ADDR);
	memset(base, 0, size);
	build_config(base + sizeof(mpf), ncpus);
	mpf.checksum = checksum(&mpf, sizeof(mpf));
	memcpy(base, &mpf, sizeof(mpf));
	return 0;
}
