/*
 * Test guest: start the application processors from ring 3 (the LAPIC page is mapped
 * user-accessible) with INIT-SIPI-SIPI; each runs the real-mode trampoline, counts
 * itself and halts.
 */
#include "guest.h"

#define LAPIC_SVR		0x0f0
#define LAPIC_ICR_LO		0x300
#define LAPIC_ICR_HI		0x310
#define SVR_ENABLE		0x100
#define ICR_BUSY		(1 << 12)
#define ICR_ALL_BUT_SELF	(3 << 18)
#define ICR_ASSERT		(1 << 14)
#define ICR_INIT		(5 << 8)
#define ICR_SIPI		(6 << 8)
#define AP_WAIT_US		500000

extern const u8 ap_trampoline[], ap_trampoline_end[];
extern const u32 ap_counter_offset;

static int icr_send(u64 lapic, u32 lo)
{
	u64 start = rdtsc(), limit = tsc__cycles_from_us(100000);

	mmio_write32(lapic + LAPIC_ICR_HI, 0);
	mmio_write32(lapic + LAPIC_ICR_LO, lo);
	while (mmio_read32(lapic + LAPIC_ICR_LO) & ICR_BUSY)
		if (rdtsc() - start > limit)
			return -1;
	return 0;
}

static int send_init_sipi_sipi(u64 lapic)
{
	u32 sipi = ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_SIPI | (TRAMPOLINE_ADDR >> 12);

	mmio_write32(lapic + LAPIC_SVR, mmio_read32(lapic + LAPIC_SVR) | SVR_ENABLE | 0xff);
	if (icr_send(lapic, ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_INIT))
		return -1;
	tsc__delay_us(10000);
	if (icr_send(lapic, sipi))
		return -1;
	tsc__delay_us(200);
	return icr_send(lapic, sipi);
}

/* Returns how many CPUs are online, the BSP included. */
int smp__start_aps(const struct boot_info *bi, u64 lapic, unsigned expected)
{
	size_t size = ap_trampoline_end - ap_trampoline;
	volatile u32 *counter = phys(TRAMPOLINE_ADDR + ap_counter_offset);
	u64 start, limit = tsc__cycles_from_us(AP_WAIT_US);

	if (expected <= 1)
		return 1;
	if (bi->nmem && !bootinfo__is_ram(bi, TRAMPOLINE_ADDR, 4096)) {
		printf("smp: trampoline page %#x is not RAM in the memory map\n", TRAMPOLINE_ADDR);
		return 1;
	}
	if (!lapic || lapic >= (1ULL << 32)) {
		printf("smp: no usable local APIC address\n");
		return 1;
	}
	memcpy(phys(TRAMPOLINE_ADDR), ap_trampoline, size);
	*counter = 0;
	if (send_init_sipi_sipi(lapic))
		printf("smp: ICR delivery did not complete\n");
	start = rdtsc();
	while (*counter < expected - 1 && rdtsc() - start < limit)
		cpu_relax();
	return 1 + *counter;
}
