/*
 * crash: faults on purpose so the boot tests can check the runtime's crash report
 * (vector name, error code, RIP, CR2, registers, backtrace) and its failure exit.
 *
 *   argv[1] (load options) picks the fault; default "ud2":
 *     ud2    invalid opcode                       -> #UD
 *     null   write to address 0 (unmapped page)   -> #PF, CR2 = 0
 *     gp     load from a non-canonical address    -> #GP
 *     div0   integer divide by zero               -> #DE
 *     wx     write into the app's own .text (W^X) -> #PF (protection violation)
 *     nx     call into a data buffer (NX)         -> #PF (instruction fetch)
 *     stack  unbounded recursion into the guard page under the stack -> #PF or #DF
 *     bp     int3                                 -> #BP
 *
 * If the fault does not happen the app says so and exits with status 0, which the tests
 * treat as a failure (they expect the runtime's crash status).
 */
#include <umbra/umbra.h>

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

static volatile int crash_zero;
static volatile uint64_t crash_limit = ~0ull; /* never reached: the guard page is */
static unsigned char crash_data[64] __attribute__((aligned(16))) = { 0xc3 }; /* ret */

__attribute__((noinline)) static uint64_t crash_recurse(uint64_t depth)
{
	volatile uint64_t pad[64];
	pad[depth % 64] = depth;
	if (depth >= crash_limit)
		return depth;
	return crash_recurse(depth + 1) + pad[(depth + 1) % 64];
}

int app_main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "ud2";

	umbra_printf("crash: mode %s\n", mode);
	if (streq(mode, "ud2")) {
		__asm__ volatile("ud2");
	} else if (streq(mode, "null")) {
		*(volatile uint64_t *)(uintptr_t)crash_zero = 0x4e554c4c;
	} else if (streq(mode, "gp")) {
		(void)*(volatile uint64_t *)(uintptr_t)0x8000000000000000ull;
	} else if (streq(mode, "div0")) {
		volatile int x = 1;
		x = x / crash_zero;
	} else if (streq(mode, "wx")) {
		*(volatile unsigned char *)(uintptr_t)&app_main = 0xcc;
	} else if (streq(mode, "nx")) {
		void (*fn)(void) = (void (*)(void))(uintptr_t)crash_data;
		fn();
	} else if (streq(mode, "stack")) {
		umbra_printf("crash: %llu\n", (unsigned long long)crash_recurse(0));
	} else if (streq(mode, "bp")) {
		__asm__ volatile("int3");
	} else {
		umbra_printf("crash: unknown mode %s\n", mode);
		return 2;
	}
	umbra_printf("crash: survived mode %s\n", mode);
	return 0;
}
