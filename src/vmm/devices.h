/*
 * The devices of a machine, set up in the order of one table: the legacy devices every
 * machine has, then the virtio devices the configuration asks for, each on its own I/O thread.
 */
#ifndef NV_VMM_DEVICES_H
#define NV_VMM_DEVICES_H

#include "devices/acpi_pm.h"
#include "devices/debug_exit.h"
#include "devices/i8042.h"
#include "devices/pci.h"
#include "devices/rtc.h"
#include "devices/serial.h"
#include "devices/virtio/pci.h"
#include "util/util.h"
#include "vmm/config.h"

struct machine;

#define MACHINE_MAX_VIRTIO (1 + VM_MAX_DISKS + VM_MAX_NETS)	/* rng, disks, NICs */

/* One virtio device: its back-end, its PCI function and the thread its work runs on. */
struct machine_virtio {
	char name[16];
	struct io_thread io;
	struct virtio_pci vp;
	void *backend;				/* struct virtio_rng/blk/net */
	void (*destroy)(void *backend);
	bool io_ready, vp_ready;
};

struct machine_devices {
	struct serial com1;
	struct serial_output com1_out;	/* to the machine's console */
	struct i8042 i8042;
	struct rtc rtc;
	struct debug_exit debug_exit;
	struct acpi_pm acpi_pm;
	struct pci_bus pci;
	struct machine_virtio virtio[MACHINE_MAX_VIRTIO];
	unsigned nvirtio;		/* virtio devices set up */
	unsigned ninit;			/* devices set up, for unwinding */
};

int machine_devices__init(struct machine *m, char *err, size_t errlen) __must_check;
void machine_devices__exit(struct machine *m);
/* Console input for the guest; returns how many bytes the UART took. */
size_t machine_devices__console_input(struct machine *m, const u8 *buf, size_t len);

#endif
