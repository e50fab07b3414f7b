# ring/: VMBus ring buffers (portable; same sources in the image and on the host).
RING_SRCS := ring/ring_tx.c ring/ring_rx.c ring/ring_pkt.c ring/ring_pair.c
RT_SRCS += $(RING_SRCS)

# Plain build of ring/ (what the image runs).
HOST_TESTS += ring_unit
HOST_TEST_SRCS_ring_unit := ring/tests/ring_unit_test.c ring/tests/ring_testlib.c $(RING_SRCS) lib/errno.c

# Randomized model test; RING_MODEL_OPS=N (env) or argv[1] for a longer run.
HOST_TESTS += ring_model
HOST_TEST_SRCS_ring_model := ring/tests/ring_model_test.c ring/tests/ring_testlib.c $(RING_SRCS)


# ring/ compiled with RING_SHARED_TRACE: every shared access is counted and checked.
HOST_TESTS += ring_trace
HOST_TEST_SRCS_ring_trace := ring/tests/ring_trace_test.c ring/tests/ring_testlib.c \
	ring/tests/ring_trace.c ring/tests/ring_traced.c

# Fuzz: input = control words + data area; and a hostile host acting between the
# reader's steps (traced build). Seeds in tests/fuzz/corpus/<target>/.
FUZZ_TARGETS += ring_fuzz_image ring_fuzz_hostile
FUZZ_SRCS_ring_fuzz_image := ring/tests/ring_image_fuzz.c $(RING_SRCS)
FUZZ_CORPUS_ring_fuzz_image := tests/fuzz/corpus/ring_fuzz_image
FUZZ_SRCS_ring_fuzz_hostile := ring/tests/ring_hostile_fuzz.c ring/tests/ring_trace.c \
	ring/tests/ring_traced.c
FUZZ_CORPUS_ring_fuzz_hostile := tests/fuzz/corpus/ring_fuzz_hostile

# make bench: two-thread throughput vs memcpy and a bare SPSC ring (ring/tests/ring_bench.c).
BENCH_PROGS += ring_bench
BENCH_SRCS_ring_bench := ring/tests/ring_bench.c $(RING_SRCS)

# Layering (tools/layers.sh, docs/architecture.md): what ring/ may include.
LAYERS += ring
LAYER_DEPS_ring := lib
