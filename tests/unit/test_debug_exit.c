/* Unit tests for isa-debug-exit: status (V << 1) | 1 for every width and port, reads all ones. */
#include <stdlib.h>

#include "boot/layout.h"
#include "device_fakes.h"
#include "devices/debug_exit.h"
#include "tap.h"

static struct bus bus;
static struct fake_ctl ctl;
static struct debug_exit dbg;

static void setup(void)
{
	fake_ctl_reset(&ctl);
	bus__init(&bus, "pio");
	if (debug_exit__init(&dbg, &bus, &ctl.ctl))
		abort();
}

static void teardown(void)
{
	debug_exit__exit(&dbg);
}

static void test_byte_write(void)
{
	u8 v = 0x10;

	setup();
	CHECK(bus__access(&bus, DEBUG_EXIT_PORT, &v, 1, true));
	CHECK_EQ(ctl.calls, 1);
	CHECK_EQ(ctl.reason, STOP_DEBUG_EXIT);
	CHECK_EQ(ctl.code, 0x21);
	v = 0;
	bus__access(&bus, DEBUG_EXIT_PORT + 3, &v, 1, true);
	CHECK_EQ(ctl.code, 1);
	teardown();
}

static void test_wide_writes(void)
{
	u8 w[4] = { 0x34, 0x12, 0, 0 };
	u8 d[4] = { 0x78, 0x56, 0x34, 0x12 };

	setup();
	bus__access(&bus, DEBUG_EXIT_PORT + 2, w, 2, true);
	CHECK_EQ(ctl.code, (0x1234 << 1) | 1);
	bus__access(&bus, DEBUG_EXIT_PORT, d, 4, true);
	CHECK_EQ((u32)ctl.code, (u32)((0x12345678u << 1) | 1));
	CHECK_EQ(ctl.code & 0xff, 0xf1);	/* what the shell would see */
	CHECK_EQ(ctl.calls, 2);
	/* Past the last port: not ours. */
	CHECK(!bus__access(&bus, DEBUG_EXIT_PORT + 2, d, 4, true));
	CHECK_EQ(ctl.calls, 2);
	teardown();
}

static void test_reads(void)
{
	u8 d[4] = { 0, 0, 0, 0 };

	setup();
	CHECK(bus__access(&bus, DEBUG_EXIT_PORT, d, 4, false));
	CHECK_EQ(d[0], 0xff);
	CHECK_EQ(d[3], 0xff);
	CHECK_EQ(ctl.calls, 0);
	teardown();
}

static void test_hostile(void)
{
	u64 state = 0xda942042e4dd58b5ULL;
	unsigned writes = 0;

	setup();
	for (int i = 0; i < 200000; i++) {
		u8 data[8];
		u32 len;
		u64 port;
		bool is_write;

		xorshift64(&state);
		len = random_width(state);
		port = DEBUG_EXIT_PORT - 2 + (state >> 8) % 8;
		is_write = (state >> 16) & 1;
		memcpy(data, &state, sizeof(data));
		if (bus__access(&bus, port, data, len, is_write) && is_write) {
			writes++;
			CHECK_EQ(ctl.code & 1, 1);
		}
	}
	CHECK_EQ(ctl.calls, writes);
	teardown();
}

int main(void)
{
	RUN(test_byte_write);
	RUN(test_wide_writes);
	RUN(test_reads);
	RUN(test_hostile);
	return tap_done();
}
