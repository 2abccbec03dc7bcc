/* Port-I/O and MMIO buses: a sorted array of non-overlapping ranges, searched by binary search. */
#include <errno.h>
#include <string.h>

#include "devices/bus.h"
#include "util/log.h"

void bus__init(struct bus *bus, const char *name)
{
	memset(bus, 0, sizeof(*bus));
	bus->name = name;
}

/* Last byte of a range; the caller has checked len > 0 and that it does not wrap. */
static u64 range_last(u64 base, u64 len)
{
	return base + (len - 1);
}

/* Index of the first device whose base is greater than addr (0..ndevices). */
static unsigned upper_bound(const struct bus *bus, u64 addr)
{
	unsigned lo = 0, hi = bus->ndevices;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (bus->devices[mid]->base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int bus__register(struct bus *bus, struct bus_device *dev)
{
	unsigned pos;

	if (!dev || !dev->access || dev->len == 0 || range_last(dev->base, dev->len) < dev->base) {
		pr_err("%s bus: invalid device %s", bus->name, dev && dev->name ? dev->name : "?");
		return -EINVAL;
	}
	pos = upper_bound(bus, dev->base);
	/* Sorted and disjoint: only the neighbours on either side can overlap. */
	if (pos > 0) {
		const struct bus_device *prev = bus->devices[pos - 1];

		if (range_last(prev->base, prev->len) >= dev->base)
			goto busy;
	}
	if (pos < bus->ndevices && bus->devices[pos]->base <= range_last(dev->base, dev->len))
		goto busy;
	if (bus->ndevices >= BUS_MAX_DEVICES)
		return -ENOSPC;
	memmove(&bus->devices[pos + 1], &bus->devices[pos],
		(bus->ndevices - pos) * sizeof(bus->devices[0]));
	bus->devices[pos] = dev;
	bus->ndevices++;
	return 0;
busy:
	pr_err("%s bus: %s at %#llx+%#llx overlaps a registered device", bus->name,
	       dev->name ? dev->name : "?", (unsigned long long)dev->base,
	       (unsigned long long)dev->len);
	return -EBUSY;
}

void bus__unregister(struct bus *bus, const struct bus_device *dev)
{
	for (unsigned i = 0; i < bus->ndevices; i++) {
		if (bus->devices[i] != dev)
			continue;
		memmove(&bus->devices[i], &bus->devices[i + 1],
			(bus->ndevices - i - 1) * sizeof(bus->devices[0]));
		bus->ndevices--;
		bus->devices[bus->ndevices] = NULL;
		return;
	}
}

/* The device holding all of [addr, addr+len), or NULL (also for an access straddling a device's end). */
struct bus_device *bus__find(const struct bus *bus, u64 addr, u32 len)
{
	unsigned pos;
	struct bus_device *dev;

	if (len == 0 || addr + (len - 1) < addr)
		return NULL;
	pos = upper_bound(bus, addr);
	if (pos == 0)
		return NULL;
	dev = bus->devices[pos - 1];
	if (addr - dev->base > dev->len - 1 || len > dev->len - (addr - dev->base))
		return NULL;
	return dev;
}

bool bus__access(const struct bus *bus, u64 addr, u8 *data, u32 len, bool is_write)
{
	struct bus_device *dev;

	if (len == 0 || len > 8) {
		pr_warn_once("%s bus: access of %u bytes at %#llx ignored", bus->name, len,
			     (unsigned long long)addr);
		if (!is_write && len)
			memset(data, 0xff, len);
		return false;
	}
	dev = bus__find(bus, addr, len);
	if (!is_write)
		memset(data, 0xff, len);
	if (!dev)
		return false;
	dev->access(dev, addr - dev->base, data, len, is_write);
	return true;
}
