/*
 * Where things live in guest-physical memory and I/O space at boot. One table, so the
 * loaders, the firmware tables (ACPI, MP) and the devices cannot disagree.
 */
#ifndef NV_BOOT_LAYOUT_H
#define NV_BOOT_LAYOUT_H

/*
 * Entry GDT selectors. The loader writes the GDT at BOOT_GDT_ADDR; vCPU set-up loads the
 * matching hidden segment state. Long mode uses Linux's __BOOT_CS/__BOOT_DS.
 */
#define BOOT_CS_LONG64		0x10
#define BOOT_DS_LONG64		0x18
#define BOOT_CS_PROT32		0x08
#define BOOT_DS_PROT32		0x10
#define BOOT_GDT_LIMIT		(4 * 8 - 1)	/* four 8-byte descriptors */

/* Low memory (real-mode area) */
#define BOOT_GDT_ADDR		0x00000500ULL	/* flat GDT for the entry code segment */
#define BOOT_INFO_ADDR		0x00006000ULL	/* PVH start_info or multiboot info (one page) */
#define BOOT_ZERO_PAGE_ADDR	0x00007000ULL	/* Linux struct boot_params */
#define BOOT_PML4_ADDR		0x00009000ULL	/* identity map for the 64-bit entry */
#define BOOT_PDPT_ADDR		0x0000a000ULL
#define BOOT_PD_ADDR		0x0000b000ULL	/* 4 pages: 4 GiB of 2 MiB pages */
#define BOOT_IDENTITY_MAP_SIZE	(4ULL << 30)
#define BOOT_CMDLINE_ADDR	0x00020000ULL
#define BOOT_CMDLINE_MAX	0x00010000ULL	/* 64 KiB; the kernel's own limit may be lower */
#define BOOT_EBDA_START		0x0009fc00ULL	/* reserved from here to 1 MiB */
#define BOOT_MPTABLE_ADDR	0x0009fc00ULL	/* MP floating pointer + config table */
#define BOOT_MPTABLE_MAX	(BOOT_BIOS_START - BOOT_MPTABLE_ADDR)	/* may run past 640 KiB */
#define BOOT_BIOS_START		0x000e0000ULL
#define BOOT_ACPI_ADDR		0x000e0000ULL	/* RSDP, then XSDT, FADT, MADT, DSDT */
#define BOOT_ACPI_MAX		0x00010000ULL
#define BOOT_HIGH_START		0x00100000ULL	/* 1 MiB: kernels load here or above */

/* Fixed MMIO */
#define IOAPIC_ADDR		0xfec00000ULL
/* 32-bit PCI memory window: BARs are placed here, the DSDT's root bridge _CRS says so. */
#define PCI_MMIO_START		0xc0000000ULL
#define PCI_MMIO_END		0xfc000000ULL	/* exclusive */
/* PCI INTx: slot N's INTA# goes to IOAPIC pin PCI_INTX_FIRST_GSI + N % PCI_INTX_NR_GSI (_PRT). */
#define PCI_INTX_FIRST_GSI	16
#define PCI_INTX_NR_GSI		8
#define LAPIC_ADDR		0xfee00000ULL

/* Port I/O and ISA IRQs of the legacy devices */
#define DEBUG_EXIT_PORT		0xf4	/* QEMU isa-debug-exit compatible, 4 ports */
#define DEBUG_EXIT_LEN		4
#define COM1_PORT		0x3f8
#define COM1_IRQ		4
#define I8042_DATA_PORT		0x60
#define I8042_CMD_PORT		0x64
#define RTC_PORT		0x70
#define PCI_CONFIG_ADDR_PORT	0xcf8
#define PCI_CONFIG_DATA_PORT	0xcfc

/* ACPI fixed hardware, described by the FADT and implemented by devices/acpi_pm.c */
#define ACPI_PM1A_EVT_PORT	0x600	/* 4 bytes: PM1_STS, PM1_EN */
#define ACPI_PM1A_EVT_LEN	4
#define ACPI_PM1A_CNT_PORT	0x604	/* 2 bytes: PM1_CNT */
#define ACPI_PM1A_CNT_LEN	2
#define ACPI_RESET_PORT		0x608	/* 1 byte: FADT RESET_REG */
#define ACPI_RESET_VALUE	0x01
#define ACPI_SCI_IRQ		9
#define ACPI_S5_SLP_TYP		5	/* value in the DSDT's \_S5 package */

#define IOAPIC_NR_PINS		24

#endif
