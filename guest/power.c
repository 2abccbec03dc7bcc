/*
 * Test guest: every way out of the VM: debug-exit port, ACPI power-off, i8042 reset,
 * triple fault, halt. Each one that can fail to take effect says so and falls back.
 */
#include "guest.h"

#define I8042_CMD	0x64
#define I8042_RESET	0xfe
#define SETTLE_US	200000

void __noreturn power__halt(void)
{
	for (;;)
		syscall0(SYS_HALT);
}

void __noreturn power__debug_exit(u32 value)
{
	outl(DEBUG_EXIT_PORT, value);
	printf("nestvisor-testguest: debug-exit port %#x had no effect (value %u); halting\n",
	       DEBUG_EXIT_PORT, value);
	power__halt();
}

void __noreturn guest__fail(enum exit_code code, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("FAIL: %s (exit %u)\n", buf, code);
	power__debug_exit(code);
}

/* The i8042 first (what the command word promises), then the ACPI reset register. */
void __noreturn power__reboot(u64 rsdp)
{
	char why[160] = "unknown";

	outb(I8042_CMD, I8042_RESET);
	tsc__delay_us(SETTLE_US);
	printf("reboot: i8042 reset (0xfe to port 0x64) had no effect; trying ACPI RESET_REG\n");
	acpi__reset(rsdp, why, sizeof(why));
	guest__fail(EXIT_REBOOT, "reboot: %s", why);
}

void __noreturn power__triple_fault(void)
{
	syscall0(SYS_TRIPLE_FAULT);
	guest__fail(EXIT_TRIPLEFAULT, "triplefault: the VM survived a triple fault");
}

void __noreturn power__poweroff(u64 rsdp)
{
	char why[160] = "unknown";

	acpi__poweroff(rsdp, why, sizeof(why));
	guest__fail(EXIT_POWEROFF, "poweroff: %s", why);
}
