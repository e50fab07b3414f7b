# vmbus/: wire formats, host-message parser, protocol core (connection, offers, GPADLs,
# channels), the public client API (include/umbra/vmbus.h).
VMBUS_CORE_SRCS := vmbus/vmbus_msg.c vmbus/vmbus_conn.c vmbus/vmbus_chan.c
VMBUS_API_SRCS := $(VMBUS_CORE_SRCS) vmbus/vmbus_api.c vmbus/vmbus_io.c vmbus/vmbus_rx.c \
	vmbus/vmbus_xfer.c vmbus/vmbus_policy.c
RT_SRCS += $(VMBUS_API_SRCS)

# GUID text form, comparison, class names (include/umbra/vmbus_guid.h): no state. The
# test checks every class GUID against the text its source prints; the parser takes
# untrusted text (load options), hence the fuzz target.
RT_SRCS += vmbus/vmbus_guid.c
HOST_TESTS += vmbus_guid
HOST_TEST_SRCS_vmbus_guid := vmbus/vmbus_guid.c vmbus/tests/vmbus_guid_test.c
FUZZ_TARGETS += vmbus_guid
FUZZ_SRCS_vmbus_guid := vmbus/vmbus_guid.c vmbus/tests/vmbus_guid_fuzz.c
FUZZ_CORPUS_vmbus_guid := tests/fuzz/corpus/vmbus_guid

# Protocol core against a scripted server (exact bytes, hostile cases).
HOST_TESTS += vmbus_core
HOST_TEST_SRCS_vmbus_core := $(VMBUS_CORE_SRCS) lib/errno.c vmbus/tests/script.c \
	vmbus/tests/vmbus_core_test.c

# Public API against a reactive fake host with echo devices (ring/ on the host side).
HOST_TESTS += vmbus_api
HOST_TEST_SRCS_vmbus_api := $(VMBUS_API_SRCS) ring/ring_tx.c ring/ring_rx.c ring/ring_pkt.c \
	ring/ring_pair.c lib/errno.c lib/fmt.c mem/bounce.c vmbus/tests/vmbus_api_test.c

FUZZ_TARGETS += vmbus_msg
FUZZ_SRCS_vmbus_msg := $(VMBUS_CORE_SRCS) vmbus/tests/vmbus_msg_fuzz.c
FUZZ_CORPUS_vmbus_msg := tests/fuzz/corpus/vmbus_msg

# The runtime's bring-up (synic/ transport, mem/ pages, connect/fallback) is rt/vmbus_up.c
# (rt/module.mk puts it in the image); the tests below link it against sim/ and
# make it the bring-up in vmbus/tests/simhost.c (vmbus_platform_ops).

# End to end against sim/: every configuration, echo over a confidential and a
# relayed channel through the public API, hostile cases, leak checker on.
VMBUS_E2E_SIM := $(SIM_CORE_SRCS) vmbus/tests/simhost.c rt/options.c
HOST_TESTS += vmbus_e2e
HOST_TEST_SRCS_vmbus_e2e := $(VMBUS_E2E_SIM) $(MEM_SRCS) \
	$(RING_SRCS) lib/errno.c $(SYNIC_SRCS) $(VMBUS_API_SRCS) rt/vmbus_up.c \
	vmbus/tests/vmbus_e2e_test.c

# Confidential data never host-visible: three channel kinds, canaries both ways in-band
# and GPA-direct, 0xDB failures, rescind while shared, pool exhaustion, deliberate leak.
HOST_TESTS += vmbus_conf
HOST_TEST_SRCS_vmbus_conf := $(VMBUS_E2E_SIM) $(MEM_SRCS) $(RING_SRCS) lib/errno.c $(SYNIC_SRCS) \
	$(VMBUS_API_SRCS) rt/vmbus_up.c vmbus/tests/vmbus_conf_test.c

# `make bench`: host exits per open/close by channel kind and ring size, signals per
# 10,000 streamed packets, each next to the protocol minimum (counts from sim/).
BENCH_PROGS += vmbus_bench
BENCH_SRCS_vmbus_bench := $(VMBUS_E2E_SIM) $(MEM_SRCS) \
	$(RING_SRCS) lib/errno.c $(SYNIC_SRCS) $(VMBUS_API_SRCS) rt/vmbus_up.c \
	vmbus/tests/vmbus_bench.c

# The host cannot speak for the paravisor: forged control messages in the hypervisor SIMP
# of a confidential connection and host-named SynIC pages, on SNP and TDX (sim/).
HOST_TESTS += vmbus_forge
HOST_TEST_SRCS_vmbus_forge := $(VMBUS_E2E_SIM) $(MEM_SRCS) $(RING_SRCS) lib/errno.c $(SYNIC_SRCS) \
	$(VMBUS_API_SRCS) rt/vmbus_up.c vmbus/tests/vmbus_forge_test.c

# The message table (vmbus_wire.h VMBUS_MSG_TABLE) against the structs, Linux and openvmm;
# the parser walked over every type and length.
HOST_TESTS += vmbus_table
HOST_TEST_SRCS_vmbus_table := vmbus/vmbus_msg.c lib/errno.c vmbus/tests/vmbus_table_test.c

# Layering (tools/layers.sh, docs/architecture.md): what vmbus/ may include.
LAYERS += vmbus
LAYER_DEPS_vmbus := lib mem ring synic
