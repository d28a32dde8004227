/*
 * rtp-load: the RTP load generator of rtpengine-ts's bench (bench/relay-bench.ts drives it).
 *
 * It owns the two call sides' UDP sockets, sends RTP from both sides of every call through the
 * relay under test and receives what the relay forwards, batching with sendmmsg/recvmmsg so that
 * it stays cheap next to the relay. The orchestrator does all signalling (ng offer/answer) and
 * reads the relay's CPU and memory from /proc at the MARK lines printed here.
 *
 * Sockets: K per side (--socks, default 1), bound to --local-ip at ports --port .. --port+2K-1
 * (side A: the first K, side B: the next K). Call i uses socket i % K of each side for its SDP
 * endpoint, sends from it (symmetric RTP) and receives on it. Many calls may share an endpoint:
 * the relay keeps one set of sockets per call either way, and sharing lets every packet be
 * received in batches, so latency and loss are measured on every packet of every stream.
 *
 * Protocol on stdin/stdout (line based):
 *   out: READY <first-port> <socks>          after binding
 *   in:  C <relay-port-for-A> <relay-port-for-B>   one per call, in call order
 *   in:  GO
 *   out: MARK start <monotonic-ns>           measurement window opens (after --warmup)
 *   out: MARK end <monotonic-ns>             window closes (sending stops)
 *   out: RESULT {json}                       after the drain
 *
 * Modes:
 *   rate   every stream sends --pps packets/s; the sends of all streams are spread evenly over
 *          time (wake every --tick-us and send what is due).
 *   flood  closed loop: every stream keeps at most --window packets in flight, topped up every
 *          --tick-us; the relay never has more than --window packets queued per socket. A packet
 *          older than the newest one received is no longer in flight (lost or late); when nothing
 *          comes back on a stream for --stall-ms, its packets in flight are given up (stall_lost).
 *
 * Packet: 12-byte RTP header (PT 0, per-stream SSRC/seq/timestamp) + --payload bytes (>= 32)
 * starting with: magic, stream id, per-stream counter, CLOCK_REALTIME send time, phase.
 * Latency = kernel receive timestamp (SO_TIMESTAMPNS) - send time, so this tool's own tick does
 * not enter it. Loss counts packets sent inside the window that did not come back by the end of
 * the drain. Receive-queue overflows of our own sockets are reported (SO_RXQ_OVFL) as lg_drops.
 *
 * SRTP (--srtp SUITE, rate mode; binary built with -DWITH_SRTP and -lsrtp2, Debian libsrtp2-dev):
 *   side A is plain RTP, side B speaks SRTP with SUITE (AES_CM_128_HMAC_SHA1_80 or AEAD_AES_128_GCM).
 *   B protects everything it sends with one outbound key shared by all B sides (--srtp-key, base64
 *   key||salt, which the orchestrator put into every B answer's a=crypto line; the relay still keeps
 *   a context per call). What B receives is the relay's SRTP: B identifies the stream by its SSRC
 *   and the packet by its sequence number (both in clear; every stream's SSRC is --srtp's base plus
 *   its id) and takes the send time from a per-stream table, so loss and latency are measured on
 *   every packet without decrypting it. Every --srtp-check-every'th call (10) B also unprotects
 *   and authenticates each packet with the relay's key for that call (the third field of its C
 *   line) and checks the decrypted payload: srtp_ok / srtp_fail in the result.
 *
 * Written for rtpengine-ts; builds with plain gcc (links libc only; libsrtp2 with -DWITH_SRTP).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

#ifdef WITH_SRTP
#include <srtp2/srtp.h>
#endif

#define MAGIC 0x52544c47u /* "RTLG" */
#define BATCH 256
#define MAX_SOCKS 64
#define MAX_PKT 1500

/* ---- latency histogram: 1 us bins below 2048 us, then 128 bins per power of two ---- */
#define LIN 2048
#define SUB 128
#define NBINS (LIN + 22 * SUB)
static uint64_t hist[NBINS];
static uint64_t lat_n, lat_max_us;

static int bin_of(uint64_t us)
{
	if (us < LIN)
		return (int)us;
	int e = 63 - __builtin_clzll(us); /* >= 11 */
	int idx = LIN + (e - 11) * SUB + (int)((us >> (e - 7)) & (SUB - 1));
	return idx < NBINS ? idx : NBINS - 1;
}

static uint64_t bin_low(int idx)
{
	if (idx < LIN)
		return (uint64_t)idx;
	int e = 11 + (idx - LIN) / SUB, s = (idx - LIN) % SUB;
	return ((uint64_t)1 << e) + ((uint64_t)s << (e - 7));
}

static uint64_t percentile(double p)
{
	if (lat_n == 0)
		return 0;
	uint64_t want = (uint64_t)(p * (double)lat_n);
	if (want >= lat_n)
		want = lat_n - 1;
	uint64_t acc = 0;
	for (int i = 0; i < NBINS; i++) {
		acc += hist[i];
		if (acc > want)
			return bin_low(i);
	}
	return lat_max_us;
}

/* ---- options ---- */
static struct {
	const char *mode;
	char relay_ip[64], local_ip[64];
	int port, socks;
	double pps, warmup, duration, drain;
	int window, tick_us, payload;
	int stall_ms;
} O = { "rate", "127.0.0.1", "127.0.0.1", 22500, 1, 50, 2, 10, 1, 8, 0, 160, 1000 };

struct stream {
	struct sockaddr_in dst;
	int txsock;  /* index into fds[side] */
	int rxside;  /* side whose socket receives this stream */
	uint32_t ssrc, rtpts, counter;
	uint16_t rtpseq;
	uint32_t last_rx;   /* counter+1 of the newest packet received (0 = none) */
	uint32_t acked;     /* flood: packets before this counter are no longer in flight */
	uint64_t progress_ns;
	uint64_t tx_win, rx_win;
	uint16_t seq0;      /* --srtp: first sequence number (B finds the counter from the clear header) */
};

static int fds[2][MAX_SOCKS];
static uint32_t ovfl[2][MAX_SOCKS];
static struct stream *ST;
static int ncalls, nstreams;
static int phase; /* 0 warmup, 1 window, 2 drain (no sending) */

static uint64_t c_tx, c_rx, c_rx_arrive_win, c_bad, c_misrouted, c_dup, c_send_fail, c_skipped,
	c_stall_lost, c_late_ticks, c_ticks;

/* ---- --srtp ---- */
#define SRING 1024 /* send times kept per A->B stream (20 s at 50 pps) */
static const char *srtp_suite;  /* NULL: plain both ways */
static int srtp_every = 10;
static uint32_t ssrc_base;
static uint64_t *sent_ring;     /* per A->B stream (sid / 2): send time by counter & (SRING-1) */
static unsigned char *phase_ring;
static uint64_t c_srtp_ok, c_srtp_fail;
#ifdef WITH_SRTP
static srtp_t srtp_tx;          /* B's outbound session, every B stream */
static srtp_t *srtp_rx;         /* per call: the relay's key to B (checked calls only) */
static unsigned char srtp_key[64];
static int srtp_key_len;
static char **call_keys;        /* base64 key||salt of each call's C line */
static unsigned char srtp_scratch[MAX_PKT + 64];
#endif

static void fail(const char *what)
{
	fprintf(stderr, "rtp-load: %s: %s\n", what, strerror(errno));
	exit(2);
}

#ifdef WITH_SRTP
static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* RFC 4648 base64 (padding optional); returns the byte count or -1. */
static int b64_decode(const char *in, unsigned char *out, int cap)
{
	unsigned v = 0;
	int bits = 0, o = 0;
	for (; *in && *in != '='; in++) {
		const char *q = strchr(B64, *in);
		if (!q)
			return -1;
		v = (v << 6) | (unsigned)(q - B64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= cap)
				return -1;
			out[o++] = (unsigned char)(v >> bits);
		}
	}
	return o;
}

/* A libsrtp session for every SSRC one way (RFC 3711 master key||salt as the suite wants it). */
static srtp_t srtp_session(const unsigned char *key, int key_len, int outbound)
{
	srtp_policy_t p;
	srtp_t sess;
	memset(&p, 0, sizeof(p));
	int gcm = strcmp(srtp_suite, "AEAD_AES_128_GCM") == 0;
	if (gcm) {
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtcp);
	} else {
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
	}
	if (key_len != (gcm ? 28 : 30)) {
		fprintf(stderr, "rtp-load: %s key||salt must be %d bytes, got %d\n", srtp_suite, gcm ? 28 : 30, key_len);
		exit(2);
	}
	p.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
	p.key = (unsigned char *)key;
	p.window_size = 1024;
	if (srtp_create(&sess, &p) != srtp_err_status_ok) {
		fprintf(stderr, "rtp-load: srtp_create failed\n");
		exit(2);
	}
	return sess;
}
#endif

/* ---- sending: per-socket sendmmsg batches ---- */
struct txbatch {
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	unsigned char buf[BATCH][MAX_PKT];
	int n;
};
static struct txbatch *TX[2][MAX_SOCKS];
static int pkt_len;

static void flush(int side, int k)
{
	struct txbatch *b = TX[side][k];
	int off = 0;
	while (off < b->n) {
		int r = sendmmsg(fds[side][k], b->msg + off, (unsigned)(b->n - off), 0);
		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			/* count the rest as not sent (ECONNREFUSED from an ICMP error, ENOBUFS, ...) */
			c_send_fail += (uint64_t)(b->n - off);
			break;
		}
		off += r;
	}
	/* streams were charged when queued; take back what did not leave (their counters stay
	 * used: the receiver sees a gap, which the flood window skips like a loss) */
	for (int i = off; i < b->n; i++) {
		uint32_t sid;
		memcpy(&sid, b->buf[i] + 16, 4);
		struct stream *s = &ST[sid];
		c_tx--;
		if (phase == 1)
			s->tx_win--;
	}
	b->n = 0;
}

static void queue_pkt(int sid)
{
	struct stream *s = &ST[sid];
	int side = 1 - s->rxside;
	struct txbatch *b = TX[side][s->txsock];
	if (b->n == BATCH)
		flush(side, s->txsock);
	unsigned char *p = b->buf[b->n];
	p[0] = 0x80;
	p[1] = 0; /* PCMU */
	uint16_t seq = htons(s->rtpseq++);
	uint32_t ts = htonl(s->rtpts), ssrc = htonl(s->ssrc);
	s->rtpts += 160;
	memcpy(p + 2, &seq, 2);
	memcpy(p + 4, &ts, 4);
	memcpy(p + 8, &ssrc, 4);
	uint32_t magic = MAGIC, id = (uint32_t)sid, ctr = s->counter++;
	uint64_t now = real_ns();
	memcpy(p + 12, &magic, 4);
	memcpy(p + 16, &id, 4);
	memcpy(p + 20, &ctr, 4);
	memcpy(p + 24, &now, 8);
	p[32] = (unsigned char)phase;
	int len = pkt_len;
	if (srtp_suite) {
		if (s->rxside == 1) {
			/* A -> B: B will see it encrypted and find its send time here */
			size_t at = (size_t)(sid / 2) * SRING + (ctr & (SRING - 1));
			sent_ring[at] = now;
			phase_ring[at] = (unsigned char)phase;
		} else {
#ifdef WITH_SRTP
			if (srtp_protect(srtp_tx, p, &len) != srtp_err_status_ok) {
				fprintf(stderr, "rtp-load: srtp_protect failed\n");
				exit(2);
			}
#endif
		}
	}
	b->iov[b->n].iov_base = p;
	b->iov[b->n].iov_len = (size_t)len;
	memset(&b->msg[b->n].msg_hdr, 0, sizeof(b->msg[b->n].msg_hdr));
	b->msg[b->n].msg_hdr.msg_name = &s->dst;
	b->msg[b->n].msg_hdr.msg_namelen = sizeof(s->dst);
	b->msg[b->n].msg_hdr.msg_iov = &b->iov[b->n];
	b->msg[b->n].msg_hdr.msg_iovlen = 1;
	b->n++;
	c_tx++;
	if (phase == 1)
		s->tx_win++;
}

static void flush_all(void)
{
	for (int side = 0; side < 2; side++)
		for (int k = 0; k < O.socks; k++)
			if (TX[side][k]->n)
				flush(side, k);
}

/* ---- receiving: drain every socket with recvmmsg ---- */
static struct mmsghdr rmsg[BATCH];
static struct iovec riov[BATCH];
static unsigned char rbuf[BATCH][MAX_PKT];
static unsigned char rctl[BATCH][128];

static char bad_sample[64]; /* length and first bytes of the first foreign packet, for the report */

static void note_bad(const unsigned char *p, int len)
{
	c_bad++;
	if (bad_sample[0])
		return;
	int o = snprintf(bad_sample, sizeof(bad_sample), "len %d:", len);
	for (int i = 0; i < len && i < 12 && o < (int)sizeof(bad_sample) - 3; i++)
		o += snprintf(bad_sample + o, sizeof(bad_sample) - (size_t)o, "%02x", p[i]);
}

/* One packet of stream `sid` with counter `ctr`, sent at `sent` (CLOCK_REALTIME ns) in phase `ph`. */
static void on_stream_packet(int side, uint32_t sid, uint32_t ctr, uint64_t sent, int ph, const struct msghdr *mh, uint64_t fallback_rt)
{
	struct stream *s = &ST[sid];
	if (s->rxside != side) {
		c_misrouted++;
		return;
	}
	c_rx++;
	if (phase == 1)
		c_rx_arrive_win++;
	if (ctr + 1 <= s->last_rx) {
		c_dup++; /* duplicate or reordered */
	} else {
		s->last_rx = ctr + 1;
		if (s->acked < s->last_rx)
			s->acked = s->last_rx; /* a gap before it was lost (or comes late) */
		s->progress_ns = 0; /* refreshed in the flood loop */
	}
	if (ph != 1)
		return;
	s->rx_win++;
	uint64_t rx_rt = fallback_rt;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR((struct msghdr *)mh, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SO_TIMESTAMPNS) {
			struct timespec t;
			memcpy(&t, CMSG_DATA(c), sizeof(t));
			rx_rt = (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
		}
	}
	uint64_t us = rx_rt > sent ? (rx_rt - sent) / 1000 : 0;
	hist[bin_of(us)]++;
	lat_n++;
	if (us > lat_max_us)
		lat_max_us = us;
}

/*
 * --srtp, side B: the relay's SRTP. Stream from the SSRC, counter from the sequence number, send
 * time from the table; on checked calls the packet is also unprotected and its payload compared.
 */
static void on_srtp_packet(const unsigned char *p, int len, const struct msghdr *mh, uint64_t fallback_rt)
{
	uint32_t ssrc, sid;
	uint16_t seq;
	if (len < 12 || (p[0] >> 6) != 2) {
		note_bad(p, len);
		return;
	}
	memcpy(&ssrc, p + 8, 4);
	memcpy(&seq, p + 2, 2);
	sid = ntohl(ssrc) - ssrc_base;
	if (sid >= (uint32_t)nstreams || (sid & 1) != 0) {
		note_bad(p, len);
		return;
	}
	struct stream *s = &ST[sid];
	uint32_t ref = s->last_rx ? s->last_rx - 1 : 0;
	uint32_t ctr = (ref & ~0xffffu) | (uint16_t)(ntohs(seq) - s->seq0);
	if ((int32_t)(ctr - ref) < -32768)
		ctr += 65536;
	else if ((int32_t)(ctr - ref) > 32768 && ctr >= 65536)
		ctr -= 65536;
#ifdef WITH_SRTP
	int call = (int)(sid / 2);
	if (srtp_rx[call]) {
		int l = len;
		uint32_t magic, id, pctr;
		memcpy(srtp_scratch, p, (size_t)len);
		if (srtp_unprotect(srtp_rx[call], srtp_scratch, &l) != srtp_err_status_ok || l < 33) {
			c_srtp_fail++;
			note_bad(p, len);
			return;
		}
		memcpy(&magic, srtp_scratch + 12, 4);
		memcpy(&id, srtp_scratch + 16, 4);
		memcpy(&pctr, srtp_scratch + 20, 4);
		if (magic != MAGIC || id != sid || pctr != ctr) {
			c_srtp_fail++;
			note_bad(srtp_scratch, l);
			return;
		}
		c_srtp_ok++;
	}
#endif
	size_t at = (size_t)(sid / 2) * SRING + (ctr & (SRING - 1));
	on_stream_packet(1, sid, ctr, sent_ring[at], phase_ring[at], mh, fallback_rt);
}

static void on_packet(int side, int k, const unsigned char *p, int len, const struct msghdr *mh, uint64_t fallback_rt)
{
	(void)k;
	uint32_t magic, sid, ctr;
	uint64_t sent;
	if (srtp_suite && side == 1) {
		on_srtp_packet(p, len, mh, fallback_rt);
		return;
	}
	if (len < 33) {
		note_bad(p, len);
		return;
	}
	memcpy(&magic, p + 12, 4);
	memcpy(&sid, p + 16, 4);
	memcpy(&ctr, p + 20, 4);
	memcpy(&sent, p + 24, 8);
	if (magic != MAGIC || sid >= (uint32_t)nstreams) {
		note_bad(p, len);
		return;
	}
	on_stream_packet(side, sid, ctr, sent, p[32], mh, fallback_rt);
}

static void drain_sock(int side, int k)
{
	for (;;) {
		for (int i = 0; i < BATCH; i++) {
			riov[i].iov_base = rbuf[i];
			riov[i].iov_len = MAX_PKT;
			memset(&rmsg[i].msg_hdr, 0, sizeof(rmsg[i].msg_hdr));
			rmsg[i].msg_hdr.msg_iov = &riov[i];
			rmsg[i].msg_hdr.msg_iovlen = 1;
			rmsg[i].msg_hdr.msg_control = rctl[i];
			rmsg[i].msg_hdr.msg_controllen = sizeof(rctl[i]);
		}
		int r = recvmmsg(fds[side][k], rmsg, BATCH, MSG_DONTWAIT, NULL);
		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			return;
		}
		uint64_t rt = real_ns();
		for (int i = 0; i < r; i++) {
			struct msghdr *mh = &rmsg[i].msg_hdr;
			for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
				if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
					uint32_t v;
					memcpy(&v, CMSG_DATA(c), 4);
					if (v > ovfl[side][k])
						ovfl[side][k] = v;
				}
			on_packet(side, k, rbuf[i], (int)rmsg[i].msg_len, mh, rt);
		}
		if (r < BATCH)
			return;
	}
}

static void drain_all(void)
{
	for (int side = 0; side < 2; side++)
		for (int k = 0; k < O.socks; k++)
			drain_sock(side, k);
}

/* ---- setup ---- */
static int open_sock(int port)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		fail("socket");
	int one = 1, big = 32 << 20;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (inet_pton(AF_INET, O.local_ip, &a.sin_addr) != 1)
		fail("bad --local-ip");
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		fprintf(stderr, "rtp-load: bind %s:%d: %s\n", O.local_ip, port, strerror(errno));
		exit(3);
	}
	return fd;
}

static void read_calls(void)
{
	char line[256];
	int cap = 1024;
	int (*ports)[2] = malloc(sizeof(*ports) * (size_t)cap);
	ncalls = 0;
	while (fgets(line, sizeof(line), stdin)) {
		if (strncmp(line, "GO", 2) == 0)
			break;
		int a, b;
		char key[128] = "";
		if (sscanf(line, "C %d %d %127s", &a, &b, key) < 2) {
			fprintf(stderr, "rtp-load: bad input line: %s", line);
			exit(2);
		}
		if (ncalls == cap) {
			cap *= 2;
			ports = realloc(ports, sizeof(*ports) * (size_t)cap);
#ifdef WITH_SRTP
			call_keys = realloc(call_keys, sizeof(*call_keys) * (size_t)cap);
#endif
		}
#ifdef WITH_SRTP
		if (!call_keys)
			call_keys = calloc((size_t)cap, sizeof(*call_keys));
		call_keys[ncalls] = strdup(key);
#endif
		ports[ncalls][0] = a;
		ports[ncalls][1] = b;
		ncalls++;
	}
	if (ncalls == 0) {
		fprintf(stderr, "rtp-load: no calls given\n");
		exit(2);
	}
	nstreams = ncalls * 2;
	ST = calloc((size_t)nstreams, sizeof(*ST));
	struct in_addr rip;
	if (inet_pton(AF_INET, O.relay_ip, &rip) != 1)
		fail("bad --relay-ip");
	srandom((unsigned)(mono_ns() ^ (uint64_t)getpid()));
	ssrc_base = (uint32_t)random() ^ ((uint32_t)random() << 16);
	if (srtp_suite) {
		sent_ring = calloc((size_t)ncalls * SRING, sizeof(*sent_ring));
		phase_ring = calloc((size_t)ncalls * SRING, 1);
		if (!sent_ring || !phase_ring)
			fail("calloc");
#ifdef WITH_SRTP
		srtp_rx = calloc((size_t)ncalls, sizeof(*srtp_rx));
		for (int c = 0; c < ncalls; c += srtp_every) {
			unsigned char k[64];
			int n = b64_decode(call_keys[c], k, sizeof(k));
			if (n < 0 || !call_keys[c][0]) {
				fprintf(stderr, "rtp-load: call %d: no usable SRTP key in its C line\n", c);
				exit(2);
			}
			srtp_rx[c] = srtp_session(k, n, 0);
		}
#endif
	}
	for (int c = 0; c < ncalls; c++)
		for (int d = 0; d < 2; d++) {
			/* stream 2c: A -> relay port for A -> B;  stream 2c+1: B -> relay port for B -> A */
			struct stream *s = &ST[2 * c + d];
			s->dst.sin_family = AF_INET;
			s->dst.sin_addr = rip;
			s->dst.sin_port = htons((uint16_t)ports[c][d]);
			s->txsock = c % O.socks;
			s->rxside = 1 - d;
			s->ssrc = srtp_suite ? ssrc_base + (uint32_t)(2 * c + d) : (uint32_t)random() ^ ((uint32_t)random() << 16);
			s->rtpseq = (uint16_t)random();
			s->seq0 = s->rtpseq;
			s->rtpts = (uint32_t)random();
		}
	free(ports);
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = { (time_t)(t / 1000000000ull), (long)(t % 1000000000ull) };
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: rtp-load [--mode rate|flood] [--pps 50] [--window 8] [--warmup 2] [--duration 10]\n"
		"                [--drain 1] [--tick-us N] [--payload 160] [--socks 1] [--port 22500]\n"
		"                [--local-ip 127.0.0.1] [--relay-ip 127.0.0.1] [--stall-ms 1000]\n"
		"                [--srtp AES_CM_128_HMAC_SHA1_80|AEAD_AES_128_GCM --srtp-key B64 [--srtp-check-every 10]]\n"
		"  then on stdin: one 'C <relay port for A> <relay port for B> [relay's key to B, base64]' line\n"
		"  per call, then 'GO'\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct option lo[] = {
		{ "mode", 1, 0, 'm' }, { "pps", 1, 0, 'p' }, { "window", 1, 0, 'w' },
		{ "warmup", 1, 0, 'W' }, { "duration", 1, 0, 'd' }, { "drain", 1, 0, 'D' },
		{ "tick-us", 1, 0, 't' }, { "payload", 1, 0, 'P' }, { "socks", 1, 0, 'k' },
		{ "port", 1, 0, 'b' }, { "local-ip", 1, 0, 'l' }, { "relay-ip", 1, 0, 'r' },
		{ "stall-ms", 1, 0, 's' }, { "srtp", 1, 0, 'S' }, { "srtp-key", 1, 0, 'K' },
		{ "srtp-check-every", 1, 0, 'E' }, { "help", 0, 0, 'h' }, { 0, 0, 0, 0 }
	};
	int c;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'm': O.mode = optarg; break;
		case 'p': O.pps = atof(optarg); break;
		case 'w': O.window = atoi(optarg); break;
		case 'W': O.warmup = atof(optarg); break;
		case 'd': O.duration = atof(optarg); break;
		case 'D': O.drain = atof(optarg); break;
		case 't': O.tick_us = atoi(optarg); break;
		case 'P': O.payload = atoi(optarg); break;
		case 'k': O.socks = atoi(optarg); break;
		case 'b': O.port = atoi(optarg); break;
		case 'l': snprintf(O.local_ip, sizeof(O.local_ip), "%s", optarg); break;
		case 'r': snprintf(O.relay_ip, sizeof(O.relay_ip), "%s", optarg); break;
		case 's': O.stall_ms = atoi(optarg); break;
		case 'S': srtp_suite = optarg; break;
		case 'E': srtp_every = atoi(optarg); break;
		case 'K':
#ifdef WITH_SRTP
			srtp_key_len = b64_decode(optarg, srtp_key, sizeof(srtp_key));
#endif
			break;
		default: usage();
		}
	}
	int flood = strcmp(O.mode, "flood") == 0;
	if (!flood && strcmp(O.mode, "rate") != 0)
		usage();
	if (O.socks < 1 || O.socks > MAX_SOCKS || O.payload < 32 || O.payload > MAX_PKT - 12 ||
	    O.pps <= 0 || O.window < 1 || O.duration <= 0 || O.warmup < 0 || O.drain < 0)
		usage();
	if (O.tick_us <= 0)
		O.tick_us = flood ? 200 : 1000;
	if (srtp_suite) {
#ifdef WITH_SRTP
		if (flood || srtp_every < 1 || (strcmp(srtp_suite, "AES_CM_128_HMAC_SHA1_80") != 0 &&
		                                strcmp(srtp_suite, "AEAD_AES_128_GCM") != 0))
			usage();
		if (srtp_init() != srtp_err_status_ok)
			fail("srtp_init");
		srtp_tx = srtp_session(srtp_key, srtp_key_len, 1);
#else
		fprintf(stderr, "rtp-load: built without SRTP: build with -DWITH_SRTP ... -lsrtp2 (Debian: libsrtp2-dev)\n");
		exit(2);
#endif
	}
	pkt_len = 12 + O.payload;
	prctl(PR_SET_TIMERSLACK, 1UL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (int side = 0; side < 2; side++)
		for (int k = 0; k < O.socks; k++) {
			fds[side][k] = open_sock(O.port + side * O.socks + k);
			TX[side][k] = calloc(1, sizeof(struct txbatch));
			if (!TX[side][k])
				fail("calloc");
		}
	printf("READY %d %d\n", O.port, O.socks);
	read_calls();

	const uint64_t tick = (uint64_t)O.tick_us * 1000ull;
	const uint64_t t0 = mono_ns();
	const uint64_t t_win = t0 + (uint64_t)(O.warmup * 1e9);
	const uint64_t t_end = t_win + (uint64_t)(O.duration * 1e9);
	const uint64_t t_stop = t_end + (uint64_t)(O.drain * 1e9);
	const double total_pps = O.pps * nstreams;
	const uint64_t max_burst = (uint64_t)(total_pps * 0.1) + 1; /* catch up at most 100 ms */
	uint64_t sent_k = 0, win_start_ns = 0, win_end_ns = 0;
	double cpu_win0 = 0, cpu_win1 = 0;
	const uint64_t stall_ns = (uint64_t)O.stall_ms * 1000000ull;
	uint64_t next = t0, max_late_ns = 0;
	int max_late_phase = 0;

	for (;;) {
		uint64_t now = mono_ns();
		if (phase == 0 && now >= t_win) {
			drain_all(); /* what arrived before the window is not counted in it */
			phase = 1;
			win_start_ns = mono_ns();
			cpu_win0 = cpu_s();
			printf("MARK start %llu\n", (unsigned long long)win_start_ns);
		}
		if (phase == 1 && now >= t_end) {
			flush_all();
			drain_all();
			win_end_ns = mono_ns();
			cpu_win1 = cpu_s();
			phase = 2;
			printf("MARK end %llu\n", (unsigned long long)win_end_ns);
		}
		if (phase == 2 && now >= t_stop)
			break;
		c_ticks++;
		if (now > next + tick)
			c_late_ticks++;
		if (now > next && now - next > max_late_ns) {
			max_late_ns = now - next;
			max_late_phase = phase;
		}

		drain_all();
		if (phase < 2) {
			if (!flood) {
				uint64_t due = (uint64_t)((double)(now - t0) * 1e-9 * total_pps);
				if (due > sent_k + max_burst) {
					c_skipped += due - sent_k - max_burst;
					sent_k = due - max_burst;
				}
				for (; sent_k < due; sent_k++)
					queue_pkt((int)(sent_k % (uint64_t)nstreams));
			} else {
				for (int i = 0; i < nstreams; i++) {
					struct stream *s = &ST[i];
					uint32_t inflight = s->counter - s->acked;
					if (inflight > 0) {
						if (s->progress_ns == 0) {
							s->progress_ns = now;
						} else if (now - s->progress_ns > stall_ns) {
							/* the newest packets are lost: stop waiting for them */
							c_stall_lost += inflight;
							s->acked = s->counter;
							inflight = 0;
						}
					}
					if (inflight == 0)
						s->progress_ns = now;
					for (; inflight < (uint32_t)O.window; inflight++)
						queue_pkt(i);
				}
			}
			flush_all();
		}
		next += tick;
		if (next < now)
			next = now; /* fell behind: do not spin to catch up ticks */
		sleep_until(next);
	}
	drain_all();

	uint64_t tx_win = 0, rx_win = 0, silent = 0, lg_drops = 0;
	for (int i = 0; i < nstreams; i++) {
		tx_win += ST[i].tx_win;
		rx_win += ST[i].rx_win;
		if (ST[i].tx_win > 0 && ST[i].rx_win == 0)
			silent++;
	}
	for (int side = 0; side < 2; side++)
		for (int k = 0; k < O.socks; k++)
			lg_drops += ovfl[side][k];
	double win_s = (double)(win_end_ns - win_start_ns) / 1e9;
	double lg_cpu = cpu_win1 - cpu_win0;
	printf("RESULT {\"mode\":\"%s\",\"calls\":%d,\"streams\":%d,\"window_s\":%.6f,"
	       "\"tx\":%llu,\"rx\":%llu,\"tx_win\":%llu,\"rx_win\":%llu,\"rx_arrive_win\":%llu,"
	       "\"offered_pps\":%.1f,\"fwd_pps\":%.1f,\"loss_pct\":%.4f,"
	       "\"lat_n\":%llu,\"p50_us\":%llu,\"p90_us\":%llu,\"p99_us\":%llu,\"p999_us\":%llu,\"max_us\":%llu,"
	       "\"bad\":%llu,\"bad_sample\":\"%s\",\"misrouted\":%llu,\"dup\":%llu,\"send_fail\":%llu,\"skipped\":%llu,"
	       "\"stall_lost\":%llu,\"silent_streams\":%llu,\"lg_drops\":%llu,"
	       "\"lg_cpu_s\":%.4f,\"lg_util_pct\":%.2f,\"ticks\":%llu,\"late_ticks\":%llu,"
	       "\"max_late_ms\":%.3f,\"max_late_phase\":%d,\"srtp_ok\":%llu,\"srtp_fail\":%llu}\n",
	       O.mode, ncalls, nstreams, win_s,
	       (unsigned long long)c_tx, (unsigned long long)c_rx, (unsigned long long)tx_win,
	       (unsigned long long)rx_win, (unsigned long long)c_rx_arrive_win,
	       (double)tx_win / win_s, (double)c_rx_arrive_win / win_s,
	       tx_win ? 100.0 * (double)(tx_win - (rx_win < tx_win ? rx_win : tx_win)) / (double)tx_win : 0.0,
	       (unsigned long long)lat_n, (unsigned long long)percentile(0.50),
	       (unsigned long long)percentile(0.90), (unsigned long long)percentile(0.99),
	       (unsigned long long)percentile(0.999), (unsigned long long)lat_max_us,
	       (unsigned long long)c_bad, bad_sample, (unsigned long long)c_misrouted, (unsigned long long)c_dup,
	       (unsigned long long)c_send_fail, (unsigned long long)c_skipped,
	       (unsigned long long)c_stall_lost, (unsigned long long)silent, (unsigned long long)lg_drops,
	       lg_cpu, 100.0 * lg_cpu / win_s, (unsigned long long)c_ticks, (unsigned long long)c_late_ticks,
	       (double)max_late_ns / 1e6, max_late_phase, (unsigned long long)c_srtp_ok, (unsigned long long)c_srtp_fail);
	return 0;
}
