/*
 * The simulated platform: the test-facing API of sim/.
 *
 * sim/ implements every function of arch/x86_64/hw.h as one simulated machine:
 * guest RAM with per-page visibility, Hyper-V's SynIC and hypercalls, the OpenHCL
 * paravisor with its own SynIC and VMBus server (confidential + relayed channels),
 * the SNP GHCB protocol and the TDX TDCALL/TDVMCALL interface. A test links the
 * simulator instead of arch/x86_64/hw_real*.c, creates a machine with sim_init(),
 * then runs guest code (the runtime, or a scripted guest) that uses hw_*() only.
 *
 * There is exactly one machine per process (hw_*() has no context argument).
 * Everything is deterministic for a given configuration and seed: time is a virtual
 * clock (unless sim_config.clock names an outside one, as SIM images do), the
 * host/paravisor runs only inside hw_*() calls, and every hostile decision comes from a
 * PRNG seeded by sim_config.seed. See docs/sim.md for the model.
 *
 * The core needs nothing from libc beyond lib/string.h and lib/fmt.h, allocates
 * nothing (static state; guest RAM is a static arena or memory the test passes in).
 */
#ifndef UMBRA_SIM_SIM_H
#define UMBRA_SIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- configurations ------------------------------------------------------------ */

enum sim_platform {
	SIM_NONE = 0,              /* no Hyper-V (QEMU-like): no 0x4000xxxx leaves, all RAM private-less */
	SIM_HYPERV,                /* Gen2 VM, no isolation: one SynIC, plain MSRs, all RAM host-visible */
	SIM_SNP_PARAVISOR,         /* SNP + OpenHCL, Confidential VMBus available (0x40000082 EAX bit 3) */
	SIM_TDX_PARAVISOR,         /* TDX + OpenHCL, Confidential VMBus available */
	SIM_SNP_LEGACY_PARAVISOR,  /* SNP + paravisor without Confidential VMBus (no CPUID bit,
	                              direct HvPostMessage to 1/4 -> HV_STATUS_INVALID_CONNECTION_ID) */
	SIM_TDX_LEGACY_PARAVISOR,  /* TDX, same */
	SIM_SNP,                   /* fully enlightened SNP (reserved: memory/GHCB only, no VMBus yet) */
	SIM_TDX,                   /* fully enlightened TDX (reserved: memory/TDCALL only, no VMBus yet) */
	SIM_PLATFORM_COUNT
};

/* Name <-> enum: "none", "hyperv", "snp-paravisor", "tdx-paravisor", "snp-legacy-paravisor",
 * "tdx-legacy-paravisor", "snp", "tdx". sim_platform_parse returns -1 for unknown names. */
const char *sim_platform_name(enum sim_platform p);
int sim_platform_parse(const char *name);

/*
 * Hostility knobs. Probabilities are per mille (0..1000) and are drawn from the seeded
 * PRNG at each opportunity. All default to 0 (a faithful, friendly platform).
 */
struct sim_hostile {
	/* server -> guest SynIC messages */
	uint16_t msg_delay_pm;        /* delay a message by up to msg_delay_max_ns */
	uint64_t msg_delay_max_ns;    /* default 2 ms when 0 */
	uint16_t msg_drop_pm;         /* drop a message */
	uint16_t msg_dup_pm;          /* deliver a message twice */
	uint16_t msg_reorder_pm;      /* swap a message with the one queued after it */
	uint16_t msg_corrupt_pm;      /* flip one random byte of the 256-byte SIMP slot (header or payload) */
	bool never_answer;            /* the VMBus server swallows every guest message */
	/* guest -> host posts */
	uint16_t post_busy_pm;        /* start an HV_STATUS_INSUFFICIENT_BUFFERS burst on a post */
	uint16_t post_busy_burst;     /* burst length in posts (default 4 when 0) */
	bool refuse_direct_post;      /* direct (trusted) HvPostMessage to 1/4 -> INVALID_CONNECTION_ID */
	/* channels */
	uint16_t rescind_pm;          /* per server step: rescind a random offered channel */
	/* rings the host can write (relayed / non-confidential channels; all rings if
	 * ring_hostile_all is set, to exercise the reader against its trusted peer too) */
	bool ring_hostile_all;
	uint16_t ring_bad_index_pm;   /* per device step: write an out-of-range or unaligned index */
	uint16_t ring_len_lie_pm;     /* per packet written: lie in len8 / offset8 */
	uint16_t ring_flip_index_pm;  /* per sim step: toggle the h2g write index between its true
	                                 value and a bogus one (changes between two guest reads) */
	/* hypercall 0x00DB */
	uint16_t visibility_partial_pm; /* complete only part of the reps (success + reps done) */
	uint16_t visibility_fail_pm;    /* fail part-way: HV_STATUS_INSUFFICIENT_MEMORY after a
	                                   random number of reps (reps done < count) */
	bool visibility_fail_private_only; /* visibility_fail_pm only hits changes to private */
	/* the host lying to the guest through the hypervisor SynIC */
	uint16_t forge_hv_msg_pm;     /* per server step: write a forged VMBus control message
	                                 (VersionResponse refused/accepted, OfferChannel,
	                                 RescindChannelOffer, OpenResult, GpadlCreated,
	                                 GpadlTorndown with ids the guest uses) into the
	                                 hypervisor SIMP slot 2; the server never sees it */
	uint8_t hv_simp_lie, hv_siefp_lie; /* enum sim_page_lie: what an untrusted read (GHCB
	                                 MSR exit / TDVMCALL RDMSR) of the hypervisor SynIC's
	                                 SIMP / SIEFP returns in the paravisor configurations
	                                 while it still holds the paravisor's page */
	uint64_t hv_page_lie_gpa;     /* SIM_LIE_PRIVATE: the GPA reported (the test picks it) */
	bool hypercall_page_unfilled; /* enabling HV_X64_MSR_HYPERCALL leaves the page untouched
	                                 and the MSR reads back with enable = 0 */
	/* HvSignalEvent (guest -> host, any route) */
	uint16_t signal_fail_pm;      /* the signal is lost and the call returns
	                                 HV_STATUS_INSUFFICIENT_BUFFERS */
};

/* What the host reports for a hypervisor SynIC page (sim_hostile.hv_simp_lie / _siefp_lie). */
enum sim_page_lie {
	SIM_LIE_NONE = 0,
	SIM_LIE_PRIVATE,     /* hv_page_lie_gpa | enable (a private guest page, chosen by the test) */
	SIM_LIE_UNALIGNED,   /* the true value with bit 11 set (base not page aligned) */
	SIM_LIE_NOT_RAM,     /* a GPA outside RAM (0xF0000000 | boundary), enabled */
	SIM_LIE_ZERO,        /* 0: disabled, no page */
};

/* Interrupt delivery policy. */
enum sim_irq_mode {
	SIM_IRQ_ANY_EXIT = 0,   /* deliver pending interrupts at the end of any hw_*() exit while IF=1 */
	SIM_IRQ_WAIT_ONLY,      /* only inside hw_wait_for_interrupt() and hw_irq_restore(true) */
};

typedef void (*sim_trace_fn)(void *ctx, const char *line);

struct sim_config {
	enum sim_platform platform;
	uint64_t seed;
	/* Guest RAM. ram == NULL: the simulator's static arena (SIM_ARENA_BYTES). Otherwise
	 * ram_bytes of caller memory (any alignment; the usable part is page aligned). */
	void *ram;
	uint64_t ram_bytes;           /* 0 = whole arena */
	unsigned nvp;                 /* virtual processors, 1..SIM_MAX_VPS (0 = 1) */
	uint32_t max_version;         /* VMBus server max version (0 = Copper, all 11 versions). A
	                                 host server (hyperv, legacy paravisor) below 5.0 (Win10
	                                 RS3.1) does not listen on connection id 4 (0x12) */
	uint32_t vp_index_base;       /* HV_X64_MSR_VP_INDEX of VP n reads vp_index_base + n */
	enum sim_irq_mode irq_mode;
	uint64_t server_latency_ns;   /* time the server takes per message (0 = 10 us) */
	uint64_t device_latency_ns;   /* time a device takes to react to a signal (0 = 5 us) */
	uint64_t exit_cost_ns;        /* virtual time each guest exit costs (0 = 1 us) */
	uint64_t now_tick_ns;         /* virtual time each hw_now_ns() costs (0 = 100 ns) */
	bool no_visibility_scramble;  /* keep page contents across visibility changes (default:
	                                 contents become junk, as on hardware) */
	bool no_leak_scan;            /* disable the automatic per-step leak scan */
	struct sim_hostile hostile;
	sim_trace_fn trace;           /* one line per SynIC message, see sim_trace_line format */
	void *trace_ctx;
	sim_trace_fn log;             /* diagnostic log (faults, guest errors); may be NULL */
	void *log_ctx;
	/* An outside clock (SIM images: the TSC) the simulated time follows instead of the
	 * virtual one. When set, sim_now() is clock() minus its value at sim_init (never
	 * going back), guest exits and hw_now_ns() cost no virtual time, and
	 * hw_wait_for_interrupt() waits for that clock to reach the next simulated event or
	 * the deadline, calling idle(ctx, ns) (which may return early) in between. idle may
	 * be NULL (busy wait). NULL clock: the virtual clock ("Time" in docs/sim.md). */
	uint64_t (*clock)(void *ctx);
	void (*idle)(void *ctx, uint64_t max_ns);
	void *clock_ctx;
};

#define SIM_MAX_VPS 4
#ifndef SIM_ARENA_BYTES
#define SIM_ARENA_BYTES (32ull << 20)   /* 8192 pages; override at build time for a test image */
#endif
#define SIM_RAM_BASE 0x100000ull       /* GPA of the first RAM byte (GPA 0 is never RAM) */
#define SIM_SNP_BOUNDARY_BITS 46       /* vTOM = 1 << 46 in the SNP configurations */
#define SIM_TDX_BOUNDARY_BITS 47       /* shared bit 47 (GPAW 48) in the TDX configurations */
#define SIM_SINT_QUEUE_DEPTH 16
#define SIM_SERVER_INBOX 64
#define SIM_MAX_CHANNELS 32
#define SIM_MAX_GPADLS 64
/* Simulator limit, not a protocol one: 4 MiB rings each way (2 * 1024 pages + 2 control
 * pages) fit; test images keep the tables small. */
#if UMBRA_IMAGE
#define SIM_GPADL_MAX_PFNS 1024
#else
#define SIM_GPADL_MAX_PFNS 4104
#endif
#define SIM_MAX_CANARIES 16
#define SIM_CANARY_MAX 64
#define SIM_CANARY_MIN 8

/* Replace the hostility knobs of the running machine (e.g. to make only the teardown
 * of a test hostile). 0 or UMBRA_EINVAL. */
int sim_set_hostile(const struct sim_hostile *h);

/* Fill *c with defaults for platform p (seed 1, arena RAM, 1 VP, no hostility). */
void sim_config_default(struct sim_config *c, enum sim_platform p);
/* Create (or re-create) the machine. Resets all state. 0 or UMBRA_EINVAL. */
int sim_init(const struct sim_config *c);
/* Tear down; hw_*() calls afterwards behave like SIM_NONE with no RAM. */
void sim_fini(void);
const struct sim_config *sim_get_config(void);

/* ---- guest physical memory ----------------------------------------------------- */

/*
 * RAM is [SIM_RAM_BASE, SIM_RAM_BASE + ram_pages*4K). The simulator reserves the last
 * SIM_RESERVED_PAGES pages (the top of RAM, as OpenHCL's shared pool, which it takes from
 * the top of VTL0's memory and never reports to VTL0) for platform-owned pages
 * (paravisor-provided GHCB and hypervisor SIMP/SIEFP, host-visible in the CVM
 * configurations). The rest, below them, is the guest's memory map:
 * sim_ram_free_range() gives it, and the test passes it to mem_page_add_range() (or its
 * own allocator); sim_platform_pages() names the platform block. In the paravisor
 * configurations every guest page starts PRIVATE; in
 * SIM_HYPERV every page is host-visible; in SIM_NONE everything is private.
 * hw_phys_to_virt() accepts GPA and GPA|boundary (same backing byte); hw_virt_to_phys()
 * returns the GPA without the boundary bit. Translating the private (low) alias of a page
 * that is host-visible in an isolated configuration is a guest error: on the hardware that
 * access faults or reads ciphertext, so host-visible pages must be reached through
 * GPA|boundary.
 */
#define SIM_RESERVED_PAGES 16
int sim_ram_free_range(uint64_t *gpa, uint64_t *npages);
/* GPA and page count of the platform-owned block above the guest's memory map. */
int sim_platform_pages(uint64_t *gpa, uint64_t *npages);
uint64_t sim_ram_pages(void);
/* Shared-GPA boundary (vTOM / TDX shared bit); 0 when the configuration has none. */
uint64_t sim_shared_boundary(void);

enum sim_vis { SIM_VIS_PRIVATE = 0, SIM_VIS_SHARED = 3 };
/* Visibility of the page holding gpa (either alias): SIM_VIS_* or UMBRA_EINVAL (not RAM). */
int sim_page_visibility(uint64_t gpa);
/* Test back door (no exit, no counter): set visibility of npages from gpa. */
int sim_set_visibility(uint64_t gpa, uint64_t npages, enum sim_vis vis);

/* ---- devices -------------------------------------------------------------------- */

enum sim_dev_kind {
	SIM_DEV_ECHO = 1,       /* in-band echo; honours COMPLETION_REQUESTED (see docs) */
	SIM_DEV_GPA_DIRECT,     /* reads/writes guest buffers named by GPA-direct packets */
};

struct sim_device_desc {
	enum sim_dev_kind kind;
	bool relayed;           /* host device relayed by the paravisor: offer flags never 0x2/0x4,
	                           ring and buffers must be host-visible, signals via the hypervisor */
	bool confidential_external_memory; /* paravisor device also offers 0x4 */
	uint8_t interface_id[16];          /* zero = simulator default for the kind */
	uint8_t instance_id[16];           /* zero = derived from the relid */
};

/* Add a device; offered now if the guest already requested offers (hot add), else on
 * RequestOffers. Relids are assigned from 1 upward. Returns 0 and *relid, or an error. */
int sim_add_device(const struct sim_device_desc *d, uint32_t *relid);
/* Rescind channel relid now (sends RescindChannelOffer). */
int sim_rescind(uint32_t relid);
/* Rescind channel relid later: once its device has taken after_packets packets from the
 * guest (0 = no packet condition; the device takes no more than that many), or once
 * sim_now() >= at_ns (0 = no time condition), whichever comes first. One schedule per
 * channel (a new call replaces it). 0, UMBRA_ENOENT (no such live channel) or
 * UMBRA_EINVAL (both conditions 0). */
int sim_rescind_after(uint32_t relid, uint64_t after_packets, uint64_t at_ns);

enum sim_chan_state { SIM_CHAN_FREE = 0, SIM_CHAN_OFFERED, SIM_CHAN_OPEN, SIM_CHAN_RESCINDED };
struct sim_channel_info {
	enum sim_chan_state state;
	uint16_t offer_flags;        /* flags as last sent in the offer */
	bool confidential_ring;      /* ring must be private (0x2 offered and 0x10 granted) */
	bool confidential_ext;       /* external memory must be private (0x4 and 0x10) */
	bool corrupt;                /* the guest broke the ring protocol; device stopped */
	bool relayed;                /* a host device (always so without a paravisor server) */
	enum sim_dev_kind kind;
	uint32_t connection_id;      /* guest->host event connection id while open */
	uint16_t event_flag;         /* host->guest event flag while open */
	uint32_t target_vp;
	uint64_t packets_in, packets_out, signals_in, signals_out;
};
int sim_channel_info(uint32_t relid, struct sim_channel_info *out);

/* ---- the host lying to the guest ---------------------------------------------- */

/* The host writes an HvMessage (type 1 = VMBus, sender 0, payload_size n <= 240) into the
 * HYPERVISOR SynIC's SIMP slot for SINT2 of vp and raises SINT2 there, whatever connection
 * is active (queued behind a busy slot). The VMBus server does not see it. Subject to the
 * hypervisor SynIC's state (SCONTROL, SIMP enable, SINT2 mask: dropped otherwise).
 * 0, or UMBRA_EINVAL (no hypervisor, vp >= nvp, n > 240, payload NULL with n > 0). */
int sim_host_forge_hv_message(unsigned vp, const void *payload, uint32_t n);

/* ---- SynIC registers (test view) ------------------------------------------------ */

struct sim_synic_regs {
	uint64_t scontrol, simp, siefp, sint2;  /* the registers as the SynIC holds them */
	unsigned writes_scontrol, writes_simp, writes_siefp; /* guest writes seen (accepted or not) */
};
/* Registers of vp's paravisor SynIC (pv, paravisor configurations only) or hypervisor
 * SynIC. 0 or UMBRA_EINVAL. */
int sim_synic_regs(unsigned vp, bool pv, struct sim_synic_regs *out);

/* ---- time and running ----------------------------------------------------------- */

uint64_t sim_now(void);
/* Run the host/paravisor for ns of virtual time without guest involvement (pending
 * interrupts are delivered if IF=1 and the mode allows). */
void sim_run(uint64_t ns);
/* The simulated RFLAGS.IF (starts true, like a running kernel). */
bool sim_irq_enabled(void);

/* ---- server view (for tests of the simulator and of the runtime) --------------- */

struct sim_server_info {
	bool connected;
	bool trusted;                /* the connection was made by a trusted InitiateContact */
	uint32_t version;
	uint32_t features;           /* granted feature flags */
	uint32_t target_vp;
	uint32_t msg_conn_id;        /* 1 when connected, else 0 */
	uint64_t msgs_in, msgs_dropped_untrusted, msgs_dropped_invalid, msgs_out;
};
void sim_server_info(struct sim_server_info *out);

/* ---- leak checker ------------------------------------------------------------- */

/*
 * Register canary bytes (SIM_CANARY_MIN..SIM_CANARY_MAX long). After every simulated
 * step (each guest exit into the simulator and every server/device step) every
 * host-visible RAM page is scanned; if any canary appears in one, the simulator
 * records a leak (sim_ok() turns false) and logs it. Returns the canary index.
 */
int sim_leak_plant(const void *bytes, size_t len);
/* Write the canary into private RAM at gpa (must be private) and register it. */
int sim_leak_plant_at(uint64_t gpa, const void *bytes, size_t len);
/* Scan now; returns the number of leaks found so far. */
unsigned sim_leak_check(void);
struct sim_leak_report {
	unsigned count;       /* leaks detected (each (canary, page) pair counted once) */
	unsigned canary;      /* first leak: canary index */
	uint64_t gpa;         /* first leak: GPA of the byte where the canary starts */
	uint64_t step;        /* first leak: simulator step number */
};
void sim_leak_report(struct sim_leak_report *out);
void sim_leak_clear(void);   /* forget canaries and reported leaks */

/* ---- health --------------------------------------------------------------------- */

/*
 * A "fault" is something the real platform would punish (e.g. #GP on a bad MSR write,
 * GHCB misconfiguration); a "guest error" is a protocol violation the simulated host
 * detected (bad ring indices, client-direction messages sent by the guest, memory of the
 * wrong type). Both are counted and logged; tests expecting them read the counters.
 * sim_ok(): no leak, no fault, no guest error, no termination.
 */
bool sim_ok(void);
const char *sim_last_problem(void);  /* "" when none */

struct sim_termination {
	bool terminated;
	unsigned reason_set, reason_code; /* GHCB reason set/code, or TDX ReportFatalError */
	uint64_t tdx_error;
};
void sim_termination(struct sim_termination *out);

/* ---- exit counters -------------------------------------------------------------- */

struct sim_stats {
	uint64_t steps;
	uint64_t direct_hypercalls;     /* hw_hypercall */
	uint64_t ghcb_exits;            /* hw_vmgexit with the GHCB page */
	uint64_t ghcb_msr_protocol;     /* hw_vmgexit with an MSR-protocol request */
	uint64_t tdcalls;               /* hw_tdcall, all leaves */
	uint64_t tdvmcalls;             /* hw_tdcall leaf 0 */
	uint64_t visibility_calls;      /* 0x00DB calls (any route), MapGPA, PSC */
	uint64_t visibility_pages;      /* pages changed */
	uint64_t signals;               /* HvSignalEvent (any route) */
	uint64_t posts;                 /* HvPostMessage (any route), successful */
	uint64_t posts_failed;
	uint64_t eoms;                  /* EOM writes (either SynIC) */
	uint64_t msr_reads, msr_writes; /* plain rdmsr / wrmsr */
	uint64_t cpuids;
	uint64_t msgs_delivered;        /* written into a SIMP slot */
	uint64_t msgs_dropped;          /* masked SINT / disabled SIMP / SCONTROL off / hostile drop */
	uint64_t events_set;            /* SIEFP bits set */
	uint64_t events_dropped;        /* event flags not set: SCONTROL off, SIEFP disabled, masked */
	uint64_t irqs_delivered;
	uint64_t irqs_filtered;         /* blocked by the proxy-IRR filter or no handler */
	uint64_t faults;
	uint64_t guest_errors;
	uint64_t hostile_actions;       /* every hostile decision that fired */
};
void sim_get_stats(struct sim_stats *out);
void sim_reset_stats(void);

/*
 * Trace format (one line per SynIC message, no trailing newline):
 *   trace <n> dir=<g2h|h2g> synic=<pv|hv> route=<direct|ghcb|tdcall|-> conn=<hex>
 *         msgtype=<dec> hex=<payload bytes in hex>
 * g2h: an accepted HvPostMessage (conn = connection id, msgtype = VMBus message type,
 * payload = the posted payload); h2g: a message as written into a SIMP slot, after any
 * hostile corruption (route "-", conn = the slot's HvMessage sender field, normally 0).
 * <n> counts from 0.
 */

#endif
