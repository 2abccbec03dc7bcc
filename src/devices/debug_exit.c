/* isa-debug-exit: lets test guests end the VM with a status of their choosing. */
#include <string.h>

#include "boot/layout.h"
#include "devices/debug_exit.h"
#include "util/log.h"

/*
 * Any write, of any width at any of the ports, stops the VM; reads leave the bus's 0xff.
 * No state changes after init, so no lock: vm_control keeps the first request.
 */
static void debug_exit_access(struct bus_device *dev, u64 offset, u8 *data, u32 len, bool is_write)
{
	struct debug_exit *d = container_of(dev, struct debug_exit, dev);
	u64 value = 0;

	if (!is_write)
		return;
	for (u32 i = 0; i < len && i < sizeof(value); i++)
		value |= (u64)data[i] << (8 * i);
	pr_debug("debug-exit: guest wrote %#llx", (unsigned long long)value);
	/* As QEMU: the status is odd, so it never looks like a clean power-off (0). */
	vm_control__stop(d->ctl, STOP_DEBUG_EXIT, (int)(u32)((value << 1) | 1));
}

int debug_exit__init(struct debug_exit *d, struct bus *pio, struct vm_control *ctl)
{
	int ret;

	memset(d, 0, sizeof(*d));
	d->dev = (struct bus_device){ .name = "debug-exit", .base = DEBUG_EXIT_PORT,
				      .len = DEBUG_EXIT_LEN, .access = debug_exit_access };
	d->ctl = ctl;
	ret = bus__register(pio, &d->dev);
	if (ret)
		return ret;
	d->bus = pio;
	return 0;
}

void debug_exit__exit(struct debug_exit *d)
{
	if (!d->bus)
		return;
	bus__unregister(d->bus, &d->dev);
	d->bus = NULL;
}
