/* Unit tests for ACPI fixed hardware: S5 power-off, other sleep types, SCI_EN, reset, power button. */
#include <stdlib.h>

#include "boot/layout.h"
#include "device_fakes.h"
#include "devices/acpi_pm.h"
#include "tap.h"

static struct bus bus;
static struct fake_irq irq;
static struct fake_ctl ctl;
static struct acpi_pm pm;

static void setup(void)
{
	fake_irq_reset(&irq);
	fake_ctl_reset(&ctl);
	bus__init(&bus, "pio");
	if (acpi_pm__init(&pm, &bus, &irq.sink, &ctl.ctl))
		abort();
}

static void teardown(void)
{
	acpi_pm__exit(&pm);
}

static void test_s5_poweroff(void)
{
	setup();
	/* ACPICA writes SLP_TYP first, then SLP_TYP | SLP_EN. */
	pio_out(&bus, ACPI_PM1A_CNT_PORT, ACPI_S5_SLP_TYP << 10, 2);
	CHECK_EQ(ctl.calls, 0);
	pio_out(&bus, ACPI_PM1A_CNT_PORT, ACPI_S5_SLP_TYP << 10 | 0x2000, 2);
	CHECK_EQ(ctl.calls, 1);
	CHECK_EQ(ctl.reason, STOP_POWEROFF);
	CHECK_EQ(ctl.code, EXIT_POWEROFF);
	teardown();
}

static void test_s5_high_byte_only(void)
{
	setup();
	pio_out(&bus, ACPI_PM1A_CNT_PORT + 1, (ACPI_S5_SLP_TYP << 2) | 0x20, 1);
	CHECK_EQ(ctl.calls, 1);
	CHECK_EQ(ctl.reason, STOP_POWEROFF);
	teardown();
}

static void test_other_sleep_types_ignored(void)
{
	setup();
	for (unsigned typ = 0; typ < 8; typ++) {
		if (typ != ACPI_S5_SLP_TYP)
			pio_out(&bus, ACPI_PM1A_CNT_PORT, typ << 10 | 0x2000, 2);
	}
	CHECK_EQ(ctl.calls, 0);
	teardown();
}

static void test_sci_en_reads_one(void)
{
	setup();
	CHECK_EQ(pio_in(&bus, ACPI_PM1A_CNT_PORT, 2) & 1, 1);
	pio_out(&bus, ACPI_PM1A_CNT_PORT, 0, 2);
	CHECK_EQ(pio_in(&bus, ACPI_PM1A_CNT_PORT, 2), 1);
	CHECK_EQ(pio_in(&bus, ACPI_PM1A_CNT_PORT, 1), 1);
	pio_out(&bus, ACPI_PM1A_CNT_PORT, 3 << 10, 2);	/* SLP_TYP sticks, SLP_EN reads 0 */
	CHECK_EQ(pio_in(&bus, ACPI_PM1A_CNT_PORT, 2), (3 << 10) | 1);
	teardown();
}

static void test_reset_register(void)
{
	setup();
	pio_out(&bus, ACPI_RESET_PORT, 0x02, 1);
	CHECK_EQ(ctl.calls, 0);
	CHECK_EQ(pio_in(&bus, ACPI_RESET_PORT, 1), 0);
	pio_out(&bus, ACPI_RESET_PORT, ACPI_RESET_VALUE, 1);
	CHECK_EQ(ctl.calls, 1);
	CHECK_EQ(ctl.reason, STOP_REBOOT);
	CHECK_EQ(ctl.code, EXIT_REBOOT);
	teardown();
}

static void test_power_button(void)
{
	setup();
	acpi_pm__press_power_button(&pm);	/* not enabled: status only */
	CHECK_EQ(pio_in(&bus, ACPI_PM1A_EVT_PORT, 2) & 0x100, 0x100);
	CHECK_EQ(irq.level[ACPI_SCI_IRQ], 0);
	pio_out(&bus, ACPI_PM1A_EVT_PORT + 2, 0x100, 2);	/* PWRBTN_EN: the pending event fires */
	CHECK_EQ(irq.level[ACPI_SCI_IRQ], 1);
	CHECK_EQ(pio_in(&bus, ACPI_PM1A_EVT_PORT + 2, 2), 0x100);
	pio_out(&bus, ACPI_PM1A_EVT_PORT, 0x0001, 2);	/* clearing another bit changes nothing */
	CHECK_EQ(irq.level[ACPI_SCI_IRQ], 1);
	pio_out(&bus, ACPI_PM1A_EVT_PORT, 0x0100, 2);	/* write 1 to clear */
	CHECK_EQ(irq.level[ACPI_SCI_IRQ], 0);
	CHECK_EQ(pio_in(&bus, ACPI_PM1A_EVT_PORT, 2), 0);
	acpi_pm__press_power_button(&pm);
	CHECK_EQ(irq.level[ACPI_SCI_IRQ], 1);
	pio_out(&bus, ACPI_PM1A_EVT_PORT, 0x01000100, 4);	/* one dword: clear STS, keep EN */
	CHECK_EQ(irq.level[ACPI_SCI_IRQ], 0);
	CHECK_EQ(pio_in(&bus, ACPI_PM1A_EVT_PORT, 4), 0x01000000);
	CHECK_EQ(ctl.calls, 0);
	teardown();
}

static void test_hostile(void)
{
	u64 state = 0x6a09e667f3bcc909ULL;
	unsigned bad = 0;

	setup();
	for (int i = 0; i < 300000; i++) {
		u8 data[8];

		xorshift64(&state);
		memcpy(data, &state, sizeof(data));
		bus__access(&bus, 0x5fc + (state >> 8) % 16, data, random_width(state), (state >> 16) & 1);
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
