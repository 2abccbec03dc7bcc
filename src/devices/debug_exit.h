/*
 * QEMU isa-debug-exit compatible device: a guest write of V to DEBUG_EXIT_PORT stops the VM
 * with exit status (V << 1) | 1, which the OS truncates to its low 8 bits.
 */
#ifndef NV_DEVICES_DEBUG_EXIT_H
#define NV_DEVICES_DEBUG_EXIT_H

#include "devices/bus.h"
#include "util/util.h"
#include "vmm/control.h"

struct debug_exit {
	struct bus_device dev;
	struct bus *bus;
	struct vm_control *ctl;
};

int debug_exit__init(struct debug_exit *d, struct bus *pio, struct vm_control *ctl) __must_check;
void debug_exit__exit(struct debug_exit *d);

#endif
