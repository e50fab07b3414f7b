; hw_tdcall (hw.h) for the real machine; SIM images link sim/'s instead.
default rel
bits 64

section .note.GNU-stack noalloc noexec nowrite progbits

section .text
global hw_tdcall:function hidden

; uint64_t hw_tdcall(struct hw_tdcall_regs *regs)
; Offsets follow struct hw_tdcall_regs: rax rcx rdx r8 r9 r10 r11 r12 r13 r14 r15 rbx rsi rdi.
hw_tdcall:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rdi
	mov rax, [rdi + 0]
	mov rcx, [rdi + 8]
	mov rdx, [rdi + 16]
	mov r8, [rdi + 24]
	mov r9, [rdi + 32]
	mov r10, [rdi + 40]
	mov r11, [rdi + 48]
	mov r12, [rdi + 56]
	mov r13, [rdi + 64]
	mov r14, [rdi + 72]
	mov r15, [rdi + 80]
	mov rbx, [rdi + 88]
	mov rsi, [rdi + 96]
	mov rdi, [rdi + 104]
	db 0x66, 0x0f, 0x01, 0xcc    ; tdcall
	xchg rdi, [rsp]
	mov [rdi + 0], rax
	mov [rdi + 8], rcx
	mov [rdi + 16], rdx
	mov [rdi + 24], r8
	mov [rdi + 32], r9
	mov [rdi + 40], r10
	mov [rdi + 48], r11
	mov [rdi + 56], r12
	mov [rdi + 64], r13
	mov [rdi + 72], r14
	mov [rdi + 80], r15
	mov [rdi + 88], rbx
	mov [rdi + 96], rsi
	pop rsi
	mov [rdi + 104], rsi
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

