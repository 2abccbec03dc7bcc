/* Unit tests for the CMOS RTC: BCD/binary, 12/24 h, setting the time, UIP, NVRAM, memory bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "boot/layout.h"
#include "device_fakes.h"
#include "devices/rtc.h"
#include "tap.h"

static struct bus bus;
static struct rtc rtc;
static struct timespec fake_now;

static void fake_clock(struct timespec *ts)
{
	*ts = fake_now;
}

static void setup_mem(u64 low, u64 high, bool fake)
{
	bus__init(&bus, "pio");
	if (rtc__init(&rtc, &bus, low, high))
		abort();
	if (fake)
		rtc.clock = fake_clock;
}

static void setup(void)
{
	/* Thursday 2024-02-29 23:59:58.5 UTC */
	fake_now.tv_sec = 1709251198;
	fake_now.tv_nsec = 500000000;
	setup_mem(512 * MiB, 0, true);
}

static void teardown(void)
{
	rtc__exit(&rtc);
}

static u8 cmos_read(u8 reg)
{
	u8 v = 0;

	bus__access(&bus, RTC_PORT, &reg, 1, true);
	bus__access(&bus, RTC_PORT + 1, &v, 1, false);
	return v;
}

static void cmos_write(u8 reg, u8 val)
{
	bus__access(&bus, RTC_PORT, &reg, 1, true);
	bus__access(&bus, RTC_PORT + 1, &val, 1, true);
}

static void test_bcd_24h(void)
{
	setup();
	CHECK_EQ(cmos_read(0x0b), 0x02);
	CHECK_EQ(cmos_read(0x00), 0x58);
	CHECK_EQ(cmos_read(0x02), 0x59);
	CHECK_EQ(cmos_read(0x04), 0x23);
	CHECK_EQ(cmos_read(0x06), 5);		/* Thursday, 1 = Sunday */
	CHECK_EQ(cmos_read(0x07), 0x29);
	CHECK_EQ(cmos_read(0x08), 0x02);
	CHECK_EQ(cmos_read(0x09), 0x24);
	CHECK_EQ(cmos_read(0x32), 0x20);
	fake_now.tv_sec += 2;			/* the clock runs: 2024-03-01 00:00:00 */
	CHECK_EQ(cmos_read(0x00), 0x00);
	CHECK_EQ(cmos_read(0x07), 0x01);
	CHECK_EQ(cmos_read(0x08), 0x03);
	teardown();
}

static void test_binary_and_12h(void)
{
	setup();
	cmos_write(0x0b, 0x06);			/* binary, 24 h */
	CHECK_EQ(cmos_read(0x00), 58);
	CHECK_EQ(cmos_read(0x04), 23);
	CHECK_EQ(cmos_read(0x09), 24);
	CHECK_EQ(cmos_read(0x32), 20);
	cmos_write(0x0b, 0x04);			/* binary, 12 h */
	CHECK_EQ(cmos_read(0x04), 0x80 | 11);	/* 11 PM */
	cmos_write(0x0b, 0x00);			/* BCD, 12 h */
	CHECK_EQ(cmos_read(0x04), 0x91);
	fake_now.tv_sec += 2;
	CHECK_EQ(cmos_read(0x04), 0x12);	/* midnight is 12 AM */
	fake_now.tv_sec += 12 * 3600;
	CHECK_EQ(cmos_read(0x04), 0x92);	/* noon is 12 PM */
	teardown();
}

static void test_set_time(void)
{
	setup();
	/* Linux's mc146818_set_time: SET on, write the fields, SET off. */
	cmos_write(0x0b, 0x82);
	cmos_write(0x00, 0x30);
	cmos_write(0x02, 0x15);
	cmos_write(0x04, 0x08);
	cmos_write(0x07, 0x31);
	cmos_write(0x08, 0x12);
	cmos_write(0x09, 0x99);
	cmos_write(0x32, 0x19);
	fake_now.tv_sec += 100;			/* frozen while SET is on */
	CHECK_EQ(cmos_read(0x00), 0x30);
	CHECK_EQ(cmos_read(0x0a) & 0x80, 0);
	cmos_write(0x0b, 0x02);
	CHECK_EQ(cmos_read(0x09), 0x99);
	CHECK_EQ(cmos_read(0x32), 0x19);
	CHECK_EQ(cmos_read(0x08), 0x12);
	CHECK_EQ(cmos_read(0x07), 0x31);
	CHECK_EQ(cmos_read(0x06), 6);		/* 1999-12-31 was a Friday */
	fake_now.tv_sec += 30;
	CHECK_EQ(cmos_read(0x00), 0x00);	/* and it runs on into 08:16:00 */
	CHECK_EQ(cmos_read(0x02), 0x16);
	/* A lone write without SET moves the clock too. */
	cmos_write(0x09, 0x05);
	CHECK_EQ(cmos_read(0x09), 0x05);
	CHECK_EQ(cmos_read(0x08), 0x12);
	teardown();
}

static void test_uip(void)
{
	setup();
	fake_now.tv_nsec = 999900000;		/* the last 244 us before the update */
	CHECK_EQ(cmos_read(0x0a), 0xa6);
	fake_now.tv_nsec = 0;
	CHECK_EQ(cmos_read(0x0a), 0x26);
	cmos_write(0x0a, 0xff);			/* UIP is read-only */
	CHECK_EQ(cmos_read(0x0a), 0x7f);
	teardown();
}

static void test_status_registers(void)
{
	setup();
	CHECK_EQ(cmos_read(0x0d), 0x80);
	cmos_write(0x0d, 0x00);
	CHECK_EQ(cmos_read(0x0d), 0x80);
	cmos_write(0x0c, 0xf0);
	CHECK_EQ(cmos_read(0x0c), 0x00);
	cmos_write(0x0b, 0x92);			/* SET clears UIE */
	CHECK_EQ(cmos_read(0x0b), 0x82);
	teardown();
}

static void test_nvram_and_index(void)
{
	u8 idx = 0x40, v = 0;

	setup();
	cmos_write(0x40, 0xa5);
	CHECK_EQ(cmos_read(0x40), 0xa5);
	CHECK_EQ(cmos_read(0xc0), 0xa5);	/* bit 7 is the NMI mask */
	cmos_write(0x7f, 0x11);
	CHECK_EQ(cmos_read(0x7f), 0x11);
	bus__access(&bus, RTC_PORT, &idx, 1, true);
	bus__access(&bus, RTC_PORT, &v, 1, false);
	CHECK_EQ(v, 0xff);			/* the index port is write-only */
	teardown();
}

static void test_memory_size(void)
{
	setup_mem(2 * GiB, 1 * GiB, true);
	CHECK_EQ(cmos_read(0x15) | cmos_read(0x16) << 8, 640);
	CHECK_EQ(cmos_read(0x17) | cmos_read(0x18) << 8, 0xffff);
	CHECK_EQ(cmos_read(0x30) | cmos_read(0x31) << 8, 0xffff);
	CHECK_EQ(cmos_read(0x34) | cmos_read(0x35) << 8, (2 * GiB - 16 * MiB) / (64 * KiB));
	CHECK_EQ(cmos_read(0x5b) | cmos_read(0x5c) << 8 | cmos_read(0x5d) << 16, GiB / (64 * KiB));
	teardown();
	setup_mem(32 * MiB, 0, true);
	CHECK_EQ(cmos_read(0x17) | cmos_read(0x18) << 8, 31 * 1024);
	CHECK_EQ(cmos_read(0x34) | cmos_read(0x35) << 8, 256);
	CHECK_EQ(cmos_read(0x5b) | cmos_read(0x5c) | cmos_read(0x5d), 0);
	teardown();
}

static int bcd(u8 v)
{
	return (v >> 4) * 10 + (v & 15);
}

/* CLOCK_REALTIME's seconds, as the RTC reads them: time() may lag by a tick (vDSO, coarse). */
static time_t realtime_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

/* Reads the time as Linux's mc146818_get_time does, then compares it with the host's. */
static void test_host_round_trip(void)
{
	struct tm tm;
	time_t guest, before, after;
	int tries = 0;
	u8 sec;

	setup_mem(256 * MiB, 0, false);
	before = realtime_now();
	do {
		while (cmos_read(0x0a) & 0x80)
			;
		sec = cmos_read(0x00);
		memset(&tm, 0, sizeof(tm));
		tm.tm_sec = bcd(sec);
		tm.tm_min = bcd(cmos_read(0x02));
		tm.tm_hour = bcd(cmos_read(0x04));
		tm.tm_mday = bcd(cmos_read(0x07));
		tm.tm_mon = bcd(cmos_read(0x08)) - 1;
		tm.tm_year = bcd(cmos_read(0x32)) * 100 + bcd(cmos_read(0x09)) - 1900;
	} while (sec != cmos_read(0x00) && ++tries < 10);
	guest = timegm(&tm);
	after = realtime_now();
	if (guest < before || guest > after)
		printf("#   host %lld..%lld, guest %lld\n", (long long)before, (long long)after,
		       (long long)guest);
	CHECK(guest >= before && guest <= after);
	teardown();
}

static void test_hostile(void)
{
	u64 state = 0x853c49e6748fea9bULL;
	unsigned bad = 0;

	setup();
	for (int i = 0; i < 300000; i++) {
		u64 r = random_access(&bus, &state, 0x6c, 10);

		if (rtc.index >= RTC_CMOS_SIZE || (rtc.cmos[0x0a] & 0x80))
			bad++;
		fake_now.tv_nsec = (r >> 24) % 1000000000;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(cmos_read(0x0d), 0x80);
	teardown();
}

int main(void)
{
	RUN(test_bcd_24h);
	RUN(test_binary_and_12h);
	RUN(test_set_time);
	RUN(test_uip);
	RUN(test_status_registers);
	RUN(test_nvram_and_index);
	RUN(test_memory_size);
	RUN(test_host_round_trip);
	RUN(test_hostile);
	return tap_done();
}
