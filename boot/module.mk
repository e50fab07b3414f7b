RT_SRCS += boot/efi_main.c boot/kernel.c boot/memmap.c boot/runtime.c boot/poweroff.c
