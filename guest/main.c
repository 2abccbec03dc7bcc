/*
 * Test guest: ring-3 main. Banner, what the machine looks like, AP start-up and checks,
 * the command line's workloads, then power-off (or the exit the command line asked for).
 */
#include "guest.h"

static struct boot_info bi;
const struct boot_info *bootinfo = &bi;

void guest_main(u32 magic, u64 info);
void guest_fault(u64 vec, u64 err, u64 rip, u64 cr2, u64 cs);

static void cpuid_string(u32 leaf, char out[13], int order_bdc)
{
	u32 a, r[3];

	cpuid(leaf, 0, &a, &r[0], &r[1], &r[2]);
	if (order_bdc) {	/* CPUID 0 spells the vendor in ebx, edx, ecx */
		u32 t = r[1];

		r[1] = r[2];
		r[2] = t;
	}
	memcpy(out, r, 12);
	out[12] = '\0';
}

static void report_cpu(void)
{
	u32 a, b, c, d, max_ext;
	char vendor[13], hv[13];
	int vmx, svm;

	cpuid_string(0, vendor, 1);
	cpuid(1, 0, &a, &b, &c, &d);
	vmx = !!(c & (1 << 5));
	if (c & (1u << 31))
		cpuid_string(0x40000000, hv, 0);
	else
		memcpy(hv, "none", 5);
	cpuid(0x80000000, 0, &max_ext, &b, &c, &d);
	c = 0;
	if (max_ext >= 0x80000001)
		cpuid(0x80000001, 0, &a, &b, &c, &d);
	svm = !!(c & (1 << 2));
	printf("cpu vendor: %s\nvmx: %s\nsvm: %s\nhypervisor: %s\n", vendor,
	       vmx ? "yes" : "no", svm ? "yes" : "no", hv[0] ? hv : "(empty)");
}

static void count_cpus(u64 rsdp, struct cpu_count *cc)
{
	*cc = (struct cpu_count){ 0, 0xfee00000ULL, "none" };
	if (acpi__count_cpus(rsdp, cc) && mptable__count_cpus(cc))
		*cc = (struct cpu_count){ 0, 0xfee00000ULL, "none" };
}

static void report_machine(u64 rsdp, const struct cpu_count *cc)
{
	printf("boot: %s info=%#llx cmdline=\"%s\"\n", bi.proto,
	       (unsigned long long)bi.info_addr, bi.cmdline);
	report_cpu();
	printf("acpi: rsdp %#llx\n", (unsigned long long)rsdp);
	printf("cpus: %u (%s)\n", cc->ncpus, cc->source);
	printf("memory: %llu MiB\n", (unsigned long long)(bootinfo__ram_bytes(&bi) >> 20));
	printf("tsc: %llu.%03llu MHz (%s)\n", (unsigned long long)(tsc.khz / 1000),
	       (unsigned long long)(tsc.khz % 1000), tsc.source);
}

/* The sanity checks; each failure is one line, and any failure ends the run. */
static void check_machine(const struct cpu_count *cc)
{
	unsigned online = 1;

	if (!cc->ncpus)
		guest__fail(EXIT_SANITY, "no CPU count: neither an ACPI MADT nor an MP table");
	if (!bootinfo__ram_bytes(&bi))
		guest__fail(EXIT_SANITY, "no memory map from the loader");
	if (!opts.nosmp)
		online = smp__start_aps(&bi, cc->lapic_addr, cc->ncpus);
	if (!opts.quiet)
		printf("cpus online: %u of %u%s\n", online, cc->ncpus,
		       opts.nosmp ? " (nosmp)" : "");
	if (!opts.nosmp && online != cc->ncpus)
		guest__fail(EXIT_SANITY, "cpus online: %u of %u", online, cc->ncpus);
}

static void __noreturn finish(u64 rsdp)
{
	printf("nestvisor-testguest: done\n");
	if (opts.have_exit)
		power__debug_exit(opts.exit_value);
	if (opts.reboot)
		power__reboot(rsdp);
	if (opts.triplefault)
		power__triple_fault();
	power__poweroff(rsdp);
}

void guest_main(u32 magic, u64 info)
{
	struct cpu_count cc;
	u64 rsdp;

	serial__init();
	printf("nestvisor-testguest: hello\n");
	if (bootinfo__parse(magic, info, &bi))
		guest__fail(EXIT_SANITY, "no PVH start_info or multiboot info (eax %#x, ebx %#llx)",
			    magic, (unsigned long long)info);
	if (cmdline__parse(bi.cmdline, !strcmp(bi.proto, "multiboot")))
		guest__fail(EXIT_USAGE, "bad command line \"%s\"", bi.cmdline);
	tsc__calibrate(opts.tsc_khz);
	rsdp = acpi__find_rsdp(&bi);
	count_cpus(rsdp, &cc);
	if (!opts.quiet)
		report_machine(rsdp, &cc);
	check_machine(&cc);
	if (cmdline__run_workloads())
		guest__fail(EXIT_WORKLOAD, "a workload failed");
	finish(rsdp);
}

/* Reached from traps.S on any CPU exception, in ring 3 on its own stack. */
void guest_fault(u64 vec, u64 err, u64 rip, u64 cr2, u64 cs)
{
	static int nested;

	if (nested++)
		power__debug_exit(EXIT_FAULT);
	guest__fail(EXIT_FAULT, "exception %llu error %#llx rip %#llx cr2 %#llx cs %#llx",
		    (unsigned long long)vec, (unsigned long long)err, (unsigned long long)rip,
		    (unsigned long long)cr2, (unsigned long long)cs);
}
