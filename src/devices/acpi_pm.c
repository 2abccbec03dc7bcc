/* ACPI PM1a event/control blocks and reset register: S5 powers off, the reset value reboots. */
#include <errno.h>
#include <string.h>

#include "boot/layout.h"
#include "devices/acpi_pm.h"
#include "util/log.h"

/* PM1_STS and PM1_EN bits (ACPI 6.x, 4.8.3.1) */
#define PM1_TMR		0x0001
#define PM1_GBL		0x0020
#define PM1_PWRBTN	0x0100
#define PM1_SLPBTN	0x0200
#define PM1_RTC		0x0400
#define PM1_EN_MASK	(PM1_TMR | PM1_GBL | PM1_PWRBTN | PM1_SLPBTN | PM1_RTC | 0x4000)
#define PM1_SCI_EVENTS	(PM1_TMR | PM1_GBL | PM1_PWRBTN | PM1_SLPBTN | PM1_RTC)

/* PM1_CNT bits */
#define CNT_SCI_EN	0x0001	/* always 1: there is no legacy (SMI) mode to switch from */
#define CNT_BM_RLD	0x0002
#define CNT_SLP_TYP	0x1c00
#define CNT_SLP_SHIFT	10
#define CNT_SLP_EN	0x2000	/* write-only */
#define CNT_KEEP	(CNT_BM_RLD | CNT_SLP_TYP)

static void update_sci(struct acpi_pm *pm)
{
	int level = (pm->sts & pm->en & PM1_SCI_EVENTS) != 0;

	if (level != pm->sci_level) {
		pm->sci_level = level;
		irq_sink__set(pm->irq, ACPI_SCI_IRQ, level);
	}
}

static u8 byte_of(u16 v, unsigned i)
{
	return v >> (8 * i);
}

static u16 with_byte(u16 v, unsigned i, u8 b)
{
	return (v & ~(0xff << (8 * i))) | (u16)b << (8 * i);
}

/* Offsets 0-1: PM1_STS (write 1 to clear); 2-3: PM1_EN. Byte by byte, so any width works. */
static void evt_access(struct bus_device *dev, u64 offset, u8 *data, u32 len, bool is_write)
{
	struct acpi_pm *pm = container_of(dev, struct acpi_pm, evt_dev);

	pthread_mutex_lock(&pm->lock);
	for (u32 i = 0; i < len && offset + i < ACPI_PM1A_EVT_LEN; i++) {
		unsigned off = offset + i;

		if (!is_write)
			data[i] = off < 2 ? byte_of(pm->sts, off) : byte_of(pm->en, off - 2);
		else if (off < 2)
			pm->sts &= ~((u16)data[i] << (8 * off));
		else
			pm->en = with_byte(pm->en, off - 2, data[i]) & PM1_EN_MASK;
	}
	update_sci(pm);
	pthread_mutex_unlock(&pm->lock);
}

static void sleep_request(struct acpi_pm *pm, unsigned slp_typ)
{
	if (slp_typ == ACPI_S5_SLP_TYP) {
		pr_info("acpi: guest entered S5, powering off");
		vm_control__stop(pm->ctl, STOP_POWEROFF, EXIT_POWEROFF);
		return;
	}
	pr_warn_once("acpi: sleep type %u is not supported; the guest keeps running", slp_typ);
}

static void cnt_access(struct bus_device *dev, u64 offset, u8 *data, u32 len, bool is_write)
{
	struct acpi_pm *pm = container_of(dev, struct acpi_pm, cnt_dev);
	u16 val;

	pthread_mutex_lock(&pm->lock);
	val = pm->cnt | CNT_SCI_EN;
	for (u32 i = 0; i < len && offset + i < ACPI_PM1A_CNT_LEN; i++) {
		if (is_write)
			val = with_byte(val, offset + i, data[i]);
		else
			data[i] = byte_of(val, offset + i);
	}
	if (is_write) {
		/* Bytes not written keep their value, so SLP_TYP may come in an earlier write. */
		pm->cnt = val & CNT_KEEP;
		if (val & CNT_SLP_EN)
			sleep_request(pm, (val & CNT_SLP_TYP) >> CNT_SLP_SHIFT);
	}
	pthread_mutex_unlock(&pm->lock);
}

/* No state: the reset value reboots; anything else is ignored; reads as 0. */
static void reset_access(struct bus_device *dev, u64 offset, u8 *data, u32 len, bool is_write)
{
	struct acpi_pm *pm = container_of(dev, struct acpi_pm, reset_dev);

	if (!is_write) {
		data[0] = 0;
		return;
	}
	if (data[0] != ACPI_RESET_VALUE) {
		pr_debug("acpi: reset register write %#x ignored", data[0]);
		return;
	}
	pr_info("acpi: guest requested a reset");
	vm_control__stop(pm->ctl, STOP_REBOOT, EXIT_REBOOT);
}

void acpi_pm__press_power_button(struct acpi_pm *pm)
{
	pthread_mutex_lock(&pm->lock);
	pm->sts |= PM1_PWRBTN;
	update_sci(pm);
	pthread_mutex_unlock(&pm->lock);
}

static int register_all(struct acpi_pm *pm, struct bus *pio)
{
	int ret = bus__register(pio, &pm->evt_dev);

	if (ret)
		return ret;
	ret = bus__register(pio, &pm->cnt_dev);
	if (ret)
		goto err_evt;
	ret = bus__register(pio, &pm->reset_dev);
	if (ret)
		goto err_cnt;
	return 0;
err_cnt:
	bus__unregister(pio, &pm->cnt_dev);
err_evt:
	bus__unregister(pio, &pm->evt_dev);
	return ret;
}

int acpi_pm__init(struct acpi_pm *pm, struct bus *pio, struct irq_sink *sink, struct vm_control *ctl)
{
	int ret;

	memset(pm, 0, sizeof(*pm));
	pm->evt_dev = (struct bus_device){ .name = "acpi pm1a event", .base = ACPI_PM1A_EVT_PORT,
					   .len = ACPI_PM1A_EVT_LEN, .access = evt_access };
	pm->cnt_dev = (struct bus_device){ .name = "acpi pm1a control", .base = ACPI_PM1A_CNT_PORT,
					   .len = ACPI_PM1A_CNT_LEN, .access = cnt_access };
	pm->reset_dev = (struct bus_device){ .name = "acpi reset", .base = ACPI_RESET_PORT, .len = 1,
					     .access = reset_access };
	pm->irq = sink;
	pm->ctl = ctl;
	ret = -pthread_mutex_init(&pm->lock, NULL);
	if (ret)
		return ret;
	ret = register_all(pm, pio);
	if (ret) {
		pthread_mutex_destroy(&pm->lock);
		return ret;
	}
	pm->bus = pio;
	return 0;
}

void acpi_pm__exit(struct acpi_pm *pm)
{
	if (!pm->bus)
		return;
	bus__unregister(pm->bus, &pm->reset_dev);
	bus__unregister(pm->bus, &pm->cnt_dev);
	bus__unregister(pm->bus, &pm->evt_dev);
	pm->bus = NULL;
	pthread_mutex_destroy(&pm->lock);
}
