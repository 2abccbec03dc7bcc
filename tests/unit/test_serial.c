/* Unit tests for the 16550A UART through the bus, with fake IRQ sink and output. */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "boot/layout.h"
#include "device_fakes.h"
#include "devices/serial.h"
#include "tap.h"

struct fake_out {
	struct serial_output out;
	u8 buf[8192];
	size_t len;
	size_t total;		/* bytes written, also past the end of buf */
	unsigned rx_ready_calls;
};

static void fake_write(struct serial_output *out, const u8 *buf, size_t len)
{
	struct fake_out *f = container_of(out, struct fake_out, out);

	f->total += len;
	for (size_t i = 0; i < len && f->len < sizeof(f->buf); i++)
		f->buf[f->len++] = buf[i];
}

static void fake_rx_ready(struct serial_output *out)
{
	container_of(out, struct fake_out, out)->rx_ready_calls++;
}

static struct bus bus;
static struct fake_irq irq;
static struct fake_out out;
static struct serial uart;

#define BASE COM1_PORT
#define IRQ COM1_IRQ

static void setup(void)
{
	fake_irq_reset(&irq);
	memset(&out, 0, sizeof(out));
	out.out.write = fake_write;
	out.out.rx_ready = fake_rx_ready;
	bus__init(&bus, "pio");
	if (serial__init(&uart, &bus, BASE, IRQ, &irq.sink, &out.out))
		abort();
}

static void teardown(void)
{
	serial__exit(&uart);
}

static void outb(unsigned reg, u8 val)
{
	bus__access(&bus, BASE + reg, &val, 1, true);
}

static u8 inb(unsigned reg)
{
	u8 val = 0;

	bus__access(&bus, BASE + reg, &val, 1, false);
	return val;
}

static void test_transmit(void)
{
	setup();
	outb(0, 'h');
	outb(0, 'i');
	CHECK_EQ(out.len, 2);
	CHECK(!memcmp(out.buf, "hi", 2));
	CHECK_EQ(inb(5) & 0x60, 0x60);	/* THRE and TEMT: transmission is instant */
	teardown();
}

static void test_thre_interrupt(void)
{
	setup();
	outb(4, 0x08);			/* OUT2: let the interrupt reach the PIC */
	CHECK_EQ(inb(2), 0x01);
	outb(1, 0x02);			/* IER.ETBEI with THR empty: interrupt at once */
	CHECK_EQ(irq.level[IRQ], 1);
	CHECK_EQ(inb(2), 0x02);
	CHECK_EQ(irq.level[IRQ], 0);	/* reading IIR acknowledged it */
	CHECK_EQ(inb(2), 0x01);
	/* Linux's UART_BUG_THRE probe: toggling ETBEI must re-raise it. */
	outb(1, 0x00);
	outb(1, 0x02);
	CHECK_EQ(inb(2), 0x02);
	/* Writing THR clears it, and the instant transmission raises it again. */
	outb(0, 'x');
	CHECK_EQ(irq.level[IRQ], 1);
	CHECK_EQ(inb(2), 0x02);
	outb(1, 0);
	CHECK_EQ(irq.level[IRQ], 0);
	CHECK_EQ(irq.rises[IRQ], 3);
	teardown();
}

static void test_out2_gates_irq(void)
{
	setup();
	outb(1, 0x02);
	CHECK_EQ(irq.level[IRQ], 0);	/* pending, but OUT2 is low */
	outb(4, 0x08);
	CHECK_EQ(irq.level[IRQ], 1);
	outb(4, 0x00);
	CHECK_EQ(irq.level[IRQ], 0);
	CHECK_EQ(inb(2), 0x02);		/* still pending in IIR */
	teardown();
}

static void test_loopback(void)
{
	setup();
	/* Linux's autoconfig loopback check: LOOP|OUT2|RTS reads back as DCD|CTS. */
	outb(4, 0x1a);
	CHECK_EQ(inb(6) & 0xf0, 0x90);
	outb(4, 0x1f);
	CHECK_EQ(inb(6) & 0xf0, 0xf0);
	outb(0, 'L');
	CHECK_EQ(out.len, 0);		/* nothing leaves the chip */
	CHECK_EQ(inb(5) & 0x01, 0x01);
	outb(1, 0x01);
	CHECK_EQ(irq.level[IRQ], 0);	/* loopback disconnects OUT2 from the pin */
	CHECK_EQ(inb(2) & 0x0f, 0x04);
	CHECK_EQ(inb(0), 'L');
	CHECK_EQ(inb(5) & 0x01, 0x00);
	/* Outside loopback the host side holds CTS, DSR and DCD. */
	outb(4, 0x00);
	CHECK_EQ(inb(6) & 0xf0, 0xb0);
	teardown();
}

static void test_msr_deltas(void)
{
	setup();
	outb(4, 0x10);			/* loopback, all outputs low: every input drops */
	CHECK_EQ(inb(6), 0x0b);		/* DCTS, DDSR, DDCD; no TERI (RI was low) */
	CHECK_EQ(inb(6), 0x00);
	outb(4, 0x14);			/* OUT1 -> RI rises: no TERI on a rising edge */
	CHECK_EQ(inb(6), 0x40);
	outb(4, 0x10);			/* RI falls: TERI */
	CHECK_EQ(inb(6), 0x04);
	outb(1, 0x08);
	outb(4, 0x11);			/* DTR -> DSR: modem status interrupt */
	CHECK_EQ(inb(2), 0x00);
	CHECK_EQ(inb(6), 0x22);
	CHECK_EQ(inb(2), 0x01);
	teardown();
}

static void test_receive_and_priorities(void)
{
	setup();
	outb(2, 0xc1);			/* FIFO on, trigger 14 */
	outb(4, 0x08);
	outb(1, 0x0f);
	CHECK_EQ(inb(2), 0xc2);		/* only THRE so far */
	CHECK_EQ(serial__receive(&uart, (const u8 *)"abc", 3), 3);
	CHECK_EQ(irq.level[IRQ], 1);
	CHECK_EQ(inb(2), 0xcc);		/* below the trigger level: character timeout */
	CHECK_EQ(inb(5) & 0x01, 0x01);
	CHECK_EQ(inb(0), 'a');
	CHECK_EQ(inb(0), 'b');
	CHECK_EQ(inb(0), 'c');
	CHECK_EQ(inb(5) & 0x01, 0x00);
	CHECK_EQ(inb(2), 0xc1);
	CHECK_EQ(irq.level[IRQ], 0);
	outb(2, 0x01);			/* trigger 1: data available proper */
	CHECK_EQ(serial__receive(&uart, (const u8 *)"d", 1), 1);
	CHECK_EQ(inb(2), 0xc4);
	/* An overrun (loopback, FIFO full) outranks received data. */
	outb(4, 0x18);
	for (int i = 0; i < 17; i++)
		outb(0, 'A' + i);
	CHECK_EQ(inb(2), 0xc6);
	CHECK_EQ(inb(5) & 0x03, 0x03);	/* OE reported once... */
	CHECK_EQ(inb(5) & 0x02, 0x00);	/* ...then cleared */
	CHECK_EQ(inb(2), 0xc4);
	CHECK_EQ(inb(0), 'd');
	for (int i = 0; i < 15; i++)
		CHECK_EQ(inb(0), 'A' + i);
	CHECK_EQ(inb(5) & 0x01, 0);
	/* Then THRE (re-armed by the transmissions), then modem status. */
	CHECK_EQ(inb(2), 0xc2);
	CHECK_EQ(inb(2), 0xc0);
	inb(6);
	CHECK_EQ(inb(2), 0xc1);
	teardown();
}

static void test_fifo_clear_and_disable(void)
{
	u8 data[20];

	setup();
	outb(2, 0x01);
	for (int i = 0; i < 20; i++)
		data[i] = i;
	CHECK_EQ(serial__receive(&uart, data, 20), 20);
	CHECK_EQ(uart.fifo_count, 16);
	outb(2, 0x03);			/* clear RX: the 16 in the FIFO go, the next 4 arrive */
	CHECK_EQ(uart.fifo_count, 4);
	CHECK_EQ(inb(0), 16);
	/* FIFO off: one holding register; turning it off empties the FIFO. */
	outb(2, 0x00);
	CHECK_EQ(uart.fifo_count, 0);	/* 17..19 are gone */
	CHECK_EQ(inb(2) & 0xc0, 0);
	CHECK_EQ(serial__receive(&uart, data + 18, 2), 2);
	CHECK_EQ(uart.fifo_count, 1);
	CHECK_EQ(uart.in_count, 1);
	CHECK_EQ(inb(0), 18);
	CHECK_EQ(inb(0), 19);
	CHECK_EQ(inb(5) & 0x01, 0);
	CHECK_EQ(inb(0), 19);		/* RBR keeps the last byte */
	teardown();
}

static void test_dlab(void)
{
	setup();
	outb(1, 0x05);
	outb(3, 0x83);
	outb(0, 0x01);
	outb(1, 0x02);
	CHECK_EQ(inb(0), 0x01);
	CHECK_EQ(inb(1), 0x02);
	CHECK_EQ(out.len, 0);		/* a divisor write is not a transmission */
	outb(3, 0x03);
	CHECK_EQ(inb(1), 0x05);
	CHECK_EQ(inb(3), 0x03);
	outb(0, 'z');
	CHECK_EQ(out.len, 1);
	outb(3, 0x80);
	CHECK_EQ(inb(0), 0x01);
	outb(7, 0x5a);
	CHECK_EQ(inb(7), 0x5a);
	teardown();
}

/* The register probes of Linux's autoconfig() must identify a plain 16550A. */
static void test_linux_autoconfig(void)
{
	u8 status1, status2;

	setup();
	outb(1, 0);
	CHECK_EQ(inb(1) & 0x0f, 0);
	outb(1, 0x0f);
	CHECK_EQ(inb(1) & 0x0f, 0x0f);
	outb(1, 0xf0);
	CHECK_EQ(inb(1), 0);		/* no UUE or other extra IER bits */
	outb(3, 0xbf);			/* EFR probe: a 16550A has none */
	outb(2, 0);
	outb(3, 0);
	outb(2, 0x01);
	CHECK_EQ(inb(2) >> 6, 3);	/* 16550A */
	outb(3, 0x80);
	CHECK(inb(2) != 0);		/* no EFR under DLAB either */
	outb(3, 0);
	status1 = inb(4);
	outb(3, 0xe0);
	status2 = inb(2);
	CHECK_EQ((status1 ^ status2) & 0x10, 0);	/* and not an NS16550A... */
	outb(3, 0);
	outb(2, 0x21);
	CHECK_EQ(inb(2) & 0xe0, 0xc0);	/* ...nor a 16750 */
	outb(2, 0);
	CHECK(inb(5) != 0xff);
	teardown();
}

static void test_input_flow_control(void)
{
	static u8 data[SERIAL_INBUF_SIZE + 100];
	size_t took, total = 0;

	setup();
	outb(2, 0x01);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = i * 7;
	took = serial__receive(&uart, data, sizeof(data));
	CHECK(took < sizeof(data));
	CHECK_EQ(took, SERIAL_INBUF_SIZE);
	total = took;
	/* 16 moved to the FIFO, so 16 more fit; then nothing. */
	took = serial__receive(&uart, data + total, sizeof(data) - total);
	CHECK_EQ(took, SERIAL_FIFO_SIZE);
	total += took;
	CHECK_EQ(serial__receive(&uart, data + total, sizeof(data) - total), 0);
	CHECK(!serial__can_receive(&uart));
	/* Drain: every byte arrives once and in order; the sender is woken once. */
	for (size_t i = 0; i < total; i++) {
		u8 b = inb(0);

		if (b != data[i]) {
			CHECK_EQ(b, data[i]);
			break;
		}
	}
	CHECK_EQ(out.rx_ready_calls, 1);
	CHECK(serial__can_receive(&uart));
	CHECK_EQ(inb(5) & 0x01, 0);
	teardown();
}

static void test_wide_access(void)
{
	u8 data[4] = { 'w', 0x02, 0, 0 };
	u8 rd[2];

	setup();
	/* A 16-bit write reaches THR and IER, as the ISA bus splits it. */
	bus__access(&bus, BASE, data, 2, true);
	CHECK_EQ(out.len, 1);
	CHECK_EQ(inb(1), 0x02);
	bus__access(&bus, BASE + 3, rd, 2, false);
	CHECK_EQ(rd[0], 0);		/* LCR */
	CHECK_EQ(rd[1], 0);		/* MCR */
	/* Straddling the last port: not ours, reads all ones. */
	CHECK(!bus__access(&bus, BASE + 7, rd, 2, false));
	CHECK_EQ(rd[0], 0xff);
	teardown();
}

static void test_hostile(void)
{
	u64 state = 0x9e3779b97f4a7c15ULL;
	unsigned bad = 0;

	setup();
	for (int i = 0; i < 300000; i++) {
		u64 r = xorshift64(&state);
		u8 data[8];
		u32 len = random_width(r);

		random_fill(&state, data, sizeof(data));
		if ((r >> 8) % 64 == 0) {
			serial__receive(&uart, data, (r >> 16) % 9);
			continue;
		}
		bus__access(&bus, BASE - 4 + (r >> 16) % 16, data, len, (r >> 24) & 1);
		if (uart.fifo_count > SERIAL_FIFO_SIZE || uart.in_count > SERIAL_INBUF_SIZE ||
		    uart.fifo_head >= SERIAL_FIFO_SIZE || uart.in_head >= SERIAL_INBUF_SIZE ||
		    (uart.ier & 0xf0) || (uart.mcr & 0xe0))
			bad++;
		if (irq.level[IRQ] != uart.irq_level)
			bad++;
	}
	CHECK_EQ(bad, 0);
	teardown();
}

#define STRESS_BYTES 100000

/* The event-loop thread: feeds a known sequence, retrying what the UART did not take. */
static void *stress_feeder(void *arg)
{
	u8 chunk[256];
	size_t sent = 0;

	while (sent < STRESS_BYTES) {
		size_t n = min_u64(sizeof(chunk), STRESS_BYTES - sent);

		for (size_t i = 0; i < n; i++)
			chunk[i] = (sent + i) % 251;
		n = serial__receive(&uart, chunk, n);
		sent += n;
		if (!n)
			sched_yield();
	}
	return arg;
}

/* A vCPU running the driver's receive loop: LSR.DR, then RBR; everything in order. */
static void *stress_reader(void *arg)
{
	size_t got = 0, *errors = arg;

	while (got < STRESS_BYTES) {
		if (!(inb(5) & 0x01)) {
			sched_yield();
			continue;
		}
		if (inb(0) != got % 251)
			(*errors)++;
		got++;
	}
	return NULL;
}

/* Another vCPU transmitting and fiddling with interrupt enables at the same time. */
static void *stress_writer(void *arg)
{
	for (int i = 0; i < STRESS_BYTES; i++) {
		outb(0, 'a' + i % 26);
		outb(1, i & 0x0f);
		inb(2);
		outb(7, i);
	}
	return arg;
}

static void test_threads(void)
{
	pthread_t feeder, reader, writer;
	size_t errors = 0;

	setup();
	outb(2, 0xc1);
	outb(4, 0x0b);
	pthread_create(&feeder, NULL, stress_feeder, NULL);
	pthread_create(&reader, NULL, stress_reader, &errors);
	pthread_create(&writer, NULL, stress_writer, NULL);
	pthread_join(feeder, NULL);
	pthread_join(reader, NULL);
	pthread_join(writer, NULL);
	CHECK_EQ(errors, 0);
	CHECK_EQ(out.total, STRESS_BYTES);
	CHECK_EQ(uart.fifo_count + uart.in_count, 0);
	CHECK_EQ(irq.level[IRQ], uart.irq_level);
	teardown();
}

int main(void)
{
	RUN(test_transmit);
	RUN(test_thre_interrupt);
	RUN(test_out2_gates_irq);
	RUN(test_loopback);
	RUN(test_msr_deltas);
	RUN(test_receive_and_priorities);
	RUN(test_fifo_clear_and_disable);
	RUN(test_dlab);
	RUN(test_linux_autoconfig);
	RUN(test_input_flow_control);
	RUN(test_wide_access);
	RUN(test_hostile);
	RUN(test_threads);
	return tap_done();
}
