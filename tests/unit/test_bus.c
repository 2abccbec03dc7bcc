/* Unit tests for the I/O bus: registration, overlap refusal, dispatch, unclaimed accesses. */
#include <errno.h>

#include "devices/bus.h"
#include "tap.h"

struct fake_dev {
	struct bus_device dev;
	unsigned calls;
	u64 last_offset;
	u32 last_len;
	bool last_write;
	u8 last_data[8];
};

static void fake_access(struct bus_device *dev, u64 offset, u8 *data, u32 len, bool is_write)
{
	struct fake_dev *f = container_of(dev, struct fake_dev, dev);

	f->calls++;
	f->last_offset = offset;
	f->last_len = len;
	f->last_write = is_write;
	if (is_write) {
		memcpy(f->last_data, data, len);
	} else if (len >= 1) {
		data[0] = 0x42;	/* leave the other bytes alone: they must read 0xff */
	}
}

static void fake_init(struct fake_dev *f, u64 base, u64 len)
{
	memset(f, 0, sizeof(*f));
	f->dev = (struct bus_device){ .name = "fake", .base = base, .len = len, .access = fake_access };
}

static void test_register_and_overlap(void)
{
	struct bus bus;
	struct fake_dev a, b, c, d, e;

	bus__init(&bus, "pio");
	fake_init(&a, 0x100, 0x10);
	fake_init(&b, 0x110, 0x10);	/* touches a's end: fine */
	fake_init(&c, 0x10f, 1);	/* a's last byte */
	fake_init(&d, 0xf0, 0x11);	/* a's first byte */
	fake_init(&e, 0x80, 0x100);	/* covers a and b */
	CHECK_EQ(bus__register(&bus, &a.dev), 0);
	CHECK_EQ(bus__register(&bus, &b.dev), 0);
	CHECK_EQ(bus__register(&bus, &c.dev), -EBUSY);
	CHECK_EQ(bus__register(&bus, &d.dev), -EBUSY);
	CHECK_EQ(bus__register(&bus, &e.dev), -EBUSY);
	CHECK_EQ(bus__register(&bus, &a.dev), -EBUSY);
	CHECK_EQ(bus.ndevices, 2);
	CHECK(bus.devices[0] == &a.dev && bus.devices[1] == &b.dev);
}

static void test_invalid_ranges(void)
{
	struct bus bus;
	struct fake_dev a, b, top;

	bus__init(&bus, "mmio");
	fake_init(&a, 0x1000, 0);
	CHECK_EQ(bus__register(&bus, &a.dev), -EINVAL);
	fake_init(&b, ~0ULL - 3, 8);	/* wraps around */
	CHECK_EQ(bus__register(&bus, &b.dev), -EINVAL);
	fake_init(&top, ~0ULL - 7, 8);	/* ends exactly at the top */
	CHECK_EQ(bus__register(&bus, &top.dev), 0);
	CHECK(bus__find(&bus, ~0ULL - 7, 8) == &top.dev);
	CHECK(bus__find(&bus, ~0ULL, 1) == &top.dev);
	CHECK(bus__find(&bus, ~0ULL, 2) == NULL);
}

static void test_sorted_insert_and_find(void)
{
	struct bus bus;
	struct fake_dev devs[BUS_MAX_DEVICES + 1];
	unsigned order[BUS_MAX_DEVICES];

	bus__init(&bus, "pio");
	/* Register in a scrambled order; the array must come out sorted. */
	for (unsigned i = 0; i < BUS_MAX_DEVICES; i++)
		order[i] = (i * 37) % BUS_MAX_DEVICES;
	for (unsigned i = 0; i < BUS_MAX_DEVICES; i++) {
		fake_init(&devs[order[i]], 0x1000 + order[i] * 0x10, 8);
		CHECK_EQ(bus__register(&bus, &devs[order[i]].dev), 0);
	}
	for (unsigned i = 1; i < bus.ndevices; i++)
		CHECK(bus.devices[i - 1]->base < bus.devices[i]->base);
	fake_init(&devs[BUS_MAX_DEVICES], 0x9000, 1);
	CHECK_EQ(bus__register(&bus, &devs[BUS_MAX_DEVICES].dev), -ENOSPC);
	for (unsigned i = 0; i < BUS_MAX_DEVICES; i++) {
		u64 base = 0x1000 + i * 0x10;

		CHECK(bus__find(&bus, base, 1) == &devs[i].dev);
		CHECK(bus__find(&bus, base + 7, 1) == &devs[i].dev);
		CHECK(bus__find(&bus, base + 4, 4) == &devs[i].dev);
		CHECK(bus__find(&bus, base + 8, 1) == NULL);	/* the gap */
		CHECK(bus__find(&bus, base + 6, 4) == NULL);	/* straddles the end */
	}
	CHECK(bus__find(&bus, 0, 1) == NULL);
	CHECK(bus__find(&bus, 0xfff, 2) == NULL);
}

static void test_dispatch(void)
{
	struct bus bus;
	struct fake_dev a;
	u8 data[8] = { 1, 2, 3, 4 };

	bus__init(&bus, "pio");
	fake_init(&a, 0x3f8, 8);
	CHECK_EQ(bus__register(&bus, &a.dev), 0);
	CHECK(bus__access(&bus, 0x3fa, data, 4, true));
	CHECK_EQ(a.calls, 1);
	CHECK_EQ(a.last_offset, 2);
	CHECK_EQ(a.last_len, 4);
	CHECK(a.last_write);
	CHECK(!memcmp(a.last_data, data, 4));
	memset(data, 0, sizeof(data));
	CHECK(bus__access(&bus, 0x3f8, data, 2, false));
	CHECK_EQ(data[0], 0x42);
	CHECK_EQ(data[1], 0xff);	/* the handler left it alone */
	CHECK_EQ(a.last_offset, 0);
}

static void test_unclaimed(void)
{
	struct bus bus;
	struct fake_dev a;
	u8 data[8];

	bus__init(&bus, "mmio");
	fake_init(&a, 0x1000, 4);
	CHECK_EQ(bus__register(&bus, &a.dev), 0);
	memset(data, 0, sizeof(data));
	CHECK(!bus__access(&bus, 0x2000, data, 8, false));
	for (int i = 0; i < 8; i++)
		CHECK_EQ(data[i], 0xff);
	memset(data, 0, sizeof(data));
	CHECK(!bus__access(&bus, 0x1002, data, 4, false));	/* straddles the end */
	CHECK_EQ(data[0], 0xff);
	CHECK_EQ(data[3], 0xff);
	CHECK(!bus__access(&bus, 0x1000, data, 0, false));
	CHECK(!bus__access(&bus, 0x2000, data, 4, true));
	CHECK_EQ(a.calls, 0);
}

static void test_unregister(void)
{
	struct bus bus;
	struct fake_dev a, b, c;
	u8 data[1] = { 0 };

	bus__init(&bus, "pio");
	fake_init(&a, 0x10, 1);
	fake_init(&b, 0x20, 1);
	fake_init(&c, 0x30, 1);
	CHECK_EQ(bus__register(&bus, &a.dev), 0);
	CHECK_EQ(bus__register(&bus, &b.dev), 0);
	CHECK_EQ(bus__register(&bus, &c.dev), 0);
	bus__unregister(&bus, &b.dev);
	CHECK_EQ(bus.ndevices, 2);
	CHECK(!bus__access(&bus, 0x20, data, 1, true));
	CHECK(bus__find(&bus, 0x10, 1) == &a.dev);
	CHECK(bus__find(&bus, 0x30, 1) == &c.dev);
	bus__unregister(&bus, &b.dev);	/* not registered: no-op */
	CHECK_EQ(bus.ndevices, 2);
	CHECK_EQ(bus__register(&bus, &b.dev), 0);
	CHECK(bus__find(&bus, 0x20, 1) == &b.dev);
}

int main(void)
{
	RUN(test_register_and_overlap);
	RUN(test_invalid_ranges);
	RUN(test_sorted_insert_and_find);
	RUN(test_dispatch);
	RUN(test_unclaimed);
	RUN(test_unregister);
	return tap_done();
}
