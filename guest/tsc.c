/*
 * Test guest: TSC frequency: the command line's tsc_khz=, the hypervisor's timing leaf,
 * KVM's kvmclock scale, a ~10 ms measurement against PIT channel 2, CPUID 0x15/0x16, or
 * a guess, in that order.
 */
#include "guest.h"

#define PIT_HZ		1193182ULL
#define PIT_LATCH	(PIT_HZ / 100)		/* 10 ms */
#define PIT_CH0		0x40
#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PIT_GATE	0x61
#define GATE_OUT2	0x20
#define PIT_MAX_CYCLES	2000000000ULL		/* give up after this many TSC cycles */
#define PIT_IDLE_POLLS	1000			/* a counter that never moves is absent */
#define GUESS_KHZ	1000000ULL

struct tsc_info tsc = { GUESS_KHZ, "guess" };

static u64 from_hypervisor(void)
{
	u32 a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & (1u << 31)))
		return 0;
	cpuid(0x40000000, 0, &a, &b, &c, &d);
	if (a < 0x40000010 || a > 0x400000ff)
		return 0;
	cpuid(0x40000010, 0, &a, &b, &c, &d);
	return a;	/* kHz */
}

struct pvclock {
	u32 version;
	u32 pad0;
	u64 tsc_timestamp;
	u64 system_time;
	u32 tsc_to_system_mul;
	signed char tsc_shift;
	u8 flags;
	u8 pad[2];
} __packed;

static struct pvclock kvmclock __attribute__((aligned(64)));

/* KVM publishes ns = (tsc << shift) * mul >> 32, which gives the TSC rate exactly. */
static u64 from_kvmclock(void)
{
	u32 a, b, c, d, msr;
	u64 khz;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & (1u << 31)))
		return 0;
	cpuid(0x40000000, 0, &a, &b, &c, &d);
	if (a < 0x40000001 || b != 0x4b4d564b || c != 0x564b4d56 || d != 0x4d)
		return 0;	/* not "KVMKVMKVM" */
	cpuid(0x40000001, 0, &a, &b, &c, &d);
	if (a & (1 << 3))
		msr = 0x4b564d01;	/* MSR_KVM_SYSTEM_TIME_NEW */
	else if (a & 1)
		msr = 0x12;		/* MSR_KVM_SYSTEM_TIME */
	else
		return 0;
	syscall2(SYS_WRMSR, msr, (u64)(uintptr_t)&kvmclock | 1);
	syscall2(SYS_WRMSR, msr, 0);
	if (!kvmclock.tsc_to_system_mul)
		return 0;
	khz = (1000000ULL << 32) / kvmclock.tsc_to_system_mul;
	if (kvmclock.tsc_shift >= 0)
		return khz >> kvmclock.tsc_shift;
	return khz << -kvmclock.tsc_shift;
}

/* Mode 0 on channel 2: OUT2 (port 0x61 bit 5) rises when the count reaches zero. */
static u64 from_pit_ch2(u8 gate)
{
	u64 t0, t1;
	unsigned polls = 0;

	outb(PIT_GATE, (gate & ~0x02) | 0x01);	/* speaker off, gate on */
	outb(PIT_CMD, 0xb0);			/* channel 2, lo/hi byte, mode 0, binary */
	outb(PIT_CH2, PIT_LATCH & 0xff);
	outb(PIT_CH2, PIT_LATCH >> 8);
	t0 = rdtsc();
	do {
		t1 = rdtsc();
		if (t1 - t0 > PIT_MAX_CYCLES)
			return 0;
		polls++;
	} while (!(inb(PIT_GATE) & GATE_OUT2));
	outb(PIT_GATE, gate);
	if (polls < 2)
		return 0;	/* OUT2 high at once: no counter behind the port */
	return (t1 - t0) * PIT_HZ / PIT_LATCH / 1000;
}

static u16 ch0_read(void)
{
	u8 lo, hi;

	outb(PIT_CMD, 0x00);	/* latch channel 0 */
	lo = inb(PIT_CH0);
	hi = inb(PIT_CH0);
	return (u16)(hi << 8 | lo);
}

/*
 * Machines without port 0x61 (microvm) have no channel-2 gate: read channel 0 back
 * while it counts down from 0xffff in mode 0 (IF is 0, so its IRQ 0 goes nowhere).
 */
static u64 from_pit_ch0(void)
{
	u16 first, now;
	u64 t0, t1;
	unsigned polls = 0;

	outb(PIT_CMD, 0x30);	/* channel 0, lo/hi byte, mode 0, binary */
	outb(PIT_CH0, 0xff);
	outb(PIT_CH0, 0xff);
	first = ch0_read();
	t0 = rdtsc();
	do {
		now = ch0_read();
		t1 = rdtsc();
		if (t1 - t0 > PIT_MAX_CYCLES || (now == first && ++polls > PIT_IDLE_POLLS))
			return 0;
	} while ((u16)(first - now) < PIT_LATCH);
	return (t1 - t0) * PIT_HZ / (u16)(first - now) / 1000;
}

static u64 from_pit(const char **source)
{
	u8 gate = inb(PIT_GATE);

	*source = gate == 0xff ? "pit-ch0" : "pit";
	return gate == 0xff ? from_pit_ch0() : from_pit_ch2(gate);
}

static u64 from_cpuid_15_16(const char **source)
{
	u32 max, a, b, c, d;

	cpuid(0, 0, &max, &b, &c, &d);
	if (max >= 0x15) {
		cpuid(0x15, 0, &a, &b, &c, &d);
		if (a && b && c) {
			*source = "cpuid-15";
			return (u64)c * b / a / 1000;
		}
	}
	if (max >= 0x16) {
		cpuid(0x16, 0, &a, &b, &c, &d);
		if (a & 0xffff) {
			*source = "cpuid-16";
			return (u64)(a & 0xffff) * 1000;
		}
	}
	return 0;
}

static int plausible(u64 khz)
{
	return khz >= 50000 && khz <= 20000000;	/* 50 MHz .. 20 GHz */
}

void tsc__calibrate(u64 override_khz)
{
	const char *source = "guess";
	u64 khz;

	if (override_khz) {
		tsc = (struct tsc_info){ override_khz, "cmdline" };
		return;
	}
	khz = from_hypervisor();
	if (plausible(khz)) {
		tsc = (struct tsc_info){ khz, "cpuid-40000010" };
		return;
	}
	khz = from_kvmclock();
	if (plausible(khz)) {
		tsc = (struct tsc_info){ khz, "kvmclock" };
		return;
	}
	khz = from_pit(&source);
	if (plausible(khz)) {
		tsc = (struct tsc_info){ khz, source };
		return;
	}
	khz = from_cpuid_15_16(&source);
	if (plausible(khz)) {
		tsc = (struct tsc_info){ khz, source };
		return;
	}
	tsc = (struct tsc_info){ GUESS_KHZ, "guess" };
}

/* Split so that cycles * 10^6 cannot overflow. */
u64 tsc__ns(u64 cycles)
{
	return cycles / tsc.khz * 1000000 + cycles % tsc.khz * 1000000 / tsc.khz;
}

u64 tsc__cycles_from_us(u64 us)
{
	return us * tsc.khz / 1000;
}

void tsc__delay_us(u64 us)
{
	u64 start = rdtsc(), cycles = tsc__cycles_from_us(us);

	while (rdtsc() - start < cycles)
		cpu_relax();
}
