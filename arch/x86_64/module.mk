RT_SRCS += arch/x86_64/entry.asm arch/x86_64/gdt.c arch/x86_64/idt.c arch/x86_64/crash.c \
	arch/x86_64/crash_hv.c arch/x86_64/image_id.c arch/x86_64/image.c \
	arch/x86_64/paging.c arch/x86_64/paging_build.c arch/x86_64/alias.c \
	arch/x86_64/serial.c arch/x86_64/tsc.c arch/x86_64/apic.c
# The real hw.h implementation; SIM images link sim/'s instead (RT_SRCS_SIM).
RT_SRCS_REAL += arch/x86_64/hw_real.c arch/x86_64/hw_tdcall.asm

HOST_TESTS += arch_paging
HOST_TEST_SRCS_arch_paging := arch/x86_64/paging_build.c arch/x86_64/tests/paging_test.c
HOST_TESTS += arch_alias
HOST_TEST_SRCS_arch_alias := arch/x86_64/alias.c hv/ident.c arch/x86_64/tests/alias_test.c
HOST_TESTS += arch_crash_hv
HOST_TEST_SRCS_arch_crash_hv := arch/x86_64/crash_hv.c arch/x86_64/tests/crash_hv_test.c
HOST_TESTS += arch_image_id
HOST_TEST_SRCS_arch_image_id := arch/x86_64/image_id.c arch/x86_64/tests/image_id_test.c

# Layering (tools/layers.sh, docs/architecture.md): what arch/ may include.
LAYERS += arch
LAYER_DEPS_arch := lib hv
