/* Unity build of ring/ with every shared-memory access routed through the ring_trace_*
 * hooks (ring/tests/ring_trace.c). Test and fuzz builds only; never in the image. */
#define RING_SHARED_TRACE 1
#include "ring/ring_tx.c"
#include "ring/ring_rx.c"
#include "ring/ring_pkt.c"
#include "ring/ring_pair.c"
