/*
 * What the device unit tests share: a fake IRQ sink and vm_control that record what a device
 * did, port I/O helpers, and the random source of the "hostile accesses" tests.
 */
#ifndef NV_TESTS_DEVICE_FAKES_H
#define NV_TESTS_DEVICE_FAKES_H

#include <string.h>

#include "devices/bus.h"
#include "devices/irq.h"
#include "util/util.h"
#include "vmm/control.h"

/* Records each line's level and counts its rising edges (edge-triggered ISA IRQs). */
struct fake_irq {
	struct irq_sink sink;
	int level[32];
	unsigned rises[32];
};

static inline void fake_irq_set_level(struct irq_sink *sink, unsigned irq, int level)
{
	struct fake_irq *f = container_of(sink, struct fake_irq, sink);

	if (irq >= 32)
		return;
	if (level && !f->level[irq])
		f->rises[irq]++;
	f->level[irq] = level;
}

static inline void fake_irq_reset(struct fake_irq *f)
{
	memset(f, 0, sizeof(*f));
	f->sink.set_level = fake_irq_set_level;
}

/* Records how many stop requests came and the last one. */
struct fake_ctl {
	struct vm_control ctl;
	unsigned calls;
	enum stop_reason reason;
	int code;
};

static inline void fake_ctl_stop(struct vm_control *ctl, enum stop_reason reason, int code)
{
	struct fake_ctl *f = container_of(ctl, struct fake_ctl, ctl);

	f->calls++;
	f->reason = reason;
	f->code = code;
}

static inline void fake_ctl_reset(struct fake_ctl *f)
{
	memset(f, 0, sizeof(*f));
	f->ctl.request_stop = fake_ctl_stop;
}

/* A little-endian port write or read of len (1, 2 or 4) bytes, as a guest's out/in. */
static inline void pio_out(struct bus *bus, u16 port, u32 val, u32 len)
{
	u8 d[4] = { val, val >> 8, val >> 16, val >> 24 };

	bus__access(bus, port, d, len, true);
}

static inline u32 pio_in(struct bus *bus, u16 port, u32 len)
{
	u8 d[4] = { 0, 0, 0, 0 };

	bus__access(bus, port, d, len, false);
	return d[0] | d[1] << 8 | d[2] << 16 | (u32)d[3] << 24;
}

/*
 * xorshift64: each hostile test keeps its own fixed seed, so a failure replays exactly.
 * Advances *state and returns the new value.
 */
static inline u64 xorshift64(u64 *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/* An access width of 1, 2, 4 or 8 bytes from the low two bits of r. */
static inline u32 random_width(u64 r)
{
	return 1u << (r & 3);
}

/* n random bytes, one fresh xorshift64 value each. */
static inline void random_fill(u64 *state, u8 *data, size_t n)
{
	for (size_t i = 0; i < n; i++)
		data[i] = xorshift64(state);
}

/*
 * One access the way a hostile guest would make it: 1 to 8 bytes of random data, read or
 * written at a random port in [base, base + span). Returns the value that chose them, for
 * whatever else the test randomises.
 */
static inline u64 random_access(struct bus *bus, u64 *state, u64 base, unsigned span)
{
	u64 r = xorshift64(state);
	u8 data[8];

	random_fill(state, data, sizeof(data));
	bus__access(bus, base + (r >> 8) % span, data, random_width(r), (r >> 20) & 1);
	return r;
}

#endif
