/*
 * synic/: the Hyper-V interface. Discovery, the three hypercall routes and their MSR
 * routes, the two SynICs (paravisor and hypervisor), message and event scanning, EOM,
 * HvPostMessage / HvSignalEvent, and the host-visibility hypercall.
 *
 * Routes. DIRECT = plain rdmsr/wrmsr and the hypercall page: in a paravisor CVM these
 * trap to the paravisor (trusted). GHCB (SNP) and TDCALL (TDX) reach the hypervisor
 * (host-visible, untrusted). Without isolation there is only DIRECT.
 *
 * Paravisor-first bring-up (CVM with paravisor): paravisor SIMP/SIEFP = private pages by
 * plain MSR writes; SINT2 enabled on both SynICs, proxy bit clear on the paravisor's;
 * both event-flag pages and both message pages are scanned; messages are posted by the
 * direct route; EOM goes to the SynIC whose page the message came from. Fallback
 * (synic_fallback): paravisor SINT2 with the proxy bit, messages posted through
 * GHCB/TDCALL; the hypervisor SIMP/SIEFP are the paravisor-provided host-visible pages.
 * HvSignalEvent always goes by GHCB/TDCALL when a paravisor is present (Linux
 * drivers/hv/connection.c vmbus_set_event; mu_msvm MsvmPkg/EfiHvDxe/EfiHvProtocol.c
 * EfiHvSignalEvent, which takes the bypass context on hardware-isolated VMs), by the
 * hypercall page otherwise.
 *
 * Single CPU: the interrupt handler only copies messages into a private queue and
 * collects event bits; everything else runs in thread context. GHCB use is done with
 * interrupts disabled (the handler may need the GHCB for an EOM).
 */
#ifndef UMBRA_SYNIC_SYNIC_H
#define UMBRA_SYNIC_SYNIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum synic_route { SYNIC_ROUTE_DIRECT = 0, SYNIC_ROUTE_GHCB, SYNIC_ROUTE_TDCALL };
/* The TLFS isolation type (hv/tlfs.h HV_ISO_*). */
enum synic_iso { SYNIC_ISO_NONE = 0, SYNIC_ISO_VBS = 1, SYNIC_ISO_SNP = 2, SYNIC_ISO_TDX = 3 };

/* What synic/ needs of the Hyper-V identification (hv/ident.h), plus the bypass route. */
struct synic_config {
	bool hyperv;                    /* CPUID.1 hypervisor bit, 0x40000000 = "Microsoft Hv",
					 * max leaf >= 0x40000003 */
	uint32_t max_leaf;
	uint32_t priv_eax, priv_ebx;    /* 0x40000003 */
	bool isolated;                  /* 0x40000003 EBX bit 22 */
	bool paravisor;                 /* 0x4000000C EAX bit 0 */
	uint8_t iso_type;               /* enum synic_iso */
	uint64_t shared_boundary;       /* 0 when none or refused (hv_ident_detect's rule) */
	bool cvmb_available;            /* 0x40000082 EAX bit 3 */
	enum synic_route bypass;        /* route to the hypervisor */
};

/* The configuration of the machine behind hw.h: in a production image the identification
 * made at boot (hv_ident_init, no CPUID read again), in SIM images and host tests a fresh
 * hv_ident_detect(hw_cpuid) on each call (a new simulated machine per test). UMBRA_ENODEV
 * when not on Hyper-V (out still filled); UMBRA_ENOTSUP for an isolated SNP/TDX VM without
 * a paravisor (not supported by this runtime); UMBRA_EINVAL for NULL. */
int synic_detect(struct synic_config *out);
/* The translation synic_detect makes: *id into *out, same return values. */
struct hv_ident;
int synic_config_from_ident(const struct hv_ident *id, struct synic_config *out);
/* One line describing the configuration, for the boot log. */
void synic_describe(const struct synic_config *c, char *buf, size_t size);

/* ---- routes ---- */

/* Slow hypercall by route. in/out are GPAs of 8-byte aligned buffers that do not cross a
 * page (for DIRECT any RAM; for TDCALL host-visible: the boundary alias is added here;
 * for GHCB `in` is copied into the GHCB: pass the VA via synic_hypercall_ghcb). */
uint64_t synic_hypercall(enum synic_route r, uint64_t control, uint64_t in_gpa, uint64_t out_gpa);
/* Hypercall with one 8-byte input: fast on DIRECT and TDCALL (input in RDX; Linux
 * hv_tdx_hypercall with HV_HYPERCALL_FAST_BIT); slow on GHCB, which has no fast form. */
uint64_t synic_hypercall_fast8(enum synic_route r, uint16_t code, uint64_t input);
/* MSR access by route. Returns 0 or UMBRA_EIO (the exit reported a failure). */
int synic_msr_read(enum synic_route r, uint32_t msr, uint64_t *value);
int synic_msr_write(enum synic_route r, uint32_t msr, uint64_t value);

/* ---- bring-up ---- */

/*
 * Guest OS id, hypercall page and both SynICs, per the configuration found by
 * synic_detect. confidential = paravisor-first (paravisor SINT2 without proxy).
 * Allocates its pages through the page hooks given. Installs the SINT2 handler on
 * SYNIC_VECTOR. 0 or an error.
 */
#define SYNIC_VECTOR 0x41
struct synic_pages {
	/* one zeroed private page: GPA (no boundary bit) */
	int (*alloc)(uint64_t *gpa);
	void (*free)(uint64_t gpa);
	/* Optional: one zeroed host-visible page (GPA without the boundary bit, VA of the
	 * shared alias) from the isolation policy (mem/vis), and its return. Without them
	 * synic/ makes a private page host-visible itself. */
	int (*shared_alloc)(uint64_t *gpa, void **va);
	void (*shared_free)(uint64_t gpa);
	/* Optional: whether gpa (no boundary bit) is RAM the runtime manages. A hypervisor
	 * SIMP/SIEFP address the host names there is refused. */
	bool (*is_private_ram)(uint64_t gpa);
};
int synic_init(const struct synic_config *c, const struct synic_pages *pages, bool confidential);
/* Switch to the fallback: paravisor SINT2 proxied, posts by the bypass route. */
int synic_fallback(void);
/* Mask SINT2 on both SynICs, disable the pages the guest owns. */
void synic_shutdown(void);
/* Whether posts go by the direct route (paravisor-first and not fallen back). */
bool synic_confidential(void);
/* HV_X64_MSR_VP_INDEX of the boot CPU, read at bring-up (InitiateContact's target VP). */
uint32_t synic_vp_index(void);

/* ---- messages and events ---- */

/* HvPostMessage(conn_id, type 1, msg). direct: the trusted route (else the bypass route
 * when a paravisor is present). Returns the hypervisor status. */
uint16_t synic_post(bool direct, uint32_t conn_id, const void *msg, size_t len);
/* HvSignalEvent(conn_id, flag 0) by the route the platform expects. Returns the status. */
uint16_t synic_signal(uint32_t conn_id);
/* Next VMBus message (private copy, validated SynIC header) into buf; waits up to
 * timeout_ns. Returns its length or UMBRA_ETIMEDOUT. */
int synic_recv(void *buf, size_t cap, uint64_t timeout_ns);
/* Whether a host message is queued (call with interrupts disabled to pair it with an
 * atomic wait). */
bool synic_pending(void);
/* Scan both SynICs now (what the interrupt handler does). */
void synic_poll(void);
/* Called for each event-flag bit found set (bit = relid), from the handler. */
typedef void (*synic_event_fn)(uint32_t relid);
void synic_set_event_handler(synic_event_fn fn);

/* Trace: with a sink set, one line per SynIC message sent (accepted post) or received:
 * "trace <n> dir=<g2h|h2g> synic=<pv|hv> route=<direct|ghcb|tdcall|-> conn=<hex>
 *  msgtype=<dec> hex=<payload>" (msgtype = VMBus message type; h2g: route -, conn 0). */
typedef void (*synic_trace_fn)(const char *line);
void synic_set_trace(synic_trace_fn fn);
/* Log sink for what the host did wrong (refused page addresses, messages from an
 * untrusted source); thread context only. One line, no newline. */
typedef void (*synic_log_fn)(const char *line);
void synic_set_log(synic_log_fn fn);

/* ---- memory visibility ---- */

/* HvModifySparseGpaPageHostVisibility for npages from gpa (batched, 510 PFNs a call,
 * partial completion continued). host_visible: read-write to the host, else private.
 * No-op success without isolation. On failure *done (if not NULL) is the number of
 * pages from gpa on that did change (the calls before the failing one plus its reps
 * completed); on success npages. */
int synic_set_visibility(uint64_t gpa, uint64_t npages, bool host_visible, uint64_t *done);

/* Counters for benchmarks and tests. */
struct synic_stats {
	uint64_t posts, post_fail, signals, hypercalls, ghcb_exits, tdcalls, msr_bypass;
	uint64_t eoms, msgs, msgs_dropped, events, irqs, vis_calls;
	/* messages found in the hypervisor SIMP while the connection is confidential:
	 * the host wrote them; dropped unread */
	uint64_t msgs_untrusted;
	uint64_t hv_pages_refused;      /* host-named hypervisor SIMP/SIEFP addresses refused */
};
void synic_get_stats(struct synic_stats *out);

#endif
