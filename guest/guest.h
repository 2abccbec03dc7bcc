/*
 * Test guest: shared types, port and MMIO accessors, CPU helpers and the interfaces
 * between the guest's files. Everything here runs in ring 3 unless it says otherwise.
 */
#ifndef TG_GUEST_H
#define TG_GUEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "x86.h"

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define __packed __attribute__((packed))
#define __noreturn __attribute__((noreturn))
#define __printf(a, b) __attribute__((format(printf, a, b)))

/* Values written to the debug-exit port; QEMU and nestvisor exit with (v << 1) | 1. */
enum exit_code {
	EXIT_USAGE = 1,		/* unknown command word or bad value */
	EXIT_SANITY = 2,	/* a boot-time check failed (cpus online, memory, ...) */
	EXIT_WORKLOAD = 3,	/* a workload failed (mem mismatch, echo timeout) */
	EXIT_POWEROFF = 4,	/* the ACPI power-off write had no effect */
	EXIT_REBOOT = 5,	/* the i8042 reset request had no effect */
	EXIT_TRIPLEFAULT = 6,	/* the triple fault did not end the VM */
	EXIT_FAULT = 7,		/* an unexpected CPU exception */
};

#define DEBUG_EXIT_PORT 0xf4

/* Port I/O works in ring 3: RFLAGS.IOPL = 3 and an all-zero TSS I/O bitmap (x86.h). */
static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(u16 port, u16 v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }

static inline u8 inb(u16 port)
{
	u8 v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u16 inw(u16 port)
{
	u16 v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u32 inl(u16 port)
{
	u32 v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* MMIO and firmware tables: the first 4 GiB are identity-mapped and user-accessible. */
static inline void *phys(u64 addr) { return (void *)(uintptr_t)addr; }
static inline u32 mmio_read32(u64 addr) { return *(volatile u32 *)phys(addr); }
static inline void mmio_write32(u64 addr, u32 v) { *(volatile u32 *)phys(addr) = v; }

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

static inline void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }

/* libc.c */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
int printf(const char *fmt, ...) __printf(1, 2);
int parse_u64(const char *s, u64 *out);
int parse_u64n(const char *s, size_t n, u64 *out);
u32 crc32(u32 crc, const void *buf, size_t n);
void hex_string(char *out, const void *buf, size_t n);

/* serial.c: COM1, polled */
void serial__init(void);
void serial__putc(char c);
void serial__write(const char *s, size_t n);
int serial__getc_timeout(u64 cycles);	/* -1 on timeout */

/* bootinfo.c: what the loader handed over */
#define MEMMAP_MAX 32
struct mem_range {
	u64 addr;
	u64 size;
	u32 type;		/* 1 = usable RAM */
};

struct boot_info {
	const char *proto;	/* "pvh" or "multiboot" */
	u64 info_addr;
	const char *cmdline;	/* never NULL */
	u64 rsdp;		/* 0 when the loader gave none */
	struct mem_range mem[MEMMAP_MAX];
	unsigned nmem;
};

int bootinfo__parse(u32 magic, u64 info, struct boot_info *bi);
u64 bootinfo__ram_bytes(const struct boot_info *bi);
int bootinfo__is_ram(const struct boot_info *bi, u64 addr, u64 len);

/* tsc.c */
struct tsc_info {
	u64 khz;
	const char *source;	/* "cmdline", "cpuid-40000010", "kvmclock", "pit", "cpuid-15", ... */
};
extern struct tsc_info tsc;
void tsc__calibrate(u64 override_khz);
u64 tsc__ns(u64 cycles);
u64 tsc__cycles_from_us(u64 us);
void tsc__delay_us(u64 us);

/* acpi.c and mptable.c */
struct cpu_count {
	unsigned ncpus;		/* 0 when unknown */
	u64 lapic_addr;
	const char *source;	/* "madt", "mptable" or "none" */
};
u64 acpi__find_rsdp(const struct boot_info *bi);
void *acpi__find_table(u64 rsdp, const char *sig);
int acpi__count_cpus(u64 rsdp, struct cpu_count *cc);
int mptable__count_cpus(struct cpu_count *cc);
int acpi__poweroff(u64 rsdp, char *why, size_t whylen);
int acpi__reset(u64 rsdp, char *why, size_t whylen);
struct acpi_power_regs {
	u16 pm1a_evt, pm1a_cnt, pm1b_cnt, reset_port;	/* I/O ports; 0: none */
	u8 reset_value;
	int have_s5;
	u32 s5_typ;
};
int acpi__power_regs(u64 rsdp, struct acpi_power_regs *r);

/* smp.c */
int smp__start_aps(const struct boot_info *bi, u64 lapic_addr, unsigned expected);

/* power.c: ways out of the VM */
void __noreturn power__debug_exit(u32 value);
void __noreturn power__halt(void);
void __noreturn power__reboot(u64 rsdp);
void __noreturn power__triple_fault(void);
void __noreturn power__poweroff(u64 rsdp);
void __noreturn guest__fail(enum exit_code code, const char *fmt, ...) __printf(2, 3);

/* user.S: enter ring 0 for a SYS_* service (x86.h) ring 3 cannot do itself */
long syscall0(long nr);
long syscall2(long nr, u64 a, u64 b);

/* workloads.c and cmdline.c */
struct guest_opts {
	int quiet;
	int nosmp;
	int have_exit;
	u32 exit_value;
	int reboot;
	int triplefault;
	u64 tsc_khz;		/* 0: calibrate */
};
extern struct guest_opts opts;
extern const struct boot_info *bootinfo;
int workload__cpu(u64 iters);
int workload__pingpong(u64 exits);
int workload__mem(u64 mib);
int workload__echo(void);
int cmdline__parse(const char *cmdline, int skip_first);
/* hostile.c: hostile=KIND,... modes that attack the VMM (docs/testguest.md) */
int hostile__run(const char *arg, int run);
int cmdline__run_workloads(void);

#endif
