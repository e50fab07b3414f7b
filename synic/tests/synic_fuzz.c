/* libFuzzer target: hostile SynIC pages. The input is written into both SIMP slot 2 and
 * both SIEFP SINT2 bitmaps of a paravisor-first SNP machine (synic/tests/fakehw.c), the
 * SINT2 handler runs, and every queued message goes through the protocol core. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "synic/tests/fakehw.h"
#include "synic/synic.h"
#include "vmbus/vmbus_conn.h"
#include <umbra/errno.h>

static int fz_alloc(uint64_t *gpa) { *gpa = fake_page(); return *gpa ? 0 : UMBRA_ENOMEM; }
static const struct synic_pages fz_pages = { .alloc = fz_alloc };
static uint32_t fz_events;
static void fz_event(uint32_t relid)
{
	if (relid == 0 || relid > 2047)
		__builtin_trap();
	fz_events++;
}

static uint16_t t_post(void *c, bool d, uint32_t id, const void *m, size_t l) { (void)c; (void)d; (void)id; (void)m; (void)l; return 0; }
static uint16_t t_signal(void *c, uint32_t id) { (void)c; (void)id; return 0; }
static int t_recv(void *c, void *b, size_t cap, uint64_t t) { (void)c; return synic_recv(b, cap, t); }
static uint64_t t_now(void *c) { (void)c; return hw_now_ns(); }
static const struct vmbus_transport fz_tp = { .post = t_post, .signal = t_signal, .recv = t_recv, .now_ns = t_now };
static struct vmbus_conn fz_conn;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	synic_shutdown();
	fake_init(2);
	struct synic_config cfg;
	if (synic_detect(&cfg) || synic_init(&cfg, &fz_pages, true))
		__builtin_trap();
	synic_set_event_handler(fz_event);
	vmbus_conn_init(&fz_conn, &fz_tp);
	fz_conn.connected = fz_conn.confidential = true;
	fz_conn.msg_conn_id = 1;
	uint8_t *pv_simp = hw_phys_to_virt(F.pv_msr[0x83] & ~0xFFFull);
	uint8_t *hv_simp = hw_phys_to_virt(F.hv_msr[0x83] & ~0xFFFull);
	uint8_t *pv_siefp = hw_phys_to_virt(F.pv_msr[0x82] & ~0xFFFull);
	uint8_t *hv_siefp = hw_phys_to_virt(F.hv_msr[0x82] & ~0xFFFull);
	/* rounds of: 1 selector byte, then up to 256 bytes for a slot or a bitmap */
	while (size > 1) {
		uint8_t sel = data[0];
		size_t n = size - 1 < 256 ? size - 1 : 256;
		uint8_t *dst = (sel & 3) == 0 ? pv_simp + 512 : (sel & 3) == 1 ? hv_simp + 512 :
			       (sel & 3) == 2 ? pv_siefp + 512 : hv_siefp + 512;
		memcpy(dst, data + 1, n);
		data += 1 + n;
		size -= 1 + n;
		if (F.irq_fn)
			F.irq_fn(F.irq_ctx);
		vmbus_conn_poll(&fz_conn);
	}
	return 0;
}
