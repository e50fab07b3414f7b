# vmbus/: wire formats, host-message parser, protocol core (connection, offers, GPADLs,
# channels), the public client API.
VMBUS_CORE_SRCS := vmbus/vmbus_msg.c vmbus/vmbus_conn.c vmbus/vmbus_chan.c
RT_SRCS += $(VMBUS_CORE_SRCS)

HOST_TESTS += vmbus_core
HOST_TEST_SRCS_vmbus_core := $(VMBUS_CORE_SRCS) lib/errno.c vmbus/tests/script.c \
	vmbus/tests/vmbus_core_test.c

FUZZ_TARGETS += vmbus_msg
FUZZ_SRCS_vmbus_msg := $(VMBUS_CORE_SRCS) vmbus/tests/vmbus_msg_fuzz.c
