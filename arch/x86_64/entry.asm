; Interrupt/exception entry stubs, GDT load, stack switch.
; Position independent: rel addressing only, no absolute addresses (no relocations).
; Every vector's stub is exactly ARCH_ISR_STUB_SIZE (16) bytes from arch_isr_stubs, so
; the IDT is filled with arch_isr_stubs + 16 * vector instead of a pointer table.
default rel
bits 64

section .note.GNU-stack noalloc noexec nowrite progbits

section .text

extern arch_trap
global arch_isr_stubs:function hidden
global arch_gdt_load:function hidden
global arch_switch_stack:function hidden

; Vectors whose exceptions push an error code.
%define HAS_ERR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

%macro ISR 1
isr_%1:
%if HAS_ERR(%1)
	push %1
%else
	push 0
	push %1
%endif
	jmp near isr_common
	times 16 - ($ - isr_%1) int3    ; fails to assemble if a stub outgrows 16 bytes
%endmacro

	align 16
arch_isr_stubs:
%assign v 0
%rep 256
	ISR v
%assign v v + 1
%endrep

; Stack on entry: vector, error, rip, cs, rflags, rsp, ss (struct arch_frame tail).
; Saves every GPR, then the x87/SSE state with fxsave64 (so interrupt handlers may be
; ordinary C compiled with SSE), calls arch_trap(frame), restores and returns.
isr_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	mov rbx, rsp                 ; struct arch_frame *
	sub rsp, 512
	and rsp, -64
	fxsave64 [rsp]
	cld
	mov rdi, rbx
	mov rbp, [rbx + 8 * 8]       ; interrupted rbp: backtraces walk through the trap
	call arch_trap
	fxrstor64 [rsp]
	mov rsp, rbx
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16                  ; vector, error code
	iretq

; void arch_gdt_load(const void *gdtr, uint16_t code_sel, uint16_t data_sel, uint16_t tss_sel)
arch_gdt_load:
	lgdt [rdi]
	mov ds, dx
	mov es, dx
	mov ss, dx
	xor eax, eax
	mov fs, ax
	mov gs, ax
	movzx rsi, si
	push rsi
	lea rax, [rel .reload]
	push rax
	retfq
.reload:
	ltr cx
	ret

; _Noreturn void arch_switch_stack(uint64_t top, void (*fn)(void *), void *arg)
arch_switch_stack:
	mov rsp, rdi
	xor ebp, ebp
	mov rdi, rdx
	push 0                       ; no return address: ends backtraces, aligns the stack
	jmp rsi
