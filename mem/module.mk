# mem/: physical page allocator and heap (portable: image + host tests).
RT_SRCS += mem/pages.c mem/heap.c mem/heap_reg.c

MEM_SRCS := mem/pages.c mem/heap.c mem/heap_reg.c mem/test/arena.c
HOST_TESTS += mem_pages mem_heap
HOST_TEST_SRCS_mem_pages := $(MEM_SRCS) mem/test/test_pages.c
HOST_TEST_SRCS_mem_heap := $(MEM_SRCS) mem/test/test_heap.c

BENCH_PROGS += mem_bench
BENCH_SRCS_mem_bench := mem/pages.c mem/heap.c mem/heap_reg.c mem/test/bench_mem.c

FUZZ_TARGETS += mem_ops
FUZZ_SRCS_mem_ops := mem/pages.c mem/heap.c mem/heap_reg.c mem/test/arena.c mem/test/fuzz_mem.c
