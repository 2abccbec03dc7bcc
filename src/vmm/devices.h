/* The legacy devices every nestvisor machine has, set up in the order of one table. */
#ifndef NV_VMM_DEVICES_H
#define NV_VMM_DEVICES_H

#include "devices/acpi_pm.h"
#include "devices/debug_exit.h"
#include "devices/i8042.h"
#include "devices/pci.h"
#include "devices/rtc.h"
#include "devices/serial.h"
#include "util/util.h"

struct machine;

struct machine_devices {
	struct serial com1;
	struct serial_output com1_out;	/* to the machine's console */
	struct i8042 i8042;
	struct rtc rtc;
	struct debug_exit debug_exit;
	struct acpi_pm acpi_pm;
	struct pci_bus pci;
	unsigned ninit;			/* devices set up, for unwinding */
};

int machine_devices__init(struct machine *m, char *err, size_t errlen) __must_check;
void machine_devices__exit(struct machine *m);
/* Console input for the guest; returns how many bytes the UART took. */
size_t machine_devices__console_input(struct machine *m, const u8 *buf, size_t len);

#endif
