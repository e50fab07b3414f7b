# synic/: Hyper-V discovery, hypercall/MSR routes (direct, GHCB, TDVMCALL), the paravisor
# and hypervisor SynICs, message/event scanning, visibility hypercall. Portable over hw.h.
SYNIC_OWN_SRCS := synic/synic_detect.c synic/synic_route.c synic/synic_init.c synic/synic_msg.c
RT_SRCS += $(SYNIC_OWN_SRCS)
# What a host program linking synic/ needs: synic/ and the layer below it (hv/).
SYNIC_SRCS := $(SYNIC_OWN_SRCS) $(HV_SRCS)

# synic/ against a recording fake machine (synic/tests/fakehw.c implements hw.h).
HOST_TESTS += synic_unit
HOST_TEST_SRCS_synic_unit := $(SYNIC_SRCS) lib/fmt.c lib/errno.c synic/tests/fakehw.c \
	synic/tests/synic_test.c

# libFuzzer: hostile SIMP slots and SIEFP bitmaps through the handler into the core.
FUZZ_TARGETS += vmbus_synic
FUZZ_SRCS_vmbus_synic := $(SYNIC_SRCS) lib/fmt.c synic/tests/fakehw.c synic/tests/synic_fuzz.c \
	vmbus/vmbus_msg.c vmbus/vmbus_conn.c vmbus/vmbus_chan.c
FUZZ_CORPUS_vmbus_synic := tests/fuzz/corpus/vmbus_synic

# No lost wakeup in synic_recv, against sim/ (interrupts at any exit).
HOST_TESTS += synic_wake
HOST_TEST_SRCS_synic_wake = $(SYNIC_SRCS) $(SIM_CORE_SRCS) lib/errno.c synic/tests/synic_wake_test.c

# Layering (tools/layers.sh, docs/architecture.md): what synic/ may include.
LAYERS += synic
LAYER_DEPS_synic := lib hv hw
