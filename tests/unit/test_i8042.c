/* Unit tests for the i8042 PS/2 controller: Linux's probe sequence, absent devices, reset. */
#include <stdlib.h>

#include "boot/layout.h"
#include "device_fakes.h"
#include "devices/i8042.h"
#include "tap.h"

static struct bus bus;
static struct fake_irq irq;
static struct fake_ctl ctl;
static struct i8042 kbc;

static void setup(void)
{
	fake_irq_reset(&irq);
	fake_ctl_reset(&ctl);
	bus__init(&bus, "pio");
	if (i8042__init(&kbc, &bus, &irq.sink, &ctl.ctl))
		abort();
}

static void teardown(void)
{
	i8042__exit(&kbc);
}

static void outb(u16 port, u8 val)
{
	bus__access(&bus, port, &val, 1, true);
}

static u8 inb(u16 port)
{
	u8 val = 0;

	bus__access(&bus, port, &val, 1, false);
	return val;
}

static u8 status(void)
{
	return inb(I8042_CMD_PORT);
}

/* Like Linux's i8042_command(): command, optional parameter, optional one-byte answer. */
static int command(u8 cmd, int param, u8 *answer)
{
	outb(I8042_CMD_PORT, cmd);
	if (param >= 0)
		outb(I8042_DATA_PORT, param);
	if (!answer)
		return 0;
	if (!(status() & 0x01))
		return -1;	/* Linux would time out here */
	*answer = inb(I8042_DATA_PORT);
	return 0;
}

static void test_empty_after_reset(void)
{
	setup();
	CHECK_EQ(status() & 0x01, 0);		/* i8042_flush() must terminate */
	CHECK_EQ(status() & 0x10, 0x10);	/* keylock off */
	CHECK(status() != 0xff);
	teardown();
}

static void test_self_test_and_ctr(void)
{
	u8 v = 0, ctr1 = 0, ctr2 = 0;

	setup();
	CHECK_EQ(command(0xaa, -1, &v), 0);
	CHECK_EQ(v, 0x55);
	CHECK_EQ(command(0x20, -1, &ctr1), 0);
	CHECK_EQ(command(0x20, -1, &ctr2), 0);
	CHECK_EQ(ctr1, ctr2);
	CHECK_EQ(status() & 0x04, ctr1 & 0x04);
	CHECK_EQ(command(0x60, 0x30, NULL), 0);
	CHECK_EQ(command(0x20, -1, &v), 0);
	CHECK_EQ(v, 0x30);
	CHECK_EQ(command(0xab, -1, &v), 0);
	CHECK_EQ(v, 0x00);
	CHECK_EQ(command(0xa9, -1, &v), 0);
	CHECK_EQ(v, 0x00);
	CHECK_EQ(status() & 0x08, 0x08);	/* last write went to the command port */
	outb(I8042_DATA_PORT, 0xf4);
	CHECK_EQ(status() & 0x08, 0x00);
	teardown();
}

static void test_port_enable_bits(void)
{
	u8 v = 0;

	setup();
	command(0xa7, -1, NULL);
	command(0x20, -1, &v);
	CHECK_EQ(v & 0x20, 0x20);
	command(0xa8, -1, NULL);
	command(0x20, -1, &v);
	CHECK_EQ(v & 0x20, 0);
	command(0xad, -1, NULL);
	command(0x20, -1, &v);
	CHECK_EQ(v & 0x10, 0x10);
	command(0xae, -1, NULL);
	command(0x20, -1, &v);
	CHECK_EQ(v & 0x10, 0);
	teardown();
}

/* Linux's MUX and AUX checks: the AUX loop echoes with AUXDATA; no MUX; IRQ 12 fires. */
static void test_aux_loop(void)
{
	u8 v = 0;

	setup();
	CHECK_EQ(command(0xd3, 0xf0, NULL), 0);
	CHECK_EQ(status() & 0x21, 0x21);
	CHECK_EQ(inb(I8042_DATA_PORT), 0xf0);
	CHECK_EQ(command(0xd3, 0xa4, &v), 0);
	CHECK_EQ(v, 0xa4);			/* echoed unchanged: not a MUX controller */
	CHECK_EQ(irq.rises[I8042_AUX_IRQ], 0);	/* AUXINT still off */
	command(0x60, 0x47 & ~0x20, NULL);	/* enable the AUX interrupt and port */
	command(0xd3, 0xa5, NULL);
	CHECK_EQ(irq.level[I8042_AUX_IRQ], 1);
	CHECK_EQ(irq.level[I8042_KBD_IRQ], 0);
	CHECK_EQ(inb(I8042_DATA_PORT), 0xa5);
	CHECK_EQ(irq.level[I8042_AUX_IRQ], 0);
	teardown();
}

/* Nothing plugged in: bytes for either device come back as 0xfe with the timeout bit. */
static void test_absent_devices(void)
{
	setup();
	outb(I8042_DATA_PORT, 0xf2);		/* keyboard GET ID */
	CHECK_EQ(irq.level[I8042_KBD_IRQ], 1);
	CHECK_EQ(status() & 0x61, 0x41);
	CHECK_EQ(inb(I8042_DATA_PORT), 0xfe);
	CHECK_EQ(irq.level[I8042_KBD_IRQ], 0);
	CHECK_EQ(status() & 0x41, 0);
	command(0x60, 0x07, NULL);
	command(0xd4, 0xff, NULL);		/* mouse RESET */
	CHECK_EQ(irq.level[I8042_AUX_IRQ], 1);
	CHECK_EQ(status() & 0x61, 0x61);
	CHECK_EQ(inb(I8042_DATA_PORT), 0xfe);
	CHECK_EQ(ctl.calls, 0);
	teardown();
}

static void test_queued_bytes_make_edges(void)
{
	setup();
	outb(I8042_DATA_PORT, 0xf2);
	outb(I8042_DATA_PORT, 0xed);
	CHECK_EQ(irq.rises[I8042_KBD_IRQ], 1);
	CHECK_EQ(inb(I8042_DATA_PORT), 0xfe);
	CHECK_EQ(irq.rises[I8042_KBD_IRQ], 2);	/* the second byte is a new interrupt */
	CHECK_EQ(inb(I8042_DATA_PORT), 0xfe);
	CHECK_EQ(irq.level[I8042_KBD_IRQ], 0);
	CHECK_EQ(inb(I8042_DATA_PORT), 0xfe);	/* empty: the last byte again */
	teardown();
}

static void test_reset_pulse(void)
{
	setup();
	outb(I8042_CMD_PORT, 0xff);		/* pulses nothing */
	CHECK_EQ(ctl.calls, 0);
	outb(I8042_CMD_PORT, 0xfe);
	CHECK_EQ(ctl.calls, 1);
	CHECK_EQ(ctl.reason, STOP_REBOOT);
	CHECK_EQ(ctl.code, EXIT_REBOOT);
	teardown();
}

static void test_output_port(void)
{
	u8 v = 0;

	setup();
	CHECK_EQ(command(0xd0, -1, &v), 0);
	CHECK_EQ(v & 0x03, 0x03);		/* not in reset, A20 on */
	command(0xd1, 0xdf, NULL);		/* A20 gate: no reset */
	CHECK_EQ(ctl.calls, 0);
	command(0xd1, 0xde, NULL);
	CHECK_EQ(ctl.calls, 1);
	CHECK_EQ(ctl.reason, STOP_REBOOT);
	teardown();
}

static void test_hostile(void)
{
	u64 state = 0x2545f4914f6cdd1dULL;
	unsigned bad = 0;

	setup();
	for (int i = 0; i < 300000; i++) {
		random_access(&bus, &state, 0x5c, 12);
		if (kbc.queue_count > I8042_QUEUE_SIZE || kbc.queue_head >= I8042_QUEUE_SIZE)
			bad++;
		if (irq.level[I8042_KBD_IRQ] != kbc.kbd_level || irq.level[I8042_AUX_IRQ] != kbc.aux_level)
			bad++;
		if (irq.level[I8042_KBD_IRQ] && irq.level[I8042_AUX_IRQ])
			bad++;
	}
	CHECK_EQ(bad, 0);
	CHECK(ctl.calls > 0);			/* random commands do hit the reset line */
	CHECK_EQ(ctl.reason, STOP_REBOOT);
	teardown();
}

int main(void)
{
	RUN(test_empty_after_reset);
	RUN(test_self_test_and_ctr);
	RUN(test_port_enable_bits);
	RUN(test_aux_loop);
	RUN(test_absent_devices);
	RUN(test_queued_bytes_make_edges);
	RUN(test_reset_pulse);
	RUN(test_output_port);
	RUN(test_hostile);
	return tap_done();
}
