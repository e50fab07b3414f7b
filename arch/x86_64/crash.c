/*
 * Crash report for CPU exceptions, on COM1: vector name, error code, RIP, CR2, every
 * register, the image base and build-id, a frame-pointer backtrace symbolized with the
 * image's own symbol table (symtab.h), and an addr2line command for file:line that runs
 * as printed from where make ran. Then, when the hypervisor offers them, the guest-crash
 * MSRs (crash_hv.h), so the host records the crash; then the boot layer's exit hook ends
 * the VM with a failure status. Runs with interrupts off, possibly on an IST stack; a
 * fault inside the report (the MSR writes included) skips straight to the exit.
 */
#include <stdarg.h>

#include "arch/x86_64/arch.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/crash_hv.h"
#include "arch/x86_64/image_id.h"
#include "arch/x86_64/symtab.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include <umbra/errno.h>

#define CRASH_STATUS 110

static arch_exit_fn exit_hook;
static volatile int crashing;
/* Link-time addresses of the printed frames for the addr2line command. */
#define MAX_FRAMES 32
static uint64_t frame_link[MAX_FRAMES];
static unsigned nframes;

static const char *const vec_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor segment overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved 15", "#MF x87 floating point", "#AC alignment check",
	"#MC machine check", "#XM SIMD floating point", "#VE virtualization",
	"#CP control protection", "reserved 22", "reserved 23", "reserved 24",
	"reserved 25", "reserved 26", "reserved 27", "#HV hypervisor injection",
	"#VC VMM communication", "#SX security", "reserved 31",
};

void arch_crash_set_exit(arch_exit_fn crash_exit)
{
	exit_hook = crash_exit;
}

static void cprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void cprintf(const char *fmt, ...)
{
	char buf[160];
	va_list ap;

	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof buf - 1)
		n = sizeof buf - 1;
	arch_serial_write(buf, (size_t)n);
}

const char *arch_symbolize(uint64_t addr, uint64_t *off)
{
	uint64_t base = (uint64_t)(uintptr_t)ImageBase;
	uint64_t rel = addr - base;
	uint32_t lo = 0, hi = arch_symtab_count;

	if (addr < (uint64_t)(uintptr_t)_text || addr >= (uint64_t)(uintptr_t)_etext || !hi)
		return NULL;
	/* Last symbol with address <= rel. */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (arch_symtab_addr[mid] <= rel)
			lo = mid;
		else
			hi = mid;
	}
	if (arch_symtab_addr[lo] > rel)
		return NULL;
	*off = rel - arch_symtab_addr[lo];
	return arch_symtab_str + arch_symtab_name[lo];
}

/* How a printed address goes into the addr2line command: not at all (the rip line), as
 * is (frame #0), or as a return address, minus 1 (inside the call instruction, so that
 * addr2line names the call's line rather than the next one). */
enum frame_kind { NOT_A_FRAME, FRAME_PC, FRAME_RETURN };

static void print_addr(const char *what, uint64_t a, enum frame_kind kind)
{
	uint64_t off = 0;
	const char *name = arch_symbolize(a, &off);
	uint64_t rel = a - (uint64_t)(uintptr_t)ImageBase;

	if (name) {
		cprintf("umbra: crash %s 0x%016llx %s+0x%llx (image+0x%llx)\n", what,
			(unsigned long long)a, name, (unsigned long long)off, (unsigned long long)rel);
		if (kind != NOT_A_FRAME && nframes < MAX_FRAMES)
			frame_link[nframes++] = rel - (kind == FRAME_RETURN ? 1 : 0);
	} else {
		cprintf("umbra: crash %s 0x%016llx\n", what, (unsigned long long)a);
	}
}

/* One line: the command, then the link-time address of each symbolized frame (the image
 * links at 0: runtime address - image base). */
static void print_addr2line(void)
{
	if (!nframes)
		return;
	cprintf("umbra: crash symbolize: addr2line -f -i -p -e ");
	arch_serial_write(arch_symtab_so, strlen(arch_symtab_so));  /* any length */
	for (unsigned i = 0; i < nframes; i++)
		cprintf(" 0x%llx", (unsigned long long)frame_link[i]);
	cprintf("\n");
}

static uint64_t crash_rdmsr(uint32_t msr)
{
	return cpu_rdmsr(msr);
}

static void crash_wrmsr(uint32_t msr, uint64_t value)
{
	cpu_wrmsr(msr, value);
}

/* The guest-crash MSRs, decided by the boot identification (crash_hv.h); nothing is
 * printed or touched when they are not offered. */
static void report_to_hypervisor(const struct arch_frame *f)
{
	static const struct arch_crash_hv_msr msr = { crash_rdmsr, crash_wrmsr };
	struct arch_crash_hv_in in = {
		.vector = f->vector, .error = f->error, .rip = f->rip,
		.image_base = (uint64_t)(uintptr_t)ImageBase,
	};
	uint64_t p[HV_CRASH_PARAMS], ctl = 0;

	in.build_id_len = arch_build_id(&in.build_id);
	int rc = arch_crash_hv_prepare(hv_ident(), &in, &msr, p, &ctl);
	if (rc == UMBRA_ENOTSUP) {
		cprintf("umbra: crash hv_report none: crash_ctl=0x%llx lacks notify\n",
			(unsigned long long)ctl);
		return;
	}
	if (rc)
		return;
	cprintf("umbra: crash hv_report p0=0x%llx p1=0x%llx p2=0x%llx p3=0x%llx p4=0x%llx\n",
		(unsigned long long)p[0], (unsigned long long)p[1], (unsigned long long)p[2],
		(unsigned long long)p[3], (unsigned long long)p[4]);
	arch_serial_flush();            /* the host may stop the VM at the notify */
	arch_crash_hv_send(&msr, p);
}

_Noreturn void arch_crash(const struct arch_frame *f)
{
	cpu_cli();
	int nested = crashing++;
	if (nested > 1)         /* the exit path itself faulted twice: stop here */
		for (;;)
			cpu_hlt();
	if (nested)
		goto out;

	uint64_t v = f->vector;
	cprintf("\numbra: CRASH vector=%llu (%s) error=0x%llx\n", (unsigned long long)v,
		v < 32 ? vec_names[v] : "external", (unsigned long long)f->error);
	print_addr("rip", f->rip, NOT_A_FRAME);
	cprintf("umbra: crash cr2=0x%016llx cr3=0x%016llx cr0=0x%llx cr4=0x%llx\n",
		(unsigned long long)cpu_read_cr2(), (unsigned long long)cpu_read_cr3(),
		(unsigned long long)cpu_read_cr0(), (unsigned long long)cpu_read_cr4());
	cprintf("umbra: crash cs=0x%llx ss=0x%llx rflags=0x%llx rsp=0x%016llx\n",
		(unsigned long long)f->cs, (unsigned long long)f->ss,
		(unsigned long long)f->rflags, (unsigned long long)f->rsp);
	cprintf("umbra: crash rax=0x%016llx rbx=0x%016llx rcx=0x%016llx rdx=0x%016llx\n",
		(unsigned long long)f->rax, (unsigned long long)f->rbx,
		(unsigned long long)f->rcx, (unsigned long long)f->rdx);
	cprintf("umbra: crash rsi=0x%016llx rdi=0x%016llx rbp=0x%016llx r8 =0x%016llx\n",
		(unsigned long long)f->rsi, (unsigned long long)f->rdi,
		(unsigned long long)f->rbp, (unsigned long long)f->r8);
	cprintf("umbra: crash r9 =0x%016llx r10=0x%016llx r11=0x%016llx r12=0x%016llx\n",
		(unsigned long long)f->r9, (unsigned long long)f->r10,
		(unsigned long long)f->r11, (unsigned long long)f->r12);
	cprintf("umbra: crash r13=0x%016llx r14=0x%016llx r15=0x%016llx\n",
		(unsigned long long)f->r13, (unsigned long long)f->r14, (unsigned long long)f->r15);
	char bid[2 * ARCH_BUILD_ID_MAX + 1];
	cprintf("umbra: crash image_base=0x%llx build_id=%s\n",
		(unsigned long long)(uintptr_t)ImageBase, arch_build_id_hex(bid, sizeof bid));

	uint64_t cr2 = cpu_read_cr2();
	if ((v == 8 || v == 14) && cr2 + 8192 >= f->rsp && cr2 <= f->rsp + 8192 &&
	    !arch_paging_mapped(cr2, 1))
		cprintf("umbra: crash hint: stack overflow into the guard page at 0x%llx\n",
			(unsigned long long)(cr2 & ~0xfffull));

	cprintf("umbra: crash backtrace:\n");
	print_addr("  #0", f->rip, FRAME_PC);
	uint64_t rbp = f->rbp, last = 0;
	unsigned repeats = 0, printed = 1;
	/* The walk is bounded by the stack size (frames move up, at least 16 bytes each). */
	for (int depth = 1; depth < 20000 && printed < 32; depth++) {
		if (!rbp || (rbp & 7) || !arch_paging_mapped(rbp, 16))
			break;
		const uint64_t *fp = (const uint64_t *)(uintptr_t)rbp;
		uint64_t ret = fp[1];
		if (!ret)
			break;
		if (ret == last) {
			repeats++;      /* deep recursion: print each distinct frame once */
		} else {
			if (repeats)
				cprintf("umbra: crash   ... previous frame repeated %u more times\n", repeats);
			repeats = 0;
			char tag[8];
			fmt_snprintf(tag, sizeof tag, "  #%d", depth);
			print_addr(tag, ret, FRAME_RETURN);
			printed++;
			last = ret;
		}
		if (fp[0] <= rbp)               /* frames must move up the stack */
			break;
		rbp = fp[0];
	}
	if (repeats)
		cprintf("umbra: crash   ... previous frame repeated %u more times (walk stopped)\n", repeats);
	print_addr2line();
	report_to_hypervisor(f);
out:
	if (exit_hook)
		exit_hook(CRASH_STATUS);
	for (;;)
		cpu_hlt();
}
