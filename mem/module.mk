# mem/: physical page allocator and heap (portable: image + host tests).
# MEM_SRCS: what another layer's host test links to get mem/ (all three belong together;
# mem_page_reset() also resets the heap). The test supplies hw_phys_to_virt/hw_virt_to_phys
# (sim/ does; mem/tests/arena.c is mem's own small seam).
MEM_SRCS := mem/pages.c mem/heap.c mem/heap_reg.c mem/vis.c mem/bounce.c
RT_SRCS += $(MEM_SRCS)

HOST_TESTS += mem_pages mem_heap mem_vis
HOST_TEST_SRCS_mem_pages := $(MEM_SRCS) mem/tests/arena.c mem/tests/pages_test.c
HOST_TEST_SRCS_mem_heap := $(MEM_SRCS) mem/tests/arena.c mem/tests/heap_test.c
HOST_TEST_SRCS_mem_vis := $(MEM_SRCS) mem/tests/arena.c mem/tests/vis_test.c

FUZZ_TARGETS += mem_ops
FUZZ_SRCS_mem_ops := $(MEM_SRCS) mem/tests/arena.c mem/tests/mem_fuzz.c

BENCH_PROGS += mem_bench
BENCH_SRCS_mem_bench := $(MEM_SRCS) mem/tests/mem_bench.c

# Layering (tools/layers.sh, docs/architecture.md): what mem/ may include.
LAYERS += mem
LAYER_DEPS_mem := lib hw
