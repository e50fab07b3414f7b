; SIM images: raise an interrupt through the CPU's IDT with a software INT (the vector
; must be an immediate, hence one 4-byte "int v; ret; nop" entry per vector).
default rel
bits 64

section .note.GNU-stack noalloc noexec nowrite progbits

section .text
global sim_image_int:function hidden

; void sim_image_int(uint8_t vector)  (SysV: vector in dil; clobbers rax, rcx)
sim_image_int:
	movzx eax, dil
	lea rcx, [int_table]
	lea rax, [rcx + rax * 4]
	jmp rax

	align 4
int_table:
%assign v 0
%rep 256
	int v
	ret
	nop
%assign v v + 1
%endrep
