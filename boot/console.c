/* The raw console on COM1 (arch/): boot log lines and the runtime's printf. */
#include "arch/x86_64/arch.h"
#include "boot/runtime.h"
#include "lib/fmt.h"

#define PRINT_BUF 512

int boot_vprintf(const char *fmt, va_list ap)
{
	char buf[PRINT_BUF];
	int n = fmt_vsnprintf(buf, sizeof buf, fmt, ap);

	if (n < 0)
		return n;
	if (n > PRINT_BUF - 1) {
		/* Long output is cut; say so rather than lose it silently. */
		arch_serial_write(buf, PRINT_BUF - 1);
		arch_serial_write("...[truncated]\n", 15);
		return PRINT_BUF - 1;
	}
	arch_serial_write(buf, (size_t)n);
	return n;
}

int boot_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = boot_vprintf(fmt, ap);
	va_end(ap);
	return n;
}
