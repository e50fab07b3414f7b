# hv/: the bottom layer's Hyper-V knowledge: TLFS constants (hv/tlfs.h) and the one
# identification of the hypervisor from CPUID (hv/ident.h), read by arch/, boot/, synic/.
HV_SRCS := hv/ident.c
RT_SRCS += $(HV_SRCS)

# Identification against scripted CPUID tables (no hypervisor, QEMU, Hyper-V, SNP/TDX
# with a paravisor, refused boundaries, the boundary rule at its edges).
HOST_TESTS += hv_ident
HOST_TEST_SRCS_hv_ident := $(HV_SRCS) hv/tests/ident_test.c

# Layering (tools/layers.sh): hv/ is the bottom; it uses lib/ headers only.

# Layering (tools/layers.sh, docs/architecture.md): what hv/ may include.
LAYERS += hv
LAYER_DEPS_hv := lib
