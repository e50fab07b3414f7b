#include "vmbus/tests/script.h"
#include "vmbus/vmbus_msg.h"
#include <stdio.h>
#include <string.h>
#include <umbra/errno.h>

static uint16_t s_post(void *ctx, bool direct, uint32_t conn, const void *msg, size_t len)
{
	struct script *s = ctx;
	if (s->nposted < SCRIPT_MAX_MSGS) {
		struct script_msg *p = &s->posted[s->nposted];
		p->len = len > sizeof(p->b) ? sizeof(p->b) : len;
		memcpy(p->b, msg, p->len);
		s->posted_direct[s->nposted] = direct;
		s->posted_conn[s->nposted] = conn;
		s->nposted++;
	}
	uint32_t type = len >= 4 ? *(const uint32_t *)msg : 0;
	if (s->cur >= s->nsteps) {
		fprintf(stderr, "script: unexpected post #%d type %u (%s) len %zu\n", s->nposted, type,
			vmbus_msg_name(type), len);
		s->errors++;
		return 0x12;
	}
	struct script_step *st = &s->steps[s->cur];
	bool ok = true;
	if (st->direct >= 0 && (bool)st->direct != direct)
		ok = false;
	if (st->conn != SCRIPT_ANY_CONN && st->conn != conn)
		ok = false;
	if (st->exact.len) {
		if (st->exact.len != len || memcmp(st->exact.b, msg, len))
			ok = false;
	} else if (type != st->msgtype) {
		ok = false;
	}
	if (!ok) {
		fprintf(stderr, "script: step %d mismatch: got %s direct=%d conn=%u len=%zu:", s->cur,
			vmbus_msg_name(type), direct, conn, len);
		for (size_t i = 0; i < len; i++)
			fprintf(stderr, "%s%02x", i % 4 ? "" : " ", ((const uint8_t *)msg)[i]);
		fprintf(stderr, "\n  want direct=%d conn=%u len=%zu:", st->direct, st->conn, st->exact.len);
		for (size_t i = 0; i < st->exact.len; i++)
			fprintf(stderr, "%s%02x", i % 4 ? "" : " ", st->exact.b[i]);
		fprintf(stderr, " (type %u %s)\n", st->msgtype, vmbus_msg_name(st->msgtype));
		s->errors++;
	}
	uint16_t status = st->status;
	if (status == 0)
		for (int i = 0; i < st->nreplies; i++)
			script_inject_bin(s, st->replies[i].b, st->replies[i].len);
	if (--st->repeat <= 0)
		s->cur++;
	return status;
}

static uint16_t s_signal(void *ctx, uint32_t conn)
{
	struct script *s = ctx;
	if (s->nsignals < SCRIPT_MAX_MSGS)
		s->signals[s->nsignals++] = conn;
	return s->signal_status;
}

static int s_recv(void *ctx, void *buf, size_t cap, uint64_t timeout)
{
	struct script *s = ctx;
	s->recv_calls++;
	if (s->inq_head == s->inq_tail) {
		s->now += timeout;
		return UMBRA_ETIMEDOUT;
	}
	struct script_msg *m = &s->inq[s->inq_head % SCRIPT_MAX_MSGS];
	s->inq_head++;
	size_t n = m->len < cap ? m->len : cap;
	memcpy(buf, m->b, n);
	s->now += 1000;
	return (int)n;
}

static uint64_t s_now(void *ctx)
{
	return ((struct script *)ctx)->now;
}

static void s_delay(void *ctx, uint64_t ns)
{
	((struct script *)ctx)->now += ns;
}

void script_init(struct script *s)
{
	memset(s, 0, sizeof(*s));
	s->tp.ctx = s;
	s->tp.post = s_post;
	s->tp.signal = s_signal;
	s->tp.recv = s_recv;
	s->tp.now_ns = s_now;
	s->tp.delay_ns = s_delay;
}

void script_hex(struct script_msg *m, const char *hex)
{
	m->len = 0;
	int hi = -1;
	for (const char *p = hex; *p; p++) {
		int v;
		if (*p >= '0' && *p <= '9') v = *p - '0';
		else if (*p >= 'a' && *p <= 'f') v = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F') v = *p - 'A' + 10;
		else continue;
		if (hi < 0) {
			hi = v;
		} else {
			if (m->len < sizeof(m->b))
				m->b[m->len++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
}

static struct script_step *new_step(struct script *s)
{
	if (s->nsteps >= SCRIPT_MAX_STEPS) {
		s->errors++;
		return &s->steps[SCRIPT_MAX_STEPS - 1];
	}
	struct script_step *st = &s->steps[s->nsteps++];
	memset(st, 0, sizeof(*st));
	st->direct = -1;
	st->conn = SCRIPT_ANY_CONN;
	st->repeat = 1;
	return st;
}

struct script_step *script_expect(struct script *s, int direct, uint32_t conn, const char *hex,
				  uint16_t status)
{
	struct script_step *st = new_step(s);
	st->direct = direct;
	st->conn = conn;
	script_hex(&st->exact, hex);
	st->msgtype = st->exact.len >= 4 ? *(uint32_t *)st->exact.b : 0;
	st->status = status;
	return st;
}

struct script_step *script_expect_type(struct script *s, uint32_t msgtype, uint16_t status)
{
	struct script_step *st = new_step(s);
	st->msgtype = msgtype;
	st->status = status;
	return st;
}

void script_reply(struct script_step *st, const char *hex)
{
	if (st->nreplies < 16)
		script_hex(&st->replies[st->nreplies++], hex);
}

void script_reply_bin(struct script_step *st, const void *b, size_t len)
{
	if (st->nreplies < 16) {
		struct script_msg *m = &st->replies[st->nreplies++];
		m->len = len > sizeof(m->b) ? sizeof(m->b) : len;
		memcpy(m->b, b, m->len);
	}
}

void script_inject(struct script *s, const char *hex)
{
	struct script_msg m;
	script_hex(&m, hex);
	script_inject_bin(s, m.b, m.len);
}

void script_inject_bin(struct script *s, const void *b, size_t len)
{
	if (s->inq_tail - s->inq_head >= SCRIPT_MAX_MSGS) {
		s->errors++;
		return;
	}
	struct script_msg *m = &s->inq[s->inq_tail % SCRIPT_MAX_MSGS];
	m->len = len > sizeof(m->b) ? sizeof(m->b) : len;
	memcpy(m->b, b, m->len);
	s->inq_tail++;
}

bool script_done(const struct script *s)
{
	if (s->cur != s->nsteps)
		fprintf(stderr, "script: %d of %d steps consumed\n", s->cur, s->nsteps);
	return s->errors == 0 && s->cur == s->nsteps;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void script_offer(struct script_msg *m, uint32_t relid, uint16_t flags, uint8_t inst,
		  uint32_t connid)
{
	memset(m, 0, sizeof(*m));
	m->len = 196;
	put32(m->b, 1);
	for (int i = 0; i < 16; i++) {
		m->b[8 + i] = (uint8_t)(0xA0 + i);      /* class */
		m->b[24 + i] = (uint8_t)(inst + i);     /* instance */
	}
	m->b[56] = (uint8_t)flags;
	m->b[57] = (uint8_t)(flags >> 8);
	put32(m->b + 184, relid);
	m->b[188] = 0xFF;
	m->b[190] = 1;
	put32(m->b + 192, connid);
}

void script_u32msg(struct script_msg *m, uint32_t type, int n, const uint32_t *vals)
{
	memset(m, 0, sizeof(*m));
	put32(m->b, type);
	for (int i = 0; i < n; i++)
		put32(m->b + 8 + 4 * i, vals[i]);
	m->len = 8 + 4 * (size_t)n;
}
