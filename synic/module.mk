# synic/: Hyper-V discovery, hypercall/MSR routes (direct, GHCB, TDVMCALL), the paravisor
# and hypervisor SynICs, message/event scanning, visibility hypercall. Portable over hw.h.
SYNIC_SRCS := synic/synic_detect.c synic/synic_route.c synic/synic_init.c synic/synic_msg.c
RT_SRCS += $(SYNIC_SRCS)
