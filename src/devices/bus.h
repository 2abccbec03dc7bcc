/*
 * Port-I/O and MMIO buses: devices claim address ranges; vCPU exits are dispatched here.
 * Lookups are lock-free after boot: registration happens before vCPUs start.
 */
#ifndef NV_DEVICES_BUS_H
#define NV_DEVICES_BUS_H

#include "util/util.h"

struct bus_device;

/*
 * Called for an access of len (1, 2, 4 or 8) bytes at offset from the device's base.
 * On a read the handler fills data; bytes it leaves alone read as 0xff.
 */
typedef void (*bus_access_fn)(struct bus_device *dev, u64 offset, u8 *data, u32 len, bool is_write);

struct bus_device {
	const char *name;
	u64 base;
	u64 len;
	bus_access_fn access;
};

#define BUS_MAX_DEVICES 64

struct bus {
	const char *name;	/* "pio" or "mmio", for messages */
	unsigned ndevices;
	struct bus_device *devices[BUS_MAX_DEVICES];	/* sorted by base, non-overlapping */
};

void bus__init(struct bus *bus, const char *name);
/* Fails with -EBUSY if the range overlaps a registered device, -ENOSPC if the bus is full. */
int bus__register(struct bus *bus, struct bus_device *dev) __must_check;
/* Removes dev if registered (for unwinding and teardown, never while vCPUs run). */
void bus__unregister(struct bus *bus, const struct bus_device *dev);
struct bus_device *bus__find(const struct bus *bus, u64 addr, u32 len);
/* Returns false when no device claims the range (reads then return all ones). */
bool bus__access(const struct bus *bus, u64 addr, u8 *data, u32 len, bool is_write);

#endif
