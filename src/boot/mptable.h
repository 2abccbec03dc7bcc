/*
 * The Intel MultiProcessor Specification 1.4 tables (floating pointer + "PCMP" configuration
 * table) at BOOT_MPTABLE_ADDR, for kernels that find CPUs and IRQ routing without ACPI.
 */
#ifndef NV_BOOT_MPTABLE_H
#define NV_BOOT_MPTABLE_H

#include "kvm/memory.h"
#include "util/util.h"

#define MP_SPEC_REV		4	/* 1.4 */
#define MP_LAPIC_VERSION	0x14	/* integrated xAPIC, as KVM reports */
#define MP_IOAPIC_VERSION	0x11	/* 82093AA */
#define MP_CPU_ENABLED		(1u << 0)
#define MP_CPU_BSP		(1u << 1)

enum mp_entry_type { MP_PROCESSOR, MP_BUS, MP_IOAPIC, MP_INTSRC, MP_LINTSRC };
enum mp_irq_type { MP_INT, MP_NMI, MP_SMI, MP_EXTINT };

struct mpf_intel {
	char signature[4];	/* "_MP_" */
	u32 physptr;		/* the configuration table */
	u8 length;		/* in 16-byte units: 1 */
	u8 specification;
	u8 checksum;
	u8 feature1;		/* 0: a configuration table is present */
	u8 feature2;		/* bit 7 clear: virtual wire mode, no IMCR */
	u8 feature3, feature4, feature5;
} __packed;

struct mpc_table {
	char signature[4];	/* "PCMP" */
	u16 length;		/* base table, header included */
	u8 spec;
	u8 checksum;
	char oem[8];
	char productid[12];
	u32 oemptr;
	u16 oemsize;
	u16 oemcount;		/* number of entries */
	u32 lapic;
	u16 ext_length;
	u8 ext_checksum;
	u8 reserved;
} __packed;

struct mpc_cpu {
	u8 type, apicid, apicver, cpuflag;
	u32 cpufeature;		/* CPUID.1:EAX signature */
	u32 featureflag;	/* CPUID.1:EDX */
	u32 reserved[2];
} __packed;

struct mpc_bus {
	u8 type, busid;
	char bustype[6];
} __packed;

struct mpc_ioapic {
	u8 type, apicid, apicver, flags;
	u32 apicaddr;
} __packed;

struct mpc_intsrc {
	u8 type, irqtype;
	u16 irqflag;		/* polarity bits 0-1, trigger bits 2-3 */
	u8 srcbus, srcbusirq, dstapic, dstirq;
} __packed;

struct mpc_lintsrc {
	u8 type, irqtype;
	u16 irqflag;
	u8 srcbusid, srcbusirq, destapic, destapiclint;
} __packed;

_Static_assert(sizeof(struct mpf_intel) == 16, "MP floating pointer");
_Static_assert(sizeof(struct mpc_table) == 44, "MP configuration table header");
_Static_assert(sizeof(struct mpc_cpu) == 20, "MP processor entry");
_Static_assert(sizeof(struct mpc_bus) == 8, "MP bus entry");
_Static_assert(sizeof(struct mpc_ioapic) == 8, "MP I/O APIC entry");
_Static_assert(sizeof(struct mpc_intsrc) == 8, "MP I/O interrupt entry");
_Static_assert(sizeof(struct mpc_lintsrc) == 8, "MP local interrupt entry");

/* ISA IRQs routed through the I/O APIC: 0-15 except 2, the cascade (IRQ0 takes pin 2). */
#define MP_NR_ISA_IRQS		15
#define MP_ISA_BUS_ID		0
#define MP_ALL_LAPICS		0xff

/* Writes both tables for ncpus vCPUs; 0 or -errno with a message. */
int mptable__build(const struct guest_memory *mem, unsigned ncpus, char *err,
		   size_t errlen) __must_check;
/* Bytes the floating pointer and configuration table take. */
u64 mptable__size(unsigned ncpus);

#endif
