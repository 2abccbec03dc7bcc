/*
 * Test guest: COM1 (0x3f8), 115200 8N1, polled both ways. Every poll is bounded so a
 * missing or broken UART cannot hang the guest.
 */
#include "guest.h"

#define COM1		0x3f8
#define UART_RBR	0
#define UART_THR	0
#define UART_IER	1
#define UART_DLL	0
#define UART_DLM	1
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define LSR_DR		0x01
#define LSR_THRE	0x20
#define TX_POLLS	100000

void serial__init(void)
{
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, 0x80);	/* DLAB: divisor 1 = 115200 baud */
	outb(COM1 + UART_DLL, 0x01);
	outb(COM1 + UART_DLM, 0x00);
	outb(COM1 + UART_LCR, 0x03);	/* 8N1 */
	/* FIFOs stay off: switching them on clears input the host already sent */
	outb(COM1 + UART_FCR, 0x00);
	outb(COM1 + UART_MCR, 0x0b);
}

void serial__putc(char c)
{
	int i;

	for (i = 0; i < TX_POLLS; i++)
		if (inb(COM1 + UART_LSR) & LSR_THRE)
			break;
	outb(COM1 + UART_THR, (u8)c);
}

void serial__write(const char *s, size_t n)
{
	while (n--)
		serial__putc(*s++);
}

int serial__getc_timeout(u64 cycles)
{
	u64 start = rdtsc();
	u8 lsr;

	for (;;) {
		lsr = inb(COM1 + UART_LSR);
		/* 0xff: nothing decodes the port, so nothing will ever arrive */
		if (lsr != 0xff && (lsr & LSR_DR))
			return inb(COM1 + UART_RBR);
		if (rdtsc() - start > cycles)
			return -1;
	}
}
