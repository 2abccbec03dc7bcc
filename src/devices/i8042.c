/* i8042 PS/2 controller with both ports empty: controller commands, absent devices, reset line. */
#include <errno.h>
#include <string.h>

#include "boot/layout.h"
#include "devices/i8042.h"
#include "util/log.h"

/* Status register */
#define STR_OBF		0x01	/* output buffer full */
#define STR_SYS		0x04	/* system flag, mirrors command byte bit 2 */
#define STR_CMD		0x08	/* last write was to the command port */
#define STR_KEYLOCK	0x10	/* set: keyboard not inhibited */
#define STR_AUXDATA	0x20	/* the byte in the output buffer is from the aux port */
#define STR_TIMEOUT	0x40

/* Command byte (controller RAM byte 0) */
#define CTR_KBDINT	0x01
#define CTR_AUXINT	0x02
#define CTR_SYS		0x04
#define CTR_KBDDIS	0x10
#define CTR_AUXDIS	0x20
#define CTR_XLATE	0x40

#define CMD_READ_RAM	0x20	/* 0x20-0x3f */
#define CMD_WRITE_RAM	0x60	/* 0x60-0x7f, data follows */
#define CMD_AUX_DISABLE	0xa7
#define CMD_AUX_ENABLE	0xa8
#define CMD_AUX_TEST	0xa9
#define CMD_SELF_TEST	0xaa
#define CMD_KBD_TEST	0xab
#define CMD_KBD_DISABLE	0xad
#define CMD_KBD_ENABLE	0xae
#define CMD_READ_OUTP	0xd0
#define CMD_WRITE_OUTP	0xd1	/* data follows */
#define CMD_KBD_LOOP	0xd2	/* data follows: as if sent by the keyboard */
#define CMD_AUX_LOOP	0xd3	/* data follows: as if sent by the mouse */
#define CMD_AUX_SEND	0xd4	/* data follows: send to the mouse */
#define CMD_PULSE	0xf0	/* 0xf0-0xff: pulse output port bits 0-3 that are 0 */

#define OUTP_RESET	0x01	/* active low */
#define OUTP_A20	0x02
#define OUTP_KBD_OBF	0x10
#define OUTP_AUX_OBF	0x20

#define SELF_TEST_OK	0x55
#define NO_DEVICE	0xfe	/* what a port answers when nothing is plugged in */

static void push(struct i8042 *k, u8 byte, u8 flags)
{
	unsigned slot;

	if (k->queue_count >= I8042_QUEUE_SIZE) {
		pr_debug("i8042: output queue full, %#x dropped", byte);
		return;
	}
	slot = (k->queue_head + k->queue_count) % I8042_QUEUE_SIZE;
	k->queue[slot] = byte;
	k->queue_flags[slot] = flags;
	k->queue_count++;
}

static u8 head_flags(const struct i8042 *k)
{
	return k->queue_count ? k->queue_flags[k->queue_head] : 0;
}

static void set_line(struct i8042 *k, int *cur, unsigned irq, int level)
{
	if (*cur != level) {
		*cur = level;
		irq_sink__set(k->irq, irq, level);
	}
}

/* IRQ 1 or 12 is high while a byte from that port waits and its interrupt is enabled. */
static void update_irq(struct i8042 *k)
{
	bool aux = head_flags(k) & STR_AUXDATA;

	set_line(k, &k->kbd_level, I8042_KBD_IRQ,
		 k->queue_count && !aux && (k->ram[0] & CTR_KBDINT));
	set_line(k, &k->aux_level, I8042_AUX_IRQ,
		 k->queue_count && aux && (k->ram[0] & CTR_AUXINT));
}

static u8 read_status(const struct i8042 *k)
{
	u8 st = STR_KEYLOCK | head_flags(k);

	if (k->queue_count)
		st |= STR_OBF;
	if (k->ram[0] & CTR_SYS)
		st |= STR_SYS;
	if (k->last_was_cmd)
		st |= STR_CMD;
	return st;
}

static u8 read_data(struct i8042 *k)
{
	if (!k->queue_count)
		return k->last_data;
	k->last_data = k->queue[k->queue_head];
	k->queue_head = (k->queue_head + 1) % I8042_QUEUE_SIZE;
	k->queue_count--;
	/* Drop both lines so a byte already queued behind this one makes a fresh edge. */
	set_line(k, &k->kbd_level, I8042_KBD_IRQ, 0);
	set_line(k, &k->aux_level, I8042_AUX_IRQ, 0);
	return k->last_data;
}

static void reset_machine(struct i8042 *k, const char *why)
{
	pr_info("i8042: %s: guest requested a reset", why);
	vm_control__stop(k->ctl, STOP_REBOOT, EXIT_REBOOT);
}

static u8 output_port(const struct i8042 *k)
{
	return (k->outport & ~(OUTP_KBD_OBF | OUTP_AUX_OBF)) |
	       (k->kbd_level ? OUTP_KBD_OBF : 0) | (k->aux_level ? OUTP_AUX_OBF : 0);
}

/* A data byte that completes the pending command, or one for the keyboard. */
static void write_data(struct i8042 *k, u8 val)
{
	u8 cmd = k->pending_cmd;

	k->pending_cmd = 0;
	if (cmd >= CMD_WRITE_RAM && cmd < CMD_WRITE_RAM + 0x20) {
		k->ram[cmd - CMD_WRITE_RAM] = val;
	} else if (cmd == CMD_WRITE_OUTP) {
		k->outport = val;
		if (!(val & OUTP_RESET))
			reset_machine(k, "output port write");
	} else if (cmd == CMD_KBD_LOOP) {
		push(k, val, 0);
	} else if (cmd == CMD_AUX_LOOP) {
		push(k, val, STR_AUXDATA);
	} else if (cmd == CMD_AUX_SEND) {
		push(k, NO_DEVICE, STR_AUXDATA | STR_TIMEOUT);
	} else {
		/* A byte for the keyboard, and there is none: it times out. */
		push(k, NO_DEVICE, STR_TIMEOUT);
	}
}

/* Commands that take a data byte next; the rest act at once in run_command(). */
static bool takes_data(u8 cmd)
{
	return (cmd >= CMD_WRITE_RAM && cmd < CMD_WRITE_RAM + 0x20) || cmd == CMD_WRITE_OUTP ||
	       cmd == CMD_KBD_LOOP || cmd == CMD_AUX_LOOP || cmd == CMD_AUX_SEND;
}

static void run_command(struct i8042 *k, u8 cmd)
{
	k->pending_cmd = 0;
	if (takes_data(cmd)) {
		k->pending_cmd = cmd;
		return;
	}
	if (cmd >= CMD_READ_RAM && cmd < CMD_READ_RAM + 0x20) {
		push(k, k->ram[cmd - CMD_READ_RAM], 0);
		return;
	}
	if (cmd >= CMD_PULSE) {
		if (!(cmd & OUTP_RESET))
			reset_machine(k, "pulse of the reset line");
		return;
	}
	switch (cmd) {
	case CMD_AUX_DISABLE:
		k->ram[0] |= CTR_AUXDIS;
		break;
	case CMD_AUX_ENABLE:
		k->ram[0] &= ~CTR_AUXDIS;
		break;
	case CMD_KBD_DISABLE:
		k->ram[0] |= CTR_KBDDIS;
		break;
	case CMD_KBD_ENABLE:
		k->ram[0] &= ~CTR_KBDDIS;
		break;
	case CMD_SELF_TEST:
		push(k, SELF_TEST_OK, 0);
		break;
	case CMD_AUX_TEST:
	case CMD_KBD_TEST:
		push(k, 0x00, 0);	/* the interface lines are fine; nothing is plugged in */
		break;
	case CMD_READ_OUTP:
		push(k, output_port(k), 0);
		break;
	default:
		pr_debug("i8042: command %#x ignored", cmd);
		break;
	}
}

static void data_access(struct bus_device *dev, u64 offset, u8 *data, u32 len, bool is_write)
{
	struct i8042 *k = container_of(dev, struct i8042, data_dev);

	pthread_mutex_lock(&k->lock);
	if (is_write) {
		k->last_was_cmd = false;
		write_data(k, data[0]);
	} else {
		data[0] = read_data(k);
	}
	update_irq(k);
	pthread_mutex_unlock(&k->lock);
}

static void cmd_access(struct bus_device *dev, u64 offset, u8 *data, u32 len, bool is_write)
{
	struct i8042 *k = container_of(dev, struct i8042, cmd_dev);

	pthread_mutex_lock(&k->lock);
	if (is_write) {
		k->last_was_cmd = true;
		run_command(k, data[0]);
	} else {
		data[0] = read_status(k);
	}
	update_irq(k);
	pthread_mutex_unlock(&k->lock);
}

int i8042__init(struct i8042 *k, struct bus *pio, struct irq_sink *sink, struct vm_control *ctl)
{
	int ret;

	memset(k, 0, sizeof(*k));
	k->data_dev = (struct bus_device){ .name = "i8042 data", .base = I8042_DATA_PORT, .len = 1,
					   .access = data_access };
	k->cmd_dev = (struct bus_device){ .name = "i8042 command", .base = I8042_CMD_PORT, .len = 1,
					  .access = cmd_access };
	k->irq = sink;
	k->ctl = ctl;
	/* As firmware leaves it: keyboard interrupt on, POST passed, scancode translation. */
	k->ram[0] = CTR_KBDINT | CTR_SYS | CTR_XLATE;
	k->outport = OUTP_RESET | OUTP_A20;
	ret = -pthread_mutex_init(&k->lock, NULL);
	if (ret)
		return ret;
	ret = bus__register(pio, &k->data_dev);
	if (ret)
		goto err_lock;
	ret = bus__register(pio, &k->cmd_dev);
	if (ret)
		goto err_data;
	k->bus = pio;
	return 0;
err_data:
	bus__unregister(pio, &k->data_dev);
err_lock:
	pthread_mutex_destroy(&k->lock);
	return ret;
}

void i8042__exit(struct i8042 *k)
{
	if (!k->bus)
		return;
	bus__unregister(k->bus, &k->cmd_dev);
	bus__unregister(k->bus, &k->data_dev);
	k->bus = NULL;
	pthread_mutex_destroy(&k->lock);
}
