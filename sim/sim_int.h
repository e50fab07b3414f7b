/* Simulator internals shared by the sim/ sources. Not for tests or the runtime. */
#ifndef UMBRA_SIM_INT_H
#define UMBRA_SIM_INT_H

#include "sim/sim.h"
#include "sim/sim_wire.h"
#include "arch/x86_64/hw.h"

/* Who touches guest memory (enforcement). */
enum sim_who {
	WHO_HOST,        /* host / hypervisor: host-visible pages only */
	WHO_PV_PRIVATE,  /* paravisor, private-only view (confidential rings / buffers) */
	WHO_PV_ANY,      /* paravisor, any page (trusted hypercall input) */
};

enum sim_route { ROUTE_DIRECT, ROUTE_GHCB, ROUTE_TDCALL, ROUTE_INTERNAL };

struct sim_synic {
	bool is_pv;
	uint64_t scontrol, simp, siefp, sint[16];
	uint64_t preset_simp, preset_siefp;   /* paravisor-provided pages (hypervisor SynIC) */
	unsigned writes_scontrol, writes_simp, writes_siefp;
	uint8_t simp_overlay[4096], siefp_overlay[4096];
	struct {
		uint8_t msg[SIM_SINT_QUEUE_DEPTH][256];
		unsigned head, count;
	} q[16];
};

struct sim_vp {
	struct sim_synic pv, hv;
	uint64_t os_id_pv, os_id_hv, hypercall, vp_assist;
};

struct sim_inmsg {
	uint64_t due;
	uint32_t conn;
	bool trusted;
	uint32_t size;
	uint8_t data[240];
};

struct sim_outmsg {
	uint64_t due;
	uint64_t seq;
	uint32_t vp;
	uint8_t sint;
	bool valid;
	uint32_t size;
	uint8_t data[240];
};

struct sim_gpadl {
	bool used;
	bool complete;
	bool teardown_pending;
	uint32_t id, relid;
	uint16_t range_len, range_count;
	uint32_t need;   /* total u64s expected (range headers + pfns) */
	uint32_t have;
	uint64_t data[SIM_GPADL_MAX_PFNS];
};

struct sim_ring {
	uint64_t pfn[SIM_GPADL_MAX_PFNS / 2];  /* page 0 = control */
	uint32_t npages;
	uint32_t dsize;
	enum sim_who who;
};

struct sim_chan {
	enum sim_chan_state state;
	struct sim_device_desc desc;
	uint32_t relid;
	uint16_t offer_flags;
	bool conf_ring, conf_ext, corrupt;
	uint32_t gpadl, open_id, target_vp, conn_id;
	uint16_t event_flag;
	struct sim_ring in;   /* guest -> host */
	struct sim_ring out;  /* host -> guest */
	bool reader_unmasked; /* server believes g2h interrupt_mask == 0 */
	bool blocked;         /* server waiting for h2g space */
	uint64_t dev_due, unstick_due;
	uint64_t packets_in, packets_out, signals_in, signals_out;
	uint32_t flip_saved; bool flip_active;
	uint64_t rescind_packets, rescind_ns; /* sim_rescind_after schedule (0 = none) */
};

struct sim_server {
	bool connected, trusted, offers_sent, paused;
	uint32_t version, features, target_vp, target_sint;
	unsigned target_ivp;   /* simulator VP of target_vp (a VP index) */
	struct sim_inmsg inbox[SIM_SERVER_INBOX];
	unsigned in_head, in_count;
	struct sim_outmsg outbox[128];
	uint64_t out_seq, pause_seq;
	uint64_t msgs_in, dropped_untrusted, dropped_invalid, msgs_out;
};

struct sim_canary { uint8_t b[SIM_CANARY_MAX]; uint32_t len; bool used; };

struct sim_state {
	bool up;
	struct sim_config cfg;
	uint8_t *ram;
	uint64_t ram_pages;
	uint64_t boundary;
	uint8_t vis[SIM_ARENA_BYTES / 4096];
	uint64_t now;
	uint64_t clock_base;           /* cfg.clock() at sim_init */
	uint64_t rng;
	uint64_t now_calls;
	struct sim_vp vp[SIM_MAX_VPS];
	unsigned cur_vp;
	/* interrupts */
	bool if_on, in_handler;
	uint8_t irq_pending[32];
	struct { hw_irq_fn fn; void *ctx; } irq[256];
	/* SNP */
	uint64_t ghcb_msr, ghcb_gpa;   /* ghcb_gpa = provided page (no boundary bit) */
	uint64_t plat_gpa;             /* first platform-owned page (top of RAM) */
	bool ghcb_negotiated;          /* SEV_INFO exchanged (SNP paravisor configurations) */
	/* server + channels */
	struct sim_server srv;
	struct sim_chan chan[SIM_MAX_CHANNELS];
	struct sim_gpadl gpadl[SIM_MAX_GPADLS];
	uint32_t busy_left;
	/* leak checker */
	struct sim_canary canary[SIM_MAX_CANARIES];
	struct sim_leak_report leak;
	uint64_t leak_seen[SIM_MAX_CANARIES]; /* last reported page per canary (+1) */
	/* health */
	struct sim_stats st;
	struct sim_termination term;
	char problem[160];
	uint64_t trace_n;
	bool stepping;
	uint8_t validated[SIM_ARENA_BYTES / 4096 / 8];
	char con[128];
	unsigned con_len;
};

extern struct sim_state sim_g;
#define S (&sim_g)

/* core */
uint64_t sim_rand(void);
bool sim_chance(uint16_t pm);
void sim_logf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sim_fault(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sim_guest_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sim_hostile_note(void);
bool sim_is_cvm(void);
bool sim_is_paravisor(void);
bool sim_is_legacy(void);
bool sim_is_snp(void);
bool sim_is_tdx(void);
bool sim_has_hv(void);
bool sim_is_enlightened(void);   /* SNP or TDX without a paravisor (SIM_SNP, SIM_TDX) */
/* memory */
bool sim_gpa_ram(uint64_t gpa_noalias);
int sim_mem_rw(uint64_t gpa, void *buf, size_t len, enum sim_who who, bool write);
uint8_t *sim_ram_ptr(uint64_t gpa); /* NULL if not RAM; strips the boundary bit */
int sim_change_vis(uint64_t pfn, enum sim_vis vis);
/* time / steps */
void sim_enter(void);      /* start of a guest exit */
void sim_leave(void);      /* end of a guest exit: step + interrupts */
void sim_step(void);
uint64_t sim_next_due(void);
/* With an outside clock: move sim time up to it (never back). Returns true if one is set. */
bool sim_clock_sync(void);
int sim_deliver_irqs(bool force);
void sim_trace_msg(bool g2h, bool pv, enum sim_route r, uint32_t conn, const uint8_t *p, uint32_t n);
/* synic */
void sim_synic_reset(void);
bool sim_synic_msr_read(struct sim_synic *sy, uint32_t msr, uint64_t *v);
bool sim_synic_msr_write(struct sim_synic *sy, uint32_t msr, uint64_t v);
/* Queue a message to SINT of the chosen SynIC of vp. 0, or -1 queue full, -2 dropped. */
int sim_synic_post(struct sim_synic *sy, unsigned vp, unsigned sint, const uint8_t *payload, uint32_t n);
/* Set event flag; returns false if dropped. */
bool sim_synic_signal(struct sim_synic *sy, unsigned vp, unsigned sint, unsigned flag);
void sim_synic_deliver_queues(void);
void sim_synic_raise(struct sim_synic *sy, unsigned sint);
bool sim_hv_msr_access(uint32_t msr, uint64_t *v, bool write);
/* Untrusted-route read/write of a hypervisor SynIC MSR (applies the page lies). */
bool sim_hv_msr_untrusted(uint32_t msr, uint64_t *v, bool write);
void sim_synic_forge_step(void);
const uint8_t *sim_hypercall_code(void); /* the hypercall page's normal entry, 4 bytes */
/* VP index <-> simulator VP: true and *vp if idx names an existing VP. */
bool sim_vp_from_index(uint32_t idx, unsigned *vp);
struct sim_synic *sim_synic_for(unsigned vp, unsigned sint, bool relayed);
/* hypercalls */
uint64_t sim_hcall_dispatch(enum sim_route r, uint64_t control, uint64_t in, uint64_t out,
	const uint8_t *inline_input, size_t inline_len);
/* server */
void sim_srv_reset(void);
int sim_srv_post(uint32_t conn, bool trusted, const uint8_t *p, uint32_t n); /* HV status */
void sim_srv_step(void);
uint64_t sim_srv_next_due(void);
int sim_srv_signal(uint32_t conn, bool trusted); /* HV status for HvSignalEvent */
bool sim_srv_is_message_port(uint32_t conn);
void sim_srv_send(const void *msg, uint32_t n, unsigned vp, unsigned sint);
void sim_srv_rescind(struct sim_chan *c);
/* channels / devices */
void sim_dev_step(void);
uint64_t sim_dev_next_due(void);
void sim_dev_open(struct sim_chan *c);
void sim_dev_close(struct sim_chan *c);
void sim_dev_signal(struct sim_chan *c);
void sim_dev_hostile_step(void);
void sim_chan_signal_guest(struct sim_chan *c);
/* leak */
void sim_leak_scan(void);
#if UMBRA_IMAGE
/* Test images (sim_image.c): handlers live in the CPU's IDT dispatch, and a pending
 * vector is raised through the IDT instead of being called. */
int sim_image_irq_set(uint8_t vector, hw_irq_fn fn, void *ctx);
void sim_image_irq_raise(uint8_t vector);
#endif

static inline uint32_t rd32(const uint8_t *p) { uint32_t v; __builtin_memcpy(&v, p, 4); return v; }
static inline uint64_t rd64(const uint8_t *p) { uint64_t v; __builtin_memcpy(&v, p, 8); return v; }
static inline void wr32(uint8_t *p, uint32_t v) { __builtin_memcpy(p, &v, 4); }
static inline void wr64(uint8_t *p, uint64_t v) { __builtin_memcpy(p, &v, 8); }

#endif
