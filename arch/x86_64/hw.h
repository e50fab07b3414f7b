/*
 * The hardware seam: every way the portable layers (synic/, vmbus/, mem/, ring/)
 * touch the machine. arch/x86_64/hw_real*.c implements it with real instructions;
 * sim/ implements it as a simulated Hyper-V + OpenHCL + SNP/TDX machine.
 * Exactly one implementation is linked; there is no indirection.
 *
 * Contracts common to both implementations:
 *  - Physical addresses are guest physical addresses (GPAs). With a shared-GPA boundary
 *    B (CPUID 0x4000000C, vTOM model), GPA g | B names the host-visible alias of the
 *    page g; hw_phys_to_virt() accepts both forms and hw_virt_to_phys() gives back the
 *    form the VA was made from. Touching a page through the alias it is not currently
 *    visible as (host-visible vs. private) faults or reads ciphertext: the caller's job.
 *  - Nothing here allocates memory or blocks without a bound.
 */
#ifndef UMBRA_ARCH_HW_H
#define UMBRA_ARCH_HW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* CPUID leaf/subleaf. out[0..3] = EAX, EBX, ECX, EDX. */
void hw_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4]);

/* Plain rdmsr/wrmsr. In a paravisor CVM these trap to the paravisor (trusted path). */
uint64_t hw_rdmsr(uint32_t msr);
void hw_wrmsr(uint32_t msr, uint64_t value);

/*
 * Hypercall through the hypercall page the guest enabled with HV_X64_MSR_HYPERCALL
 * (direct route; traps to the paravisor in a CVM). `page` is the virtual address of
 * that page. RCX = control, RDX = input (GPA for slow calls, value for fast calls),
 * R8 = output (GPA or value). Returns RAX (status in bits 15:0, reps in 43:32).
 */
uint64_t hw_hypercall(const void *page, uint64_t control, uint64_t input, uint64_t output);

/*
 * SEV-SNP. The GHCB MSR (0xC0010130) is read/written with hw_rdmsr/hw_wrmsr; the GHCB
 * page itself is ordinary host-visible memory reached via hw_phys_to_virt(). hw_vmgexit
 * executes VMGEXIT (rep vmmcall) and returns after the hypervisor resumes the guest.
 */
void hw_vmgexit(void);

/*
 * PVALIDATE on the 4 KiB (huge=false) or 2 MiB page at virtual address va.
 * Returns the instruction's RAX (0 success, 1 FAIL_INPUT, 6 FAIL_SIZEMISMATCH);
 * *unchanged is set from RFLAGS.CF (the validated state was already as requested).
 */
uint32_t hw_pvalidate(uint64_t va, bool huge, bool validate, bool *unchanged);

/* TDX: TDCALL with every register the ABI uses. Returns RAX (completion status). */
struct hw_tdcall_regs {
	uint64_t rax, rcx, rdx, r8, r9, r10, r11, r12, r13, r14, r15, rbx, rsi, rdi;
};
uint64_t hw_tdcall(struct hw_tdcall_regs *regs);

/* Port I/O. */
uint8_t hw_inb(uint16_t port);
void hw_outb(uint16_t port, uint8_t value);
uint32_t hw_inl(uint16_t port);
void hw_outl(uint16_t port, uint32_t value);

/*
 * Interrupts. hw_irq_set_handler() installs fn for an external vector (32..255);
 * fn runs with interrupts disabled and must be short. hw_irq_eoi() acknowledges the
 * local APIC (not needed for auto-EOI SINTs). hw_wait_for_interrupt() enables
 * interrupts, halts until one arrives or about `max_ns` passes, then restores the
 * previous interrupt state. It may return early and spuriously.
 *
 * No lost wakeup: called with interrupts disabled, the enable and the wait are atomic.
 * A caller that checks its condition with interrupts disabled (hw_irq_save_disable) and
 * then calls hw_wait_for_interrupt cannot miss an interrupt that arrives after the
 * check: it stays pending until the enable, is then taken (its handler has run before
 * this returns) and ends the wait. Real machine: `sti; hlt` as one instruction pair (STI
 * holds interrupts off for one more instruction, so the pending one wakes the halt), or,
 * for waits shorter than a timer tick or without a running timer, `sti` then polling a
 * count of taken interrupts read before the `sti`. It returns with interrupts disabled
 * again. Called with interrupts enabled there is no such promise: an interrupt between
 * the caller's check and the call is handled, but the wait then lasts until the next
 * interrupt or `max_ns` (the timer tick bounds it).
 */
typedef void (*hw_irq_fn)(void *ctx);
int hw_irq_set_handler(uint8_t vector, hw_irq_fn fn, void *ctx);
void hw_irq_eoi(void);
bool hw_irq_save_disable(void);       /* returns previous IF */
void hw_irq_restore(bool enabled);
void hw_wait_for_interrupt(uint64_t max_ns);

/*
 * Address translation of RAM. Real machine (hw_real.c, arch/x86_64/alias.h):
 *  - Private GPAs g are identity-mapped below the top of the page tables (the EFI memory
 *    map's top rounded up to 1 GiB, at least 4 GiB); above it the identity VA is
 *    returned but unmapped (faults on use).
 *  - g | B maps to the alias window VA 2^46 + g (the identity for SNP's vTOM at bit 46;
 *    TDX's bit 47 is not a canonical VA), RW + NX, cached, for every g below
 *    min(B, 2^46): below the tables' top from boot; above it (host-visible pages the
 *    paravisor keeps outside the memory map: OpenHCL's shared pool at the top of RAM
 *    holds the GHCB, SIMP and SIEFP overlays) the first translation maps the 2 MiB
 *    page of the alias holding g. That takes a page-table page per GiB from a reserve
 *    of 8; NULL when the reserve is used up, for g >= min(B, 2^46), and never a private
 *    mapping. Such pages stay mapped. Translations below the top, and of pages already
 *    mapped, never change the tables and may be made anywhere, interrupt handlers
 *    included. The first translation of a page above the top is for thread context at
 *    bring-up (SynIC overlays, GHCB), not for interrupt handlers: it updates the tables
 *    with interrupts disabled and flushes that TLB entry before it returns.
 *  - Without a boundary (QEMU, Hyper-V without isolation) both are the identity.
 *  - hw_virt_to_phys of a window VA returns (va - 2^46) | B, whichever way it was
 *    mapped; any other VA is returned as the GPA (identity).
 */
void *hw_phys_to_virt(uint64_t gpa);
uint64_t hw_virt_to_phys(const void *va);

/* Monotonic clock in nanoseconds since boot. */
uint64_t hw_now_ns(void);

/* Barriers. Full memory barrier and compiler barrier. */
static inline void hw_mb(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
static inline void hw_barrier(void) { __atomic_signal_fence(__ATOMIC_SEQ_CST); }

#endif
