RT_SRCS += boot/efi_main.c boot/kernel.c boot/memmap.c boot/runtime.c boot/poweroff.c

HOST_TESTS += boot_memmap
HOST_TEST_SRCS_boot_memmap := boot/memmap.c boot/memmap_test.c

FUZZ_TARGETS += boot_memmap
FUZZ_SRCS_boot_memmap := boot/memmap.c boot/memmap_fuzz.c
FUZZ_CORPUS_boot_memmap := tests/fuzz/corpus/boot_memmap
