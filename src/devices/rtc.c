/* MC146818 RTC: time registers from the host UTC clock plus an offset, NVRAM, memory-size bytes. */
#include <errno.h>
#include <string.h>

#include "boot/layout.h"
#include "devices/rtc.h"
#include "util/log.h"

#define REG_SECONDS	0x00
#define REG_MINUTES	0x02
#define REG_HOURS	0x04
#define REG_WDAY	0x06
#define REG_MDAY	0x07
#define REG_MONTH	0x08
#define REG_YEAR	0x09
#define REG_A		0x0a
#define REG_B		0x0b
#define REG_C		0x0c
#define REG_D		0x0d
#define REG_CENTURY	0x32

#define A_UIP		0x80
#define A_DEFAULT	0x26	/* 32.768 kHz time base, 1024 Hz periodic rate */
#define B_SET		0x80
#define B_UIE		0x10
#define B_BINARY	0x04	/* DM: binary instead of BCD */
#define B_24H		0x02
#define D_VRT		0x80	/* valid RAM and time: the battery is fine */
#define HOUR_PM		0x80	/* 12-hour mode */

#define INDEX_MASK	0x7f	/* bit 7 of the index port is the NMI mask, not emulated */
/* The chip raises UIP 244 us before each update; readers wait for it to fall. */
#define UIP_WINDOW_NS	244000

static void host_clock(struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
}

static bool is_time_reg(unsigned reg)
{
	return reg == REG_SECONDS || reg == REG_MINUTES || reg == REG_HOURS || reg == REG_WDAY ||
	       reg == REG_MDAY || reg == REG_MONTH || reg == REG_YEAR || reg == REG_CENTURY;
}

/* The guest's current time: the frozen copy while SET is on, else host time plus offset. */
static void guest_time(struct rtc *r, struct tm *tm)
{
	struct timespec ts;
	time_t t;

	if (r->frozen) {
		*tm = r->set_time;
		return;
	}
	r->clock(&ts);
	t = ts.tv_sec + r->offset;
	if (!gmtime_r(&t, tm))
		memset(tm, 0, sizeof(*tm));
}

static u8 encode(const struct rtc *r, int v)
{
	v = v < 0 ? 0 : v % 100;
	if (r->cmos[REG_B] & B_BINARY)
		return v;
	return (v / 10) << 4 | (v % 10);
}

static int decode(const struct rtc *r, u8 v)
{
	if (r->cmos[REG_B] & B_BINARY)
		return v;
	return (v >> 4) * 10 + (v & 0x0f);
}

static u8 encode_hours(const struct rtc *r, int hour)
{
	int h12 = hour % 12 ? hour % 12 : 12;

	if (r->cmos[REG_B] & B_24H)
		return encode(r, hour);
	return encode(r, h12) | (hour >= 12 ? HOUR_PM : 0);
}

static int decode_hours(const struct rtc *r, u8 v)
{
	if (r->cmos[REG_B] & B_24H)
		return decode(r, v);
	return decode(r, v & ~HOUR_PM) % 12 + (v & HOUR_PM ? 12 : 0);
}

static u8 read_time(struct rtc *r, unsigned reg)
{
	struct tm tm;
	int year;

	guest_time(r, &tm);
	year = tm.tm_year + 1900;
	switch (reg) {
	case REG_SECONDS:
		return encode(r, tm.tm_sec);
	case REG_MINUTES:
		return encode(r, tm.tm_min);
	case REG_HOURS:
		return encode_hours(r, tm.tm_hour);
	case REG_WDAY:
		return encode(r, tm.tm_wday + 1);	/* 1 = Sunday */
	case REG_MDAY:
		return encode(r, tm.tm_mday);
	case REG_MONTH:
		return encode(r, tm.tm_mon + 1);
	case REG_YEAR:
		return encode(r, year % 100);
	default:
		return encode(r, year / 100);
	}
}

/* Makes tm (normalised by timegm) the guest's time from now on. */
static void commit_time(struct rtc *r, struct tm *tm)
{
	struct timespec ts;
	time_t t = timegm(tm);

	r->clock(&ts);
	r->offset = (s64)t - (s64)ts.tv_sec;
}

/* A guest write to a time register moves the guest's clock (an offset from the host's). */
static void write_time(struct rtc *r, unsigned reg, u8 val)
{
	struct tm tm;
	int year;

	guest_time(r, &tm);
	year = tm.tm_year + 1900;
	switch (reg) {
	case REG_SECONDS:
		tm.tm_sec = decode(r, val);
		break;
	case REG_MINUTES:
		tm.tm_min = decode(r, val);
		break;
	case REG_HOURS:
		tm.tm_hour = decode_hours(r, val);
		break;
	case REG_WDAY:
		tm.tm_wday = (decode(r, val) + 6) % 7;	/* shown while SET; the date decides later */
		break;
	case REG_MDAY:
		tm.tm_mday = decode(r, val);
		break;
	case REG_MONTH:
		tm.tm_mon = decode(r, val) - 1;
		break;
	case REG_YEAR:
		tm.tm_year = year / 100 * 100 + decode(r, val) % 100 - 1900;
		break;
	default:
		tm.tm_year = decode(r, val) * 100 + year % 100 - 1900;
		break;
	}
	if (r->frozen)
		r->set_time = tm;
	else
		commit_time(r, &tm);
}

static void write_b(struct rtc *r, u8 val)
{
	bool was_set = r->cmos[REG_B] & B_SET;

	if (val & B_SET) {
		val &= ~B_UIE;	/* setting SET clears UIE on the chip */
		if (!was_set)
			guest_time(r, &r->set_time);
	}
	r->cmos[REG_B] = val;
	r->frozen = val & B_SET;
	if (was_set && !r->frozen)
		commit_time(r, &r->set_time);
}

static u8 read_a(struct rtc *r)
{
	struct timespec ts;

	r->clock(&ts);
	if (!r->frozen && ts.tv_nsec >= 1000000000L - UIP_WINDOW_NS)
		return r->cmos[REG_A] | A_UIP;
	return r->cmos[REG_A];
}

static u8 read_reg(struct rtc *r, unsigned reg)
{
	if (is_time_reg(reg))
		return read_time(r, reg);
	switch (reg) {
	case REG_A:
		return read_a(r);
	case REG_C:
		/* No interrupt sources are emulated, so no flags; reading clears them anyway. */
		r->cmos[REG_C] = 0;
		return 0;
	case REG_D:
		return D_VRT;
	default:
		return r->cmos[reg];
	}
}

static void write_reg(struct rtc *r, unsigned reg, u8 val)
{
	if (is_time_reg(reg)) {
		write_time(r, reg, val);
		return;
	}
	switch (reg) {
	case REG_A:
		r->cmos[REG_A] = val & ~A_UIP;
		break;
	case REG_B:
		write_b(r, val);
		break;
	case REG_C:
	case REG_D:
		pr_debug("rtc: write %#x to read-only register %#x ignored", val, reg);
		break;
	default:
		r->cmos[reg] = val;
		break;
	}
}

static void rtc_access(struct bus_device *dev, u64 offset, u8 *data, u32 len, bool is_write)
{
	struct rtc *r = container_of(dev, struct rtc, dev);

	pthread_mutex_lock(&r->lock);
	for (u32 i = 0; i < len && offset + i < RTC_NR_PORTS; i++) {
		if (offset + i == 0) {
			/* The index port is write-only: reads leave the bus value, 0xff. */
			if (is_write)
				r->index = data[i] & INDEX_MASK;
		} else if (is_write) {
			write_reg(r, r->index, data[i]);
		} else {
			data[i] = read_reg(r, r->index);
		}
	}
	pthread_mutex_unlock(&r->lock);
}

static void put16(struct rtc *r, unsigned reg, u64 v)
{
	v = min_u64(v, 0xffff);
	r->cmos[reg] = v;
	r->cmos[reg + 1] = v >> 8;
}

/* The memory-size bytes a PC BIOS leaves in CMOS; some loaders and old kernels read them. */
static void set_memory_size(struct rtc *r, u64 low_mem, u64 high_mem)
{
	u64 ext_kib = low_mem > 1 * MiB ? (low_mem - 1 * MiB) / KiB : 0;
	u64 over_16m = low_mem > 16 * MiB ? (low_mem - 16 * MiB) / (64 * KiB) : 0;
	u64 over_4g = min_u64(high_mem / (64 * KiB), 0xffffff);
	unsigned sum = 0;

	put16(r, 0x15, 640);		/* base memory, KiB */
	put16(r, 0x17, ext_kib);	/* extended memory above 1 MiB, KiB */
	put16(r, 0x30, ext_kib);
	put16(r, 0x34, over_16m);	/* above 16 MiB, 64 KiB units */
	r->cmos[0x5b] = over_4g;	/* above 4 GiB, 64 KiB units */
	r->cmos[0x5c] = over_4g >> 8;
	r->cmos[0x5d] = over_4g >> 16;
	/* The AT checksum over 0x10-0x2d, at 0x2e (high) and 0x2f (low). */
	for (unsigned i = 0x10; i <= 0x2d; i++)
		sum += r->cmos[i];
	r->cmos[0x2e] = sum >> 8;
	r->cmos[0x2f] = sum;
}

int rtc__init(struct rtc *r, struct bus *pio, u64 low_mem, u64 high_mem)
{
	int ret;

	memset(r, 0, sizeof(*r));
	r->dev = (struct bus_device){ .name = "rtc", .base = RTC_PORT, .len = RTC_NR_PORTS,
				      .access = rtc_access };
	r->clock = host_clock;
	r->cmos[REG_A] = A_DEFAULT;
	r->cmos[REG_B] = B_24H;		/* BCD, 24-hour, as PC firmware leaves it */
	r->cmos[REG_D] = D_VRT;
	set_memory_size(r, low_mem, high_mem);
	ret = -pthread_mutex_init(&r->lock, NULL);
	if (ret)
		return ret;
	ret = bus__register(pio, &r->dev);
	if (ret) {
		pthread_mutex_destroy(&r->lock);
		return ret;
	}
	r->bus = pio;
	return 0;
}

void rtc__exit(struct rtc *r)
{
	if (!r->bus)
		return;
	bus__unregister(r->bus, &r->dev);
	r->bus = NULL;
	pthread_mutex_destroy(&r->lock);
}
