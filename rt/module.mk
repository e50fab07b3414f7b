# rt/: the composition root. The kernel entry boot/ jumps to (kernel.c: brings the layers
# up, registers what they need from above, calls app_main), the include/umbra/umbra.h
# implementation (runtime.c) and the VMBus bring-up (vmbus_up.c; host tests link it too,
# see vmbus/module.mk). The platform hooks: rt/hooks_none.c in production images,
# sim/sim_image.c in SIM images (RT_SRCS_SIM).
RT_SRCS += rt/kernel.c rt/runtime.c rt/vmbus_up.c rt/options.c rt/options_boot.c \
	rt/walltime.c
RT_SRCS_REAL += rt/hooks_none.c

HOST_TESTS += rt_options
HOST_TEST_SRCS_rt_options := rt/options.c rt/tests/options_test.c

HOST_TESTS += rt_walltime
HOST_TEST_SRCS_rt_walltime := rt/walltime.c boot/efi_time.c rt/tests/walltime_test.c

# Layering (tools/layers.sh, docs/architecture.md): what rt/ may include.
LAYERS += rt
LAYER_DEPS_rt := lib hv arch boot mem ring synic vmbus
