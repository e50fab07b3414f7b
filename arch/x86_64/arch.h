/*
 * arch/x86_64 internal interface for boot/ and rt/ (the portable layers use hw.h). Call
 * order at boot: arch_hv_ident (efi_main), arch_serial_init, arch_gdt_init, arch_idt_init,
 * arch_paging_init, arch_tsc_init, arch_timer_init. None of these allocate from mem/.
 * arch/ includes nothing from boot/: the hand-off types are arch/x86_64/boot_handoff.h.
 */
#ifndef UMBRA_ARCH_ARCH_H
#define UMBRA_ARCH_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/hw.h"
#include "arch/x86_64/boot_handoff.h"
#include "hv/ident.h"

/* Interrupt vectors owned by the runtime. Others may use 0x30..0xdf. */
#define ARCH_VEC_TIMER    0x20
#define ARCH_VEC_PIC_BASE 0xe0      /* legacy 8259s remapped here, all masked */
#define ARCH_VEC_SPURIOUS 0xff

/* Saved state on an interrupt/exception (entry.asm pushes it in this order). */
struct arch_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* COM1 16550, 115200 8N1; writes are bounded (an absent UART drops output). */
void arch_serial_init(void);
void arch_serial_write(const char *s, size_t n);
void arch_serial_flush(void);

/* The Hyper-V identification of the CPU this runs on: hv_ident_init with the real CPUID
 * (also in SIM images, whose hw_cpuid is the simulator's). The first call detects and
 * publishes it (hv_ident()); efi_main makes that call before anything reads CPUID. */
const struct hv_ident *arch_hv_ident(void);

void arch_gdt_init(const struct boot_info *bi);
void arch_idt_init(void);
/* Builds and loads the runtime's page tables (see paging.c), with the alias window of the
 * shared-GPA boundary in arch_hv_ident(). 0, UMBRA_ENOMEM, or UMBRA_ENOTSUP / UMBRA_EINVAL
 * / UMBRA_EIO for 5-level paging or a shared-GPA boundary the tables cannot honour
 * (alias.h, paging_build.h). */
int arch_paging_init(const struct boot_info *bi);
/* Page-table pages needed for this memory map and image (boot/ sizes the arena). */
uint64_t arch_paging_pages_needed(const void *mmap, uint64_t size, uint64_t desc_size,
				  uint64_t image_size);
/* True if every byte of [va, va + len) is mapped in the runtime's page tables. */
bool arch_paging_mapped(uint64_t va, uint64_t len);
/* One 4 KiB page becomes read+execute (exec) or back to read+write+NX. For pages the
 * hypervisor overlays with code (the Hyper-V hypercall page). */
int arch_paging_set_exec(uint64_t va, bool exec);
/* Page-table pages left unused in the boot arena (handed to mem/ afterwards). */
void arch_paging_arena_rest(uint64_t *base, uint64_t *npages);
/* The shared-GPA boundary whose alias window arch_paging_init mapped (alias.h), 0 if
 * none; hw_phys_to_virt/hw_virt_to_phys translate with it. Whether the window uses
 * 1 GiB pages (else 2 MiB). */
uint64_t arch_shared_boundary(void);
bool arch_shared_alias_1g(void);
/* hw_phys_to_virt of the alias form gpa = g | B (hw.h): ALIAS_VA + g; for g above the
 * window's top it first maps the alias's 2 MiB page (pt_alias_map) from a reserve of 8
 * table pages, with interrupts off, and flushes the TLB entry. NULL without a boundary,
 * for the private form, for g >= alias_limit(B), or when the reserve is used up. */
void *arch_shared_to_virt(uint64_t gpa);

/* TSC clock: time 0 is tsc0. */
void arch_tsc_init(uint64_t tsc_hz, uint64_t tsc0);
uint64_t arch_tsc_hz(void);
uint64_t arch_tsc_to_ns(uint64_t tsc_delta);
uint64_t arch_now_ns(void);

/* LAPIC periodic timer at hz on ARCH_VEC_TIMER; enables interrupts on success. */
int arch_timer_init(unsigned hz);
bool arch_timer_running(void);
uint64_t arch_timer_ticks(void);
bool arch_x2apic(void);

extern volatile uint64_t arch_irq_count;   /* external interrupts taken so far */
int arch_irq_set_handler(uint8_t vector, hw_irq_fn fn, void *ctx);
void arch_irq_eoi(void);
void arch_wait_for_interrupt(uint64_t max_ns);

/* Crash report (crash.c) then crash_exit(status); never returns. */
typedef void (*arch_exit_fn)(int status);      /* must not return */
void arch_crash_set_exit(arch_exit_fn crash_exit);
_Noreturn void arch_crash(const struct arch_frame *f);
/* Image symbol lookup: returns the name and sets *off, or NULL. */
const char *arch_symbolize(uint64_t addr, uint64_t *off);

/* entry.asm */
#define ARCH_ISR_STUB_SIZE 16
extern const char arch_isr_stubs[];        /* vector v's stub at + v * 16 */
void arch_gdt_load(const void *gdtr, uint16_t code_sel, uint16_t data_sel, uint16_t tss_sel);
_Noreturn void arch_switch_stack(uint64_t top, void (*fn)(void *), void *arg);

/* Linker-script symbols (linker.ld). */
extern char ImageBase[], _text[], _etext[], _rodata[], _erodata[], _data[], _edata[];

#endif
