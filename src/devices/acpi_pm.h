/*
 * ACPI fixed hardware as the FADT describes it (boot/layout.h): PM1a event and control blocks,
 * the reset register, and the fixed power button that raises the SCI.
 */
#ifndef NV_DEVICES_ACPI_PM_H
#define NV_DEVICES_ACPI_PM_H

#include <pthread.h>

#include "devices/bus.h"
#include "devices/irq.h"
#include "util/util.h"
#include "vmm/control.h"

struct acpi_pm {
	struct bus_device evt_dev;	/* ACPI_PM1A_EVT_PORT: PM1_STS, PM1_EN */
	struct bus_device cnt_dev;	/* ACPI_PM1A_CNT_PORT: PM1_CNT */
	struct bus_device reset_dev;	/* ACPI_RESET_PORT */
	struct bus *bus;
	pthread_mutex_t lock;
	struct irq_sink *irq;
	struct vm_control *ctl;
	u16 sts, en, cnt;
	int sci_level;
};

int acpi_pm__init(struct acpi_pm *pm, struct bus *pio, struct irq_sink *sink,
		  struct vm_control *ctl) __must_check;
void acpi_pm__exit(struct acpi_pm *pm);
/* Sets PWRBTN_STS and raises the SCI if the guest enabled PWRBTN_EN (any thread). */
void acpi_pm__press_power_button(struct acpi_pm *pm);

#endif
