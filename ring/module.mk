# ring/: VMBus ring buffers (portable; same sources in the image and on the host).
RING_SRCS := ring/ring_tx.c ring/ring_rx.c ring/ring_pkt.c ring/ring_pair.c
RT_SRCS += $(RING_SRCS)

# Plain build of ring/ (what the image runs).
HOST_TESTS += ring_unit
HOST_TEST_SRCS_ring_unit := ring/tests/ring_unit.c ring/tests/ring_testlib.c $(RING_SRCS) lib/errno.c

# Randomized model test; RING_MODEL_OPS=N (env) or argv[1] for a longer run.
HOST_TESTS += ring_model
HOST_TEST_SRCS_ring_model := ring/tests/ring_model.c ring/tests/ring_testlib.c $(RING_SRCS)

