/* 16550A UART emulation: registers, receive FIFO fed from a host-side buffer, PC-style IRQ. */
#include <errno.h>
#include <string.h>

#include "devices/serial.h"
#include "util/log.h"

/* Register offsets (DLAB=0 unless noted) */
#define UART_RX		0	/* read: receive buffer */
#define UART_TX		0	/* write: transmit holding */
#define UART_DLL	0	/* DLAB=1 */
#define UART_IER	1
#define UART_DLM	1	/* DLAB=1 */
#define UART_IIR	2	/* read */
#define UART_FCR	2	/* write */
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_MSR	6
#define UART_SCR	7

#define IER_RDI		0x01	/* received data available */
#define IER_THRI	0x02	/* transmit holding register empty */
#define IER_RLSI	0x04	/* receiver line status */
#define IER_MSI		0x08	/* modem status */
#define IER_MASK	0x0f	/* a 16550A has no more bits: Linux probes bits 4-7 read 0 */

#define IIR_NO_INT	0x01
#define IIR_MSI		0x00
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_RLSI	0x06
#define IIR_TIMEOUT	0x0c
#define IIR_FIFO_ON	0xc0

#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02
#define FCR_CLEAR_TX	0x04
#define FCR_KEEP	0xc9	/* enable, DMA mode, trigger level */

#define LCR_DLAB	0x80

#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT1	0x04
#define MCR_OUT2	0x08
#define MCR_LOOP	0x10
#define MCR_MASK	0x1f

#define LSR_DR		0x01
#define LSR_OE		0x02
#define LSR_THRE	0x20
#define LSR_TEMT	0x40

#define MSR_DCTS	0x01
#define MSR_DDSR	0x02
#define MSR_TERI	0x04
#define MSR_DDCD	0x08
#define MSR_CTS		0x10
#define MSR_DSR		0x20
#define MSR_RI		0x40
#define MSR_DCD		0x80

static unsigned fifo_capacity(const struct serial *s)
{
	return (s->fcr & FCR_ENABLE) ? SERIAL_FIFO_SIZE : 1;
}

/* FIFO level at which the 16550A reports "data available" rather than "timeout". */
static unsigned rx_trigger(const struct serial *s)
{
	static const unsigned levels[4] = { 1, 4, 8, 14 };

	return levels[s->fcr >> 6];
}

static void fifo_push(struct serial *s, u8 byte)
{
	if (s->fifo_count >= fifo_capacity(s)) {
		s->lsr_errors |= LSR_OE;	/* the new character is lost, as on the chip */
		return;
	}
	s->fifo[(s->fifo_head + s->fifo_count) % SERIAL_FIFO_SIZE] = byte;
	s->fifo_count++;
}

static u8 fifo_pop(struct serial *s)
{
	if (s->fifo_count) {
		s->last_rx = s->fifo[s->fifo_head];
		s->fifo_head = (s->fifo_head + 1) % SERIAL_FIFO_SIZE;
		s->fifo_count--;
	}
	return s->last_rx;
}

static void fifo_clear(struct serial *s)
{
	s->fifo_head = 0;
	s->fifo_count = 0;
}

/* Moves host input into the FIFO; in loopback the receiver is cut off from the outside. */
static void refill(struct serial *s)
{
	if (!(s->mcr & MCR_LOOP)) {
		while (s->in_count && s->fifo_count < fifo_capacity(s)) {
			fifo_push(s, s->inbuf[s->in_head]);
			s->in_head = (s->in_head + 1) % SERIAL_INBUF_SIZE;
			s->in_count--;
		}
	}
	/* Wait for half the buffer so a blocked sender is not woken for every byte. */
	if (s->rx_blocked && s->in_count <= SERIAL_INBUF_SIZE / 2) {
		s->rx_blocked = false;
		if (s->out && s->out->rx_ready)
			s->out->rx_ready(s->out);
	}
}

/* Modem input lines: the host side asserts CTS, DSR, DCD; loopback wires them to MCR. */
static u8 modem_inputs(const struct serial *s)
{
	u8 msr = 0;

	if (!(s->mcr & MCR_LOOP))
		return MSR_CTS | MSR_DSR | MSR_DCD;
	if (s->mcr & MCR_DTR)
		msr |= MSR_DSR;
	if (s->mcr & MCR_RTS)
		msr |= MSR_CTS;
	if (s->mcr & MCR_OUT1)
		msr |= MSR_RI;
	if (s->mcr & MCR_OUT2)
		msr |= MSR_DCD;
	return msr;
}

/* Interrupt identification in the 16550A's priority order. */
static u8 pending_id(const struct serial *s)
{
	if ((s->ier & IER_RLSI) && (s->lsr_errors & LSR_OE))
		return IIR_RLSI;
	if ((s->ier & IER_RDI) && s->fifo_count) {
		if ((s->fcr & FCR_ENABLE) && s->fifo_count < rx_trigger(s))
			return IIR_TIMEOUT;
		return IIR_RDI;
	}
	if ((s->ier & IER_THRI) && s->thr_ipending)
		return IIR_THRI;
	if ((s->ier & IER_MSI) && s->msr_delta)
		return IIR_MSI;
	return IIR_NO_INT;
}

/* On a PC, OUT2 gates the UART's interrupt pin; loopback forces OUT2 inactive. */
static void update_irq(struct serial *s)
{
	int level = pending_id(s) != IIR_NO_INT && (s->mcr & (MCR_OUT2 | MCR_LOOP)) == MCR_OUT2;

	if (level != s->irq_level) {
		s->irq_level = level;
		irq_sink__set(s->irq, s->irq_line, level);
	}
}

static void transmit(struct serial *s, u8 byte)
{
	if (s->mcr & MCR_LOOP)
		fifo_push(s, byte);
	else if (s->out && s->out->write)
		s->out->write(s->out, &byte, 1);
	/* Transmission is instant: THR is empty again and its interrupt re-arms. */
	s->thr_ipending = true;
}

static void write_ier(struct serial *s, u8 val)
{
	u8 old = s->ier;

	s->ier = val & IER_MASK;
	/* Like a real 16550A (Linux's UART_BUG_THRE probe relies on it): enabling THRI re-raises it. */
	if ((s->ier & IER_THRI) && !(old & IER_THRI))
		s->thr_ipending = true;
}

static void write_fcr(struct serial *s, u8 val)
{
	/* Changing the enable bit resets both FIFOs; other bits only program with it set. */
	if ((val ^ s->fcr) & FCR_ENABLE)
		fifo_clear(s);
	if (!(val & FCR_ENABLE)) {
		s->fcr = 0;
		return;
	}
	if (val & FCR_CLEAR_RX)
		fifo_clear(s);
	/* FCR_CLEAR_TX: the transmitter is always empty here. */
	s->fcr = val & FCR_KEEP;
}

static void write_mcr(struct serial *s, u8 val)
{
	u8 before = modem_inputs(s), after, changed;

	s->mcr = val & MCR_MASK;
	after = modem_inputs(s);
	changed = before ^ after;
	if (changed & MSR_CTS)
		s->msr_delta |= MSR_DCTS;
	if (changed & MSR_DSR)
		s->msr_delta |= MSR_DDSR;
	if ((before & MSR_RI) && !(after & MSR_RI))
		s->msr_delta |= MSR_TERI;	/* trailing edge only */
	if (changed & MSR_DCD)
		s->msr_delta |= MSR_DDCD;
}

static void write_reg(struct serial *s, unsigned reg, u8 val)
{
	bool dlab = s->lcr & LCR_DLAB;

	switch (reg) {
	case UART_TX:
		if (dlab)
			s->dll = val;
		else
			transmit(s, val);
		break;
	case UART_IER:
		if (dlab)
			s->dlm = val;
		else
			write_ier(s, val);
		break;
	case UART_FCR:
		write_fcr(s, val);
		break;
	case UART_LCR:
		s->lcr = val;
		break;
	case UART_MCR:
		write_mcr(s, val);
		break;
	case UART_LSR:
	case UART_MSR:
		pr_debug("serial: write %#x to read-only register %u ignored", val, reg);
		break;
	case UART_SCR:
		s->scr = val;
		break;
	}
}

static u8 read_iir(struct serial *s)
{
	u8 id = pending_id(s);

	/* Reading IIR acknowledges a THR-empty interrupt, and only that one. */
	if (id == IIR_THRI)
		s->thr_ipending = false;
	return id | ((s->fcr & FCR_ENABLE) ? IIR_FIFO_ON : 0);
}

static u8 read_lsr(struct serial *s)
{
	u8 lsr = s->lsr_errors | LSR_THRE | LSR_TEMT;

	if (s->fifo_count)
		lsr |= LSR_DR;
	s->lsr_errors = 0;
	return lsr;
}

static u8 read_msr(struct serial *s)
{
	u8 msr = modem_inputs(s) | s->msr_delta;

	s->msr_delta = 0;
	return msr;
}

static u8 read_reg(struct serial *s, unsigned reg)
{
	bool dlab = s->lcr & LCR_DLAB;

	switch (reg) {
	case UART_RX:
		return dlab ? s->dll : fifo_pop(s);
	case UART_IER:
		return dlab ? s->dlm : s->ier;
	case UART_IIR:
		return read_iir(s);
	case UART_LCR:
		return s->lcr;
	case UART_MCR:
		return s->mcr;
	case UART_LSR:
		return read_lsr(s);
	case UART_MSR:
		return read_msr(s);
	default:
		return s->scr;
	}
}

/* A wider access reaches consecutive registers one byte at a time, as on the ISA bus. */
static void serial_access(struct bus_device *dev, u64 offset, u8 *data, u32 len, bool is_write)
{
	struct serial *s = container_of(dev, struct serial, dev);

	pthread_mutex_lock(&s->lock);
	for (u32 i = 0; i < len && offset + i < SERIAL_NR_PORTS; i++) {
		if (is_write)
			write_reg(s, offset + i, data[i]);
		else
			data[i] = read_reg(s, offset + i);
	}
	refill(s);
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

static void reset(struct serial *s)
{
	s->ier = 0;
	s->lcr = 0;
	s->mcr = 0;
	s->fcr = 0;
	s->scr = 0;
	s->dll = 0x0c;		/* 9600 baud; the divisor has no effect here */
	s->dlm = 0;
	s->lsr_errors = 0;
	s->msr_delta = 0;
	s->thr_ipending = false;
	fifo_clear(s);
}

int serial__init(struct serial *s, struct bus *pio, u16 base, unsigned irq_line,
		 struct irq_sink *sink, struct serial_output *out)
{
	int ret;

	memset(s, 0, sizeof(*s));
	s->dev = (struct bus_device){ .name = "serial", .base = base, .len = SERIAL_NR_PORTS,
				      .access = serial_access };
	s->irq = sink;
	s->irq_line = irq_line;
	s->out = out;
	reset(s);
	ret = -pthread_mutex_init(&s->lock, NULL);
	if (ret)
		return ret;
	ret = bus__register(pio, &s->dev);
	if (ret) {
		pthread_mutex_destroy(&s->lock);
		return ret;
	}
	s->bus = pio;
	return 0;
}

void serial__exit(struct serial *s)
{
	if (!s->bus)
		return;
	bus__unregister(s->bus, &s->dev);
	s->bus = NULL;
	pthread_mutex_destroy(&s->lock);
}

size_t serial__receive(struct serial *s, const u8 *buf, size_t len)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = min_u64(len, SERIAL_INBUF_SIZE - s->in_count);
	for (size_t i = 0; i < n; i++)
		s->inbuf[(s->in_head + s->in_count + i) % SERIAL_INBUF_SIZE] = buf[i];
	s->in_count += n;
	refill(s);
	if (n < len)
		s->rx_blocked = true;
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return n;
}

bool serial__can_receive(struct serial *s)
{
	bool room;

	pthread_mutex_lock(&s->lock);
	room = s->in_count < SERIAL_INBUF_SIZE;
	if (!room)
		s->rx_blocked = true;
	pthread_mutex_unlock(&s->lock);
	return room;
}
