/*
 * 16550A UART (8250 family) on port I/O, as Linux's 8250 driver expects it: transmitted bytes
 * go to a struct serial_output, received bytes come in through serial__receive().
 */
#ifndef NV_DEVICES_SERIAL_H
#define NV_DEVICES_SERIAL_H

#include <pthread.h>

#include "devices/bus.h"
#include "devices/irq.h"
#include "util/util.h"

#define SERIAL_NR_PORTS 8
#define SERIAL_FIFO_SIZE 16
#define SERIAL_INBUF_SIZE 4096	/* host-side bytes waiting for room in the FIFO */

/*
 * Where the UART's output goes. Both callbacks run with the UART's lock held, on a vCPU
 * thread or on the thread calling serial__receive(): they must not call serial__* back.
 */
struct serial_output {
	/* Bytes the guest transmitted (not called in loopback mode). */
	void (*write)(struct serial_output *out, const u8 *buf, size_t len);
	/* Optional: serial__receive() took less than offered earlier and has room again. */
	void (*rx_ready)(struct serial_output *out);
};

struct serial {
	struct bus_device dev;
	struct bus *bus;
	pthread_mutex_t lock;
	struct irq_sink *irq;
	unsigned irq_line;
	struct serial_output *out;
	int irq_level;		/* last level given to irq */

	u8 ier, lcr, mcr, fcr, scr, dll, dlm;
	u8 lsr_errors;		/* sticky LSR error bits (overrun), cleared by reading LSR */
	u8 msr_delta;		/* MSR bits 0-3, cleared by reading MSR */
	u8 last_rx;		/* RBR keeps the last byte once the FIFO is empty */
	bool thr_ipending;	/* THR-empty interrupt not yet acknowledged */

	u8 fifo[SERIAL_FIFO_SIZE];	/* the receive FIFO the guest sees */
	unsigned fifo_head, fifo_count;
	u8 inbuf[SERIAL_INBUF_SIZE];	/* feeds the FIFO, so pasted text is not lost */
	unsigned in_head, in_count;
	bool rx_blocked;	/* a receive came up short: call rx_ready when room returns */
};

/* Claims ports [base, base + 8) on pio; interrupts go to irq line irq_line of sink. */
int serial__init(struct serial *s, struct bus *pio, u16 base, unsigned irq_line,
		 struct irq_sink *sink, struct serial_output *out) __must_check;
void serial__exit(struct serial *s);

/* Takes up to len bytes of input for the guest; returns how many. The caller retries the rest. */
size_t serial__receive(struct serial *s, const u8 *buf, size_t len);
/* Whether serial__receive() would take at least one byte now. */
bool serial__can_receive(struct serial *s);

#endif
