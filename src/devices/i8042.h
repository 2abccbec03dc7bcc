/*
 * The PS/2 controller (i8042) with no keyboard or mouse attached: enough for Linux to probe it
 * quickly and find nothing, and for the reset line (command 0xFE) that reboots the machine.
 */
#ifndef NV_DEVICES_I8042_H
#define NV_DEVICES_I8042_H

#include <pthread.h>

#include "devices/bus.h"
#include "devices/irq.h"
#include "util/util.h"
#include "vmm/control.h"

#define I8042_KBD_IRQ 1
#define I8042_AUX_IRQ 12
#define I8042_QUEUE_SIZE 8

struct i8042 {
	struct bus_device data_dev;	/* I8042_DATA_PORT */
	struct bus_device cmd_dev;	/* I8042_CMD_PORT: status on read, commands on write */
	struct bus *bus;
	pthread_mutex_t lock;
	struct irq_sink *irq;
	struct vm_control *ctl;

	u8 ram[32];		/* controller RAM; byte 0 is the command byte */
	u8 outport;		/* output port: bit 0 = reset line (active low), bit 1 = A20 */
	u8 pending_cmd;		/* command waiting for its data byte, 0 if none */
	bool last_was_cmd;	/* status bit 3: the last write went to the command port */
	u8 last_data;		/* the data port keeps its last byte when the queue is empty */
	/* Bytes for the guest, each with its status bits (AUXDATA, TIMEOUT). */
	u8 queue[I8042_QUEUE_SIZE];
	u8 queue_flags[I8042_QUEUE_SIZE];
	unsigned queue_head, queue_count;
	int kbd_level, aux_level;
};

int i8042__init(struct i8042 *k, struct bus *pio, struct irq_sink *sink,
		struct vm_control *ctl) __must_check;
void i8042__exit(struct i8042 *k);

#endif
