/* Device set-up for a machine: each entry registers one device on the buses, in order. */
#include <string.h>

#include "boot/layout.h"
#include "util/log.h"
#include "vmm/machine.h"

static void com1_write(struct serial_output *out, const u8 *buf, size_t len)
{
	struct machine *m = container_of(out, struct machine, devices.com1_out);

	console__write(&m->console, buf, len);
}

static int init_com1(struct machine *m)
{
	m->devices.com1_out.write = com1_write;
	return serial__init(&m->devices.com1, &m->pio, COM1_PORT, COM1_IRQ, &m->vm.irq,
			    &m->devices.com1_out);
}

static void exit_com1(struct machine *m)
{
	serial__exit(&m->devices.com1);
}

static int init_i8042(struct machine *m)
{
	return i8042__init(&m->devices.i8042, &m->pio, &m->vm.irq, &m->control);
}

static void exit_i8042(struct machine *m)
{
	i8042__exit(&m->devices.i8042);
}

static int init_rtc(struct machine *m)
{
	u64 low = guest_memory__low_end(&m->mem);

	return rtc__init(&m->devices.rtc, &m->pio, low, m->mem.size - low);
}

static void exit_rtc(struct machine *m)
{
	rtc__exit(&m->devices.rtc);
}

static int init_debug_exit(struct machine *m)
{
	return debug_exit__init(&m->devices.debug_exit, &m->pio, &m->control);
}

static void exit_debug_exit(struct machine *m)
{
	debug_exit__exit(&m->devices.debug_exit);
}

static int init_acpi_pm(struct machine *m)
{
	return acpi_pm__init(&m->devices.acpi_pm, &m->pio, &m->vm.irq, &m->control);
}

static void exit_acpi_pm(struct machine *m)
{
	acpi_pm__exit(&m->devices.acpi_pm);
}

static int init_pci(struct machine *m)
{
	return pci__init(&m->devices.pci, &m->pio, &m->mmio);
}

static void exit_pci(struct machine *m)
{
	pci__exit(&m->devices.pci);
}

static const struct device_step {
	const char *name;
	int (*init)(struct machine *m);
	void (*exit)(struct machine *m);
} device_steps[] = {
	{ "serial (COM1)", init_com1, exit_com1 },
	{ "i8042", init_i8042, exit_i8042 },
	{ "CMOS RTC", init_rtc, exit_rtc },
	{ "debug-exit", init_debug_exit, exit_debug_exit },
	{ "ACPI PM", init_acpi_pm, exit_acpi_pm },
	{ "PCI host bridge", init_pci, exit_pci },
};

int machine_devices__init(struct machine *m, char *err, size_t errlen)
{
	struct machine_devices *d = &m->devices;

	for (d->ninit = 0; d->ninit < ARRAY_SIZE(device_steps); d->ninit++) {
		int ret = device_steps[d->ninit].init(m);

		if (ret) {
			set_err(err, errlen, ret, "cannot set up device %s: %s",
				device_steps[d->ninit].name, strerror(-ret));
			machine_devices__exit(m);
			return ret;
		}
	}
	return 0;
}

void machine_devices__exit(struct machine *m)
{
	while (m->devices.ninit > 0)
		device_steps[--m->devices.ninit].exit(m);
}

size_t machine_devices__console_input(struct machine *m, const u8 *buf, size_t len)
{
	return serial__receive(&m->devices.com1, buf, len);
}
