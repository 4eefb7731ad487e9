// SPDX-License-Identifier: MIT
/* 16550 UART driver (see serial.h). Register layout: PC16550D datasheet. */
#include "serial.h"

#include "../kernel/arch/x86.h"

#define COM1 0x3f8
#define UART_CLOCK_HZ 115200
#define BAUD 115200

enum {
	REG_DATA = 0, /* RBR/THR, or divisor low with DLAB */
	REG_IER = 1,  /* or divisor high with DLAB */
	REG_FCR = 2,
	REG_LCR = 3,
	REG_MCR = 4,
	REG_LSR = 5,
	REG_SCRATCH = 7,
};

#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define FCR_ENABLE_CLEAR 0x07 /* enable FIFOs, clear both */
#define MCR_DTR_RTS_OUT2 0x0b
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
/* Enough polls for one byte at 115200 baud (~87 us) on any CPU; a UART
 * that never drains is treated as absent rather than hanging the log. */
#define TX_SPIN_LIMIT 1000000

static int present;

int serial_init(void)
{
	outb(COM1 + REG_SCRATCH, 0x5a);
	if (inb(COM1 + REG_SCRATCH) != 0x5a)
		return present = 0;
	outb(COM1 + REG_IER, 0);
	outb(COM1 + REG_LCR, LCR_DLAB);
	outb(COM1 + REG_DATA, (UART_CLOCK_HZ / BAUD) & 0xff);
	outb(COM1 + REG_IER, (UART_CLOCK_HZ / BAUD) >> 8);
	outb(COM1 + REG_LCR, LCR_8N1);
	outb(COM1 + REG_FCR, FCR_ENABLE_CLEAR);
	outb(COM1 + REG_MCR, MCR_DTR_RTS_OUT2);
	return present = 1;
}

static void put(char c)
{
	for (int i = 0; i < TX_SPIN_LIMIT; i++)
		if (inb(COM1 + REG_LSR) & LSR_THR_EMPTY)
			break;
	outb(COM1 + REG_DATA, (uint8_t)c);
}

void serial_write(const char *s, size_t len)
{
	if (!present)
		return;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			put('\r');
		put(s[i]);
	}
}

#define IER_RX_AVAILABLE 0x01

int serial_enable_rx_interrupt(void)
{
	if (!present)
		return -1;
	outb(COM1 + REG_IER, IER_RX_AVAILABLE);
	return 0;
}

int serial_getc(void)
{
	if (!present || !(inb(COM1 + REG_LSR) & LSR_DATA_READY))
		return -1;
	return inb(COM1 + REG_DATA);
}
