/*
 * COM1 (16550 at 0x3f8), 115200 8N1, polled, no interrupts. '\n' becomes "\r\n". Every
 * wait is bounded, so a machine without a UART (reads 0xff) loses output, not time.
 */
#include "arch/x86_64/arch.h"
#include "arch/x86_64/cpu.h"

#define COM1 0x3f8
#define LSR_THRE 0x20

static bool present;

void arch_serial_init(void)
{
	cpu_outb(COM1 + 1, 0x00);       /* no interrupts */
	cpu_outb(COM1 + 3, 0x80);       /* DLAB */
	cpu_outb(COM1 + 0, 0x01);       /* divisor 1: 115200 baud */
	cpu_outb(COM1 + 1, 0x00);
	cpu_outb(COM1 + 3, 0x03);       /* 8N1 */
	cpu_outb(COM1 + 2, 0xc7);       /* FIFO on, cleared, 14-byte threshold */
	cpu_outb(COM1 + 4, 0x03);       /* DTR, RTS; OUT2 off (no IRQ) */
	present = cpu_inb(COM1 + 5) != 0xff;
}

static void put(char c)
{
	for (int i = 0; i < 100000; i++) {
		if (cpu_inb(COM1 + 5) & LSR_THRE)
			break;
		cpu_pause();
	}
	cpu_outb(COM1, (uint8_t)c);
}

void arch_serial_write(const char *s, size_t n)
{
	if (!present)
		return;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			put('\r');
		put(s[i]);
	}
}

void arch_serial_flush(void)
{
	/* Bounded wait for the transmitter to drain (LSR.TEMT), e.g. before power-off. */
	for (int i = 0; present && i < 1000000; i++) {
		if (cpu_inb(COM1 + 5) & 0x40)
			break;
		cpu_pause();
	}
}
