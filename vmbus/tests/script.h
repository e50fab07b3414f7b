/*
 * A scripted VMBus server for host tests of the protocol core (OpenVMM vmbus_client test
 * style): the test lists the messages it expects the client to post, byte for byte or by
 * type, the hypervisor status each post returns, and the host messages each successful
 * post releases. Host messages are spelled as hex strings, independent of vmbus_wire.h.
 * Time is a fake clock: a receive with nothing queued advances it by the whole timeout.
 */
#ifndef UMBRA_VMBUS_TESTS_SCRIPT_H
#define UMBRA_VMBUS_TESTS_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vmbus/vmbus_conn.h"

#define SCRIPT_MAX_STEPS 256
#define SCRIPT_MAX_MSGS  512
#define SCRIPT_ANY_CONN  0xFFFFFFFFu

struct script_msg {
	uint8_t b[256];
	size_t len;
};

struct script_step {
	int direct;                     /* -1 = don't care */
	uint32_t conn;                  /* SCRIPT_ANY_CONN = don't care */
	uint32_t msgtype;               /* checked when exact is empty */
	struct script_msg exact;        /* len 0 = match by type */
	uint16_t status;
	int repeat;                     /* consumed this many times (default 1) */
	int nreplies;
	struct script_msg replies[16];
};

struct script {
	struct script_step steps[SCRIPT_MAX_STEPS];
	int nsteps, cur;
	struct script_msg inq[SCRIPT_MAX_MSGS];
	int inq_head, inq_tail;
	struct script_msg posted[SCRIPT_MAX_MSGS];
	bool posted_direct[SCRIPT_MAX_MSGS];
	uint32_t posted_conn[SCRIPT_MAX_MSGS];
	int nposted;
	uint32_t signals[SCRIPT_MAX_MSGS];
	int nsignals;
	uint16_t signal_status;
	int errors;                     /* mismatches and unexpected posts */
	uint64_t now;
	int recv_calls;
	struct vmbus_transport tp;
};

void script_init(struct script *s);
/* Parse "0e000000 00000600 ..." (spaces ignored) into m. */
void script_hex(struct script_msg *m, const char *hex);
/* Expect an exact post. Returns the step to attach replies to. */
struct script_step *script_expect(struct script *s, int direct, uint32_t conn, const char *hex,
				  uint16_t status);
/* Expect a post of this message type (any bytes). */
struct script_step *script_expect_type(struct script *s, uint32_t msgtype, uint16_t status);
void script_reply(struct script_step *st, const char *hex);
void script_reply_bin(struct script_step *st, const void *b, size_t len);
/* Queue a host message now. */
void script_inject(struct script *s, const char *hex);
void script_inject_bin(struct script *s, const void *b, size_t len);
/* All steps consumed and no error? */
bool script_done(const struct script *s);

/* Host message builders (hex-free helpers for the common ones; byte layout written out
 * here by offset, not through vmbus_wire.h). */
void script_offer(struct script_msg *m, uint32_t relid, uint16_t flags, uint8_t inst,
		  uint32_t connid);
void script_u32msg(struct script_msg *m, uint32_t type, int n, const uint32_t *vals);

#endif
