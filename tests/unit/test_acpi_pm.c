/* Unit tests for ACPI fixed hardware: S5 power-off, other sleep types, SCI_EN, reset, power button. */
#include <stdlib.h>

#include "boot/layout.h"
#include "devices/acpi_pm.h"
#include "tap.h"

struct fake_irq {
	struct irq_sink sink;
	int level[32];
};

static void fake_set_level(struct irq_sink *sink, unsigned irq, int level)
{
	struct fake_irq *f = container_of(sink, struct fake_irq, sink);

	if (irq < 32)
		f->level[irq] = level;
}

struct fake_ctl {
	struct vm_control ctl;
	unsigned calls;
	enum stop_reason reason;
	int code;
};

static void fake_stop(struct vm_control *ctl, enum stop_reason reason, int code)
{
	struct fake_ctl *f = container_of(ctl, struct fake_ctl, ctl);

	f->calls++;
	f->reason = reason;
	f->code = code;
}

static struct bus bus;
static struct fake_irq irq;
static struct fake_ctl ctl;
static struct acpi_pm pm;

static void setup(void)
{
	memset(&irq, 0, sizeof(irq));
	memset(&ctl, 0, sizeof(ctl));
	irq.sink.set_level = fake_set_level;
	ctl.ctl.request_stop = fake_stop;
	bus__init(&bus, "pio");
	if (acpi_pm__init(&pm, &bus, &irq.sink, &ctl.ctl))
		abort();
}

static void teardown(void)
{
	acpi_pm__exit(&pm);
}

static void out(u16 port, u32 val, u32 len)
{
	u8 d[4] = { val, val >> 8, val >> 16, val >> 24 };

	bus__access(&bus, port, d, len, true);
}

static u32 in(u16 port, u32 len)
{
	u8 d[4] = { 0, 0, 0, 0 };

	bus__access(&bus, port, d, len, false);
	return d[0] | d[1] << 8 | d[2] << 16 | (u32)d[3] << 24;
}

static void test_s5_poweroff(void)
{
	setup();
	/* ACPICA writes SLP_TYP first, then SLP_TYP | SLP_EN. */
	out(ACPI_PM1A_CNT_PORT, ACPI_S5_SLP_TYP << 10, 2);
	CHECK_EQ(ctl.calls, 0);
	out(ACPI_PM1A_CNT_PORT, ACPI_S5_SLP_TYP << 10 | 0x2000, 2);
	CHECK_EQ(ctl.calls, 1);
	CHECK_EQ(ctl.reason, STOP_POWEROFF);
	CHECK_EQ(ctl.code, EXIT_POWEROFF);
	teardown();
}

static void test_s5_high_byte_only(void)
{
	setup();
	out(ACPI_PM1A_CNT_PORT + 1, (ACPI_S5_SLP_TYP << 2) | 0x20, 1);
	CHECK_EQ(ctl.calls, 1);
	CHECK_EQ(ctl.reason, STOP_POWEROFF);
	teardown();
}

static void test_other_sleep_types_ignored(void)
{
	setup();
	for (unsigned typ = 0; typ < 8; typ++) {
		if (typ != ACPI_S5_SLP_TYP)
			out(ACPI_PM1A_CNT_PORT, typ << 10 | 0x2000, 2);
	}
	CHECK_EQ(ctl.calls, 0);
	teardown();
}

static void test_sci_en_reads_one(void)
{
	setup();
	CHECK_EQ(in(ACPI_PM1A_CNT_PORT, 2) & 1, 1);
	out(ACPI_PM1A_CNT_PORT, 0, 2);
	CHECK_EQ(in(ACPI_PM1A_CNT_PORT, 2), 1);
	CHECK_EQ(in(ACPI_PM1A_CNT_PORT, 1), 1);
	out(ACPI_PM1A_CNT_PORT, 3 << 10, 2);	/* SLP_TYP sticks, SLP_EN reads 0 */
	CHECK_EQ(in(ACPI_PM1A_CNT_PORT, 2), (3 << 10) | 1);
	teardown();
}

static void test_reset_register(void)
{
	setup();
	out(ACPI_RESET_PORT, 0x02, 1);
	CHECK_EQ(ctl.calls, 0);
	CHECK_EQ(in(ACPI_RESET_PORT, 1), 0);
	out(ACPI_RESET_PORT, ACPI_RESET_VALUE, 1);
	CHECK_EQ(ctl.calls, 1);
	CHECK_EQ(ctl.reason, STOP_REBOOT);
	CHECK_EQ(ctl.code, EXIT_REBOOT);
	teardown();
}

static void test_power_button(void)
{
	setup();
	acpi_pm__press_power_button(&pm);	/* not enabled: status only */
	CHECK_EQ(in(ACPI_PM1A_EVT_PORT, 2) & 0x100, 0x100);
	CHECK_EQ(irq.level[ACPI_SCI_IRQ], 0);
	out(ACPI_PM1A_EVT_PORT + 2, 0x100, 2);	/* PWRBTN_EN: the pending event fires */
	CHECK_EQ(irq.level[ACPI_SCI_IRQ], 1);
	CHECK_EQ(in(ACPI_PM1A_EVT_PORT + 2, 2), 0x100);
	out(ACPI_PM1A_EVT_PORT, 0x0001, 2);	/* clearing another bit changes nothing */
	CHECK_EQ(irq.level[ACPI_SCI_IRQ], 1);
	out(ACPI_PM1A_EVT_PORT, 0x0100, 2);	/* write 1 to clear */
	CHECK_EQ(irq.level[ACPI_SCI_IRQ], 0);
	CHECK_EQ(in(ACPI_PM1A_EVT_PORT, 2), 0);
	acpi_pm__press_power_button(&pm);
	CHECK_EQ(irq.level[ACPI_SCI_IRQ], 1);
	out(ACPI_PM1A_EVT_PORT, 0x01000100, 4);	/* one dword: clear STS, keep EN */
	CHECK_EQ(irq.level[ACPI_SCI_IRQ], 0);
	CHECK_EQ(in(ACPI_PM1A_EVT_PORT, 4), 0x01000000);
	CHECK_EQ(ctl.calls, 0);
	teardown();
}

static void test_hostile(void)
{
	static const u32 widths[] = { 1, 2, 4, 8 };
	u64 state = 0x6a09e667f3bcc909ULL;
	unsigned bad = 0;

	setup();
	for (int i = 0; i < 300000; i++) {
		u8 data[8];

		state ^= state << 13;
		state ^= state >> 7;
		state ^= state << 17;
		memcpy(data, &state, sizeof(data));
		bus__access(&bus, 0x5fc + (state >> 8) % 16, data, widths[state & 3], (state >> 16) & 1);
		if ((state >> 24) % 100 == 0)
			acpi_pm__press_power_button(&pm);
		if ((pm.en & ~0x4721) || irq.level[ACPI_SCI_IRQ] != pm.sci_level)
			bad++;
		if (pm.sci_level != ((pm.sts & pm.en & 0x0721) != 0))
			bad++;
	}
	CHECK_EQ(bad, 0);
	CHECK(ctl.calls > 0);
	teardown();
}

int main(void)
{
	RUN(test_s5_poweroff);
	RUN(test_s5_high_byte_only);
	RUN(test_other_sleep_types_ignored);
	RUN(test_sci_en_reads_one);
	RUN(test_reset_register);
	RUN(test_power_button);
	RUN(test_hostile);
	return tap_done();
}
