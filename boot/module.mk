# boot/: the bottom of the image: UEFI entry (efi_main.c), the memory map, power-off and
# the raw console. The kernel entry it jumps to (boot_kernel_main) is rt/'s.
RT_SRCS += boot/efi_main.c boot/memmap.c boot/poweroff.c boot/console.c boot/cmdline.c \
	boot/optpath.c boot/efi_time.c

HOST_TESTS += boot_memmap
HOST_TEST_SRCS_boot_memmap := boot/memmap.c boot/tests/memmap_test.c

FUZZ_TARGETS += boot_memmap
FUZZ_SRCS_boot_memmap := boot/memmap.c boot/tests/memmap_fuzz.c
FUZZ_CORPUS_boot_memmap := tests/fuzz/corpus/boot_memmap

HOST_TESTS += boot_efi_time
HOST_TEST_SRCS_boot_efi_time := boot/efi_time.c boot/tests/efi_time_test.c

HOST_TESTS += boot_cmdline
HOST_TEST_SRCS_boot_cmdline := boot/cmdline.c boot/optpath.c boot/tests/cmdline_test.c

FUZZ_TARGETS += boot_cmdline
FUZZ_SRCS_boot_cmdline := boot/cmdline.c boot/optpath.c boot/tests/cmdline_fuzz.c
FUZZ_CORPUS_boot_cmdline := tests/fuzz/corpus/boot_cmdline

# Layering (tools/layers.sh, docs/architecture.md): what boot/ may include.
LAYERS += boot
LAYER_DEPS_boot := lib arch hv
