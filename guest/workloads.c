/*
 * Test guest: the timed workloads. Each prints one "RESULT <name> key=value ..." line
 * that benchmarks parse (docs/testguest.md); they run in ring 3 at native speed.
 */
#include "guest.h"

#define PINGPONG_PORT	0x80
#define PAGE		4096ULL
#define MEM_ALIGN	(2ULL << 20)
#define LOW_4G		(1ULL << 32)
#define ECHO_MAX	256
#define ECHO_TIMEOUT_US	60000000ULL

extern char _end[];

/* value / count with three decimals, as "I.FFF" */
static void fixed3(char *buf, size_t len, u64 value, u64 count)
{
	u64 milli = count ? value * 1000 / count : 0;

	snprintf(buf, len, "%llu.%03llu", (unsigned long long)(milli / 1000),
		 (unsigned long long)(milli % 1000));
}

int workload__cpu(u64 iters)
{
	u64 n = iters, t0, t1, ns;
	char per[32];

	t0 = rdtsc();
	if (n)
		__asm__ volatile("1: dec %0; jnz 1b" : "+r"(n) : : "cc");
	t1 = rdtsc();
	ns = tsc__ns(t1 - t0);
	fixed3(per, sizeof(per), ns, iters);
	printf("RESULT cpu iters=%llu ns=%llu ns_per_iter=%s\n", (unsigned long long)iters,
	       (unsigned long long)ns, per);
	return 0;
}

int workload__pingpong(u64 exits)
{
	u64 i, t0, t1, ns;
	char per[32];

	t0 = rdtsc();
	for (i = 0; i < exits; i++)
		outb(PINGPONG_PORT, (u8)i);
	t1 = rdtsc();
	ns = tsc__ns(t1 - t0);
	fixed3(per, sizeof(per), ns, exits);
	printf("RESULT pingpong exits=%llu ns=%llu ns_per_exit=%s\n", (unsigned long long)exits,
	       (unsigned long long)ns, per);
	return 0;
}

/* The lowest RAM above the image (2 MiB aligned) that holds len bytes below 4 GiB. */
static u64 mem_window(u64 len)
{
	u64 floor = ((u64)(uintptr_t)_end + MEM_ALIGN - 1) & ~(MEM_ALIGN - 1);
	const struct mem_range *r;
	u64 start, end;
	unsigned i;

	for (i = 0; i < bootinfo->nmem; i++) {
		r = &bootinfo->mem[i];
		if (r->type != 1)
			continue;
		start = r->addr > floor ? (r->addr + PAGE - 1) & ~(PAGE - 1) : floor;
		end = r->addr + r->size;
		if (end > LOW_4G)
			end = LOW_4G;
		if (start < end && end - start >= len)
			return start;
	}
	return 0;
}

static int mem_check(u64 start, u64 len)
{
	u64 p;

	for (p = start; p < start + len; p += PAGE)
		*(volatile u64 *)phys(p) = p ^ 0x5a5aa5a5deadbeefULL;
	for (p = start; p < start + len; p += PAGE) {
		if (*(volatile u64 *)phys(p) != (p ^ 0x5a5aa5a5deadbeefULL)) {
			printf("mem: mismatch at %#llx\n", (unsigned long long)p);
			return -1;
		}
	}
	return 0;
}

int workload__mem(u64 mib)
{
	u64 len = mib << 20, start, t0, t1, ns;

	if (!mib || mib > 4096) {
		printf("mem: size must be 1..4096 MiB\n");
		return -1;
	}
	start = mem_window(len);
	if (!start) {
		printf("mem: no %llu MiB of RAM below 4 GiB above the guest image\n",
		       (unsigned long long)mib);
		return -1;
	}
	t0 = rdtsc();
	if (mem_check(start, len))
		return -1;
	t1 = rdtsc();
	ns = tsc__ns(t1 - t0);
	printf("RESULT mem mib=%llu pages=%llu ns=%llu addr=%#llx\n", (unsigned long long)mib,
	       (unsigned long long)(len / PAGE), (unsigned long long)ns, (unsigned long long)start);
	return 0;
}

int workload__echo(void)
{
	char line[ECHO_MAX + 1];
	u64 deadline = rdtsc() + tsc__cycles_from_us(ECHO_TIMEOUT_US);
	size_t n = 0;
	u64 now;
	int c;

	printf("echo: ready\n");
	for (;;) {
		now = rdtsc();
		c = serial__getc_timeout(deadline > now ? deadline - now : 0);
		if (c < 0) {
			printf("echo: timeout\n");
			return -1;
		}
		if ((c == '\r' || c == '\n') && !n)
			continue;	/* the rest of a CR LF, or an empty line */
		if (c == '\r' || c == '\n' || n == ECHO_MAX)
			break;
		line[n++] = (char)c;
	}
	line[n] = '\0';
	printf("echo: got %s\n", line);
	return 0;
}
