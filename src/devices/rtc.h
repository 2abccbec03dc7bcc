/*
 * MC146818 CMOS RTC and NVRAM at RTC_PORT (index) and RTC_PORT + 1 (data): the host's UTC clock
 * plus a guest-set offset, and the CMOS memory-size bytes firmware would leave behind.
 */
#ifndef NV_DEVICES_RTC_H
#define NV_DEVICES_RTC_H

#include <pthread.h>
#include <time.h>

#include "devices/bus.h"
#include "util/util.h"

#define RTC_NR_PORTS 2
#define RTC_CMOS_SIZE 128

struct rtc {
	struct bus_device dev;
	struct bus *bus;
	pthread_mutex_t lock;
	u8 index;
	u8 cmos[RTC_CMOS_SIZE];	/* NVRAM and registers A-D; time bytes are computed */
	s64 offset;		/* guest time minus host time, in seconds */
	bool frozen;		/* register B SET: updates stop, writes go to set_time */
	struct tm set_time;
	/* The host clock (UTC); tests may replace it after rtc__init. */
	void (*clock)(struct timespec *ts);
};

/*
 * Claims RTC_PORT and RTC_PORT + 1. low_mem is guest RAM below 4 GiB (from address 0),
 * high_mem RAM from 4 GiB up, both in bytes, for the CMOS memory-size bytes.
 */
int rtc__init(struct rtc *r, struct bus *pio, u64 low_mem, u64 high_mem) __must_check;
void rtc__exit(struct rtc *r);

#endif
