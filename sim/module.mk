# sim/: the simulated platform (implements arch/x86_64/hw.h), its unit tests and the
# umbra-sim runner. To run code against the simulator, a test links SIM_SRCS (the machine;
# it also needs lib/fmt.c, listed once by the test; lib/string.h maps to libc on the host).
# SIM_CORE_SRCS = SIM_SRCS + lib/fmt.c for tests that link nothing else from lib/.
SIM_SRCS := sim/sim_core.c sim/sim_cpu.c sim/sim_synic.c \
	sim/sim_hcall.c sim/sim_ghcb.c sim/sim_tdx.c \
	sim/sim_server.c sim/sim_dev.c
SIM_CORE_SRCS := $(SIM_SRCS) lib/fmt.c
# The scripted guest used by the simulator's own tests and the runner (no runtime code).
SIM_GUEST_SRCS := sim/tests/sguest.c

HOST_TESTS += sim_core
HOST_TEST_SRCS_sim_core := $(SIM_CORE_SRCS) $(SIM_GUEST_SRCS) sim/tests/sim_core_test.c
HOST_TESTS += sim_vmbus
HOST_TEST_SRCS_sim_vmbus := $(SIM_CORE_SRCS) $(SIM_GUEST_SRCS) sim/tests/sim_vmbus_test.c
HOST_TESTS += sim_hostile
HOST_TEST_SRCS_sim_hostile := $(SIM_CORE_SRCS) $(SIM_GUEST_SRCS) sim/tests/sim_hostile_test.c

# The SIM image's load-option table and its reading (sim_opts.c), with the runtime's registry.
HOST_TESTS += sim_opts
HOST_TEST_SRCS_sim_opts := $(SIM_CORE_SRCS) rt/options.c sim/sim_opts.c sim/tests/sim_opts_test.c

# The runner; without arguments it self-tests every scenario in every configuration.
HOST_TESTS += sim_runner
HOST_TEST_SRCS_sim_runner := $(SIM_CORE_SRCS) $(SIM_GUEST_SRCS) sim/tools/scenarios.c sim/tools/runner.c
$(HOST_BUILD)/umbra-sim: $(HOST_TEST_SRCS_sim_runner) $(wildcard sim/*.h sim/tests/*.h sim/tools/*.h) | $(HOST_BUILD)/tests
	$(HOST_CC) $(HOST_CFLAGS) $(HOST_TEST_SRCS_sim_runner) -o $@ $(HOST_LDFLAGS)
host-tests: $(HOST_BUILD)/umbra-sim

# SIM images (umbra.mk: build/sim/apps/NAME/umbra.efi): the simulator plus its image glue
# (the machine in a block of real RAM, interrupts through the CPU's IDT; docs/sim.md).
RT_SRCS_SIM += $(SIM_SRCS) sim/sim_opts.c sim/sim_image.c sim/sim_image_int.asm

# Layering (tools/layers.sh, docs/architecture.md): what sim/ may include.
LAYERS += sim
LAYER_DEPS_sim := lib hw
# The SIM image glue registers the simulator into the runtime (rt_platform_hooks) and
# raises its interrupts through the real CPU's IDT: it is
# the one file of sim/ that sees the runtime's headers.
LAYER_ALLOW += sim/sim_image.c:rt/runtime.h sim/sim_image.c:mem/mem.h sim/sim_image.c:hv/ident.h \
	sim/sim_image.c:arch/x86_64/arch.h sim/sim_image.c:arch/x86_64/cpu.h
# The image's option table is a table of the runtime's registry (struct rt_option only).
LAYER_ALLOW += sim/sim_image.c:rt/options.h sim/sim_opts.h:rt/options.h
