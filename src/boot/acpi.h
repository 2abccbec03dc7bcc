/*
 * ACPI tables for the guest: RSDP (v2), XSDT and RSDT, FADT (rev 6, full hardware model),
 * FACS, MADT and a DSDT (\_S5, the PCI root bridge), written at BOOT_ACPI_ADDR. Layouts
 * from the ACPI 6.x spec.
 */
#ifndef NV_BOOT_ACPI_H
#define NV_BOOT_ACPI_H

#include "kvm/memory.h"
#include "util/util.h"

#define ACPI_OEM_ID		"NESTVR"
#define ACPI_OEM_TABLE_ID	"NESTVISR"
#define ACPI_CREATOR_ID		"NVSR"

/* FADT */
#define ACPI_FADT_REVISION	6
#define ACPI_FADT_WBINVD	(1u << 0)
#define ACPI_FADT_PROC_C1	(1u << 2)
#define ACPI_FADT_PWR_BUTTON	(1u << 4)	/* set: no fixed power button */
#define ACPI_FADT_SLP_BUTTON	(1u << 5)	/* set: no fixed sleep button */
#define ACPI_FADT_RESET_REG_SUP	(1u << 10)
#define ACPI_FADT_HW_REDUCED	(1u << 20)
#define ACPI_BOOT_LEGACY_DEVICES (1u << 0)
#define ACPI_BOOT_8042		(1u << 1)
#define ACPI_BOOT_NO_VGA	(1u << 2)
#define ACPI_GAS_SYSTEM_IO	1
#define ACPI_GAS_ACCESS_BYTE	1
#define ACPI_GAS_ACCESS_WORD	2

/* MADT */
#define ACPI_MADT_PCAT_COMPAT	(1u << 0)
#define ACPI_MADT_LAPIC		0
#define ACPI_MADT_IOAPIC	1
#define ACPI_MADT_ISO		2
#define ACPI_MADT_LAPIC_NMI	4
#define ACPI_MADT_ENABLED	(1u << 0)
#define ACPI_MPS_ACTIVE_HIGH	0x1
#define ACPI_MPS_LEVEL		(0x3 << 2)
#define ACPI_ALL_PROCESSORS	0xff

struct acpi_rsdp {
	char signature[8];	/* "RSD PTR " */
	u8 checksum;		/* over the first 20 bytes (the ACPI 1.0 part) */
	char oem_id[6];
	u8 revision;		/* 2 */
	u32 rsdt_address;
	u32 length;		/* 36 */
	u64 xsdt_address;
	u8 extended_checksum;	/* over all 36 bytes */
	u8 reserved[3];
} __packed;

struct acpi_table_header {
	char signature[4];
	u32 length;
	u8 revision;
	u8 checksum;		/* the whole table sums to 0 */
	char oem_id[6];
	char oem_table_id[8];
	u32 oem_revision;
	char creator_id[4];
	u32 creator_revision;
} __packed;

struct acpi_gas {
	u8 space_id;
	u8 bit_width;
	u8 bit_offset;
	u8 access_size;
	u64 address;
} __packed;

struct acpi_fadt {
	struct acpi_table_header header;
	u32 firmware_ctrl;	/* FACS */
	u32 dsdt;
	u8 reserved0;
	u8 preferred_pm_profile;
	u16 sci_int;
	u32 smi_cmd;		/* 0: the machine is always in ACPI mode */
	u8 acpi_enable;
	u8 acpi_disable;
	u8 s4bios_req;
	u8 pstate_cnt;
	u32 pm1a_evt_blk;
	u32 pm1b_evt_blk;
	u32 pm1a_cnt_blk;
	u32 pm1b_cnt_blk;
	u32 pm2_cnt_blk;
	u32 pm_tmr_blk;
	u32 gpe0_blk;
	u32 gpe1_blk;
	u8 pm1_evt_len;
	u8 pm1_cnt_len;
	u8 pm2_cnt_len;
	u8 pm_tmr_len;
	u8 gpe0_blk_len;
	u8 gpe1_blk_len;
	u8 gpe1_base;
	u8 cst_cnt;
	u16 p_lvl2_lat;
	u16 p_lvl3_lat;
	u16 flush_size;
	u16 flush_stride;
	u8 duty_offset;
	u8 duty_width;
	u8 day_alrm;
	u8 mon_alrm;
	u8 century;
	u16 iapc_boot_arch;
	u8 reserved1;
	u32 flags;
	struct acpi_gas reset_reg;
	u8 reset_value;
	u16 arm_boot_arch;
	u8 minor_version;
	u64 x_firmware_ctrl;
	u64 x_dsdt;
	struct acpi_gas x_pm1a_evt_blk;
	struct acpi_gas x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk;
	struct acpi_gas x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk;
	struct acpi_gas x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk;
	struct acpi_gas x_gpe1_blk;
	struct acpi_gas sleep_control_reg;
	struct acpi_gas sleep_status_reg;
	u64 hypervisor_vendor_id;
} __packed;

struct acpi_facs {
	char signature[4];	/* "FACS"; no checksum */
	u32 length;		/* 64 */
	u32 hardware_signature;
	u32 firmware_waking_vector;
	u32 global_lock;
	u32 flags;
	u64 x_firmware_waking_vector;
	u8 version;
	u8 reserved[3];
	u32 ospm_flags;
	u8 reserved2[24];
} __packed;

struct acpi_madt {
	struct acpi_table_header header;
	u32 lapic_address;
	u32 flags;
} __packed;

struct acpi_madt_lapic {
	u8 type, length, processor_uid, apic_id;
	u32 flags;
} __packed;

struct acpi_madt_ioapic {
	u8 type, length, ioapic_id, reserved;
	u32 address;
	u32 gsi_base;
} __packed;

struct acpi_madt_iso {
	u8 type, length, bus, source;
	u32 gsi;
	u16 flags;
} __packed;

struct acpi_madt_lapic_nmi {
	u8 type, length, processor_uid;
	u16 flags;
	u8 lint;
} __packed;

_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP v2");
_Static_assert(sizeof(struct acpi_table_header) == 36, "table header");
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS");
_Static_assert(offsetof(struct acpi_fadt, iapc_boot_arch) == 109, "IAPC_BOOT_ARCH");
_Static_assert(offsetof(struct acpi_fadt, reset_reg) == 116, "RESET_REG");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "X_DSDT");
_Static_assert(offsetof(struct acpi_fadt, x_pm1a_evt_blk) == 148, "X_PM1a_EVT_BLK");
_Static_assert(offsetof(struct acpi_fadt, sleep_control_reg) == 244, "SLEEP_CONTROL_REG");
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT revision 6");
_Static_assert(sizeof(struct acpi_facs) == 64, "FACS");
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT");
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "MADT local APIC");
_Static_assert(sizeof(struct acpi_madt_ioapic) == 12, "MADT I/O APIC");
_Static_assert(sizeof(struct acpi_madt_iso) == 10, "MADT interrupt source override");
_Static_assert(sizeof(struct acpi_madt_lapic_nmi) == 6, "MADT local APIC NMI");

/* Writes every table for ncpus vCPUs; *rsdp gets the RSDP's address. 0 or -errno and err. */
int acpi__build(const struct guest_memory *mem, unsigned ncpus, u64 *rsdp,
		char *err, size_t errlen) __must_check;
/* Where the RSDP lives (it is also findable by the BIOS-area scan: 16-byte aligned there). */
u64 acpi__rsdp_addr(void);
/* Bytes the tables take for ncpus vCPUs, alignment included. */
u64 acpi__size(unsigned ncpus);
/* The byte that makes len bytes at p sum to 0 when stored in their checksum field (zeroed). */
u8 acpi__checksum(const void *p, size_t len);

#endif
