/* MP tables: checksums, entry counts, BSP flag, IRQ routing and the size bound. */
#include <errno.h>
#include <stdlib.h>

#include "boot/boot.h"
#include "boot/layout.h"
#include "boot/mptable.h"
#include "test_boot_helpers.h"

#define RAM (2 * MiB)


struct counts {
	unsigned cpus, bsp, buses, ioapics, intsrcs, lints;
};

static void check_intsrc(const struct mpc_intsrc *s, unsigned ncpus)
{
	CHECK_EQ(s->irqtype, MP_INT);
	CHECK_EQ(s->srcbus, MP_ISA_BUS_ID);
	CHECK_EQ(s->dstapic, ncpus);
	CHECK(s->srcbusirq != 2 && s->srcbusirq < 16);
	CHECK_EQ(s->dstirq, s->srcbusirq == 0 ? 2 : s->srcbusirq);
	CHECK_EQ(s->irqflag, s->srcbusirq == ACPI_SCI_IRQ ? 0xd : 0);
}

static void check_lint(const struct mpc_lintsrc *l)
{
	if (l->irqtype == MP_EXTINT) {
		CHECK_EQ(l->destapiclint, 0);
		CHECK_EQ(l->destapic, 0);
	} else {
		CHECK_EQ(l->irqtype, MP_NMI);
		CHECK_EQ(l->destapiclint, 1);
		CHECK_EQ(l->destapic, MP_ALL_LAPICS);
	}
}

static void walk(const u8 *p, const u8 *end, unsigned ncpus, struct counts *c)
{
	while (p < end) {
		if (p[0] == MP_PROCESSOR) {
			const struct mpc_cpu *cpu = (const void *)p;

			CHECK_EQ(cpu->apicid, c->cpus);
			CHECK(cpu->cpuflag & MP_CPU_ENABLED);
			c->bsp += !!(cpu->cpuflag & MP_CPU_BSP);
			CHECK_EQ(!!(cpu->cpuflag & MP_CPU_BSP), c->cpus == 0);
			c->cpus++;
			p += sizeof(*cpu);
			continue;
		}
		if (p[0] == MP_BUS) {
			CHECK(!memcmp(((const struct mpc_bus *)p)->bustype, "ISA   ", 6));
			c->buses++;
		} else if (p[0] == MP_IOAPIC) {
			const struct mpc_ioapic *io = (const void *)p;

			CHECK_EQ(io->apicid, ncpus);
			CHECK_EQ(io->apicaddr, IOAPIC_ADDR);
			CHECK_EQ(io->flags & 1, 1);
			c->ioapics++;
		} else if (p[0] == MP_INTSRC) {
			check_intsrc((const void *)p, ncpus);
			c->intsrcs++;
		} else if (p[0] == MP_LINTSRC) {
			check_lint((const void *)p);
			c->lints++;
		} else {
			CHECK(!"unknown MP entry type");
			return;
		}
		p += 8;
	}
	CHECK(p == end);
}

static void check_tables(unsigned ncpus)
{
	u8 *ram = calloc(1, RAM);
	struct guest_memory mem;
	const struct mpf_intel *mpf;
	const struct mpc_table *mpc;
	struct counts c = { 0 };
	char err[256];

	guest_memory__init_from(&mem, ram, RAM);
	CHECK_EQ(mptable__build(&mem, ncpus, err, sizeof(err)), 0);
	mpf = guest_memory__ptr(&mem, BOOT_MPTABLE_ADDR, sizeof(*mpf));
	CHECK(!memcmp(mpf->signature, "_MP_", 4));
	CHECK_EQ(mpf->length, 1);
	CHECK_EQ(mpf->specification, 4);
	CHECK_EQ(byte_sum(mpf, 16), 0);
	CHECK_EQ(mpf->feature1, 0);
	/* Linux scans the last KiB below 640 KiB on 16-byte boundaries. */
	CHECK(BOOT_MPTABLE_ADDR >= 639 * KiB && BOOT_MPTABLE_ADDR < 640 * KiB);
	CHECK_EQ(BOOT_MPTABLE_ADDR % 16, 0);
	mpc = guest_memory__ptr(&mem, mpf->physptr, sizeof(*mpc));
	CHECK(!memcmp(mpc->signature, "PCMP", 4));
	CHECK_EQ(mpc->spec, 4);
	CHECK_EQ(mpc->lapic, LAPIC_ADDR);
	CHECK_EQ(byte_sum(mpc, mpc->length), 0);
	CHECK_EQ(mpf->physptr + mpc->length, BOOT_MPTABLE_ADDR + mptable__size(ncpus));
	walk((const u8 *)(mpc + 1), (const u8 *)mpc + mpc->length, ncpus, &c);
	CHECK_EQ(c.cpus, ncpus);
	CHECK_EQ(c.bsp, 1);
	CHECK_EQ(c.buses, 1);
	CHECK_EQ(c.ioapics, 1);
	CHECK_EQ(c.intsrcs, MP_NR_ISA_IRQS);
	CHECK_EQ(c.lints, 2);
	CHECK_EQ(mpc->oemcount, ncpus + 1 + 1 + MP_NR_ISA_IRQS + 2);
	free(ram);
}

static void test_one_cpu(void) { check_tables(1); }
static void test_two_cpus(void) { check_tables(2); }
static void test_max_cpus(void) { check_tables(BOOT_MAX_CPUS); }

static void test_errors(void)
{
	u8 *ram = calloc(1, 0x9f000);
	struct guest_memory mem;
	char err[256];

	guest_memory__init_from(&mem, ram, 0x9f000);
	CHECK_EQ(mptable__build(&mem, 0, err, sizeof(err)), -EINVAL);
	CHECK_EQ(mptable__build(&mem, 256, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "256 vCPUs") != NULL);
	CHECK_EQ(mptable__build(&mem, 1, err, sizeof(err)), -ENOMEM);
	CHECK(strstr(err, "MP table") != NULL);
	CHECK(mptable__size(BOOT_MAX_CPUS) <= BOOT_MPTABLE_MAX);
	free(ram);
}

int main(void)
{
	RUN(test_one_cpu);
	RUN(test_two_cpus);
	RUN(test_max_cpus);
	RUN(test_errors);
	return tap_done();
}
