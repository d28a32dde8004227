/*
 * ng-load: the ng control load generator of rtpengine-ts's bench (bench/relay-bench.ts drives it).
 *
 * Every call is offer -> answer -> delete, each request sent when the previous reply arrived.
 * Requests are bencoded dictionaries over UDP with a cookie; a request without a reply after
 * --timeout-ms is sent again unchanged (the daemon's cookie cache answers repeats), up to --tries
 * times, then the call is abandoned and counted in errors.
 *
 *   --mode closed   --window W calls in progress at all times (throughput)
 *   --mode paced    a new call every 1/--rate s, at most --max-inflight in progress (latency at a
 *                   given load; calls that cannot start are counted in not_started)
 *
 * Reply latency = kernel receive time of the reply (SO_TIMESTAMPNS) - send time of the request's
 * first transmission. Only calls that finish inside the window are counted, and only replies
 * received inside it enter the latency percentiles.
 *
 * Output: "MARK start <ns>", "MARK end <ns>" (CLOCK_MONOTONIC) and "RESULT {json}" on stdout.
 * Written for rtpengine-ts; builds with plain gcc (links libc only).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
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

#define MAXREQ 2048
#define MAXSLOTS 20000

static struct {
	char ng_ip[64];
	int ng_port;
	const char *mode;
	int window, max_inflight;
	double rate, warmup, duration;
	int timeout_ms, tries;
	const char *tag;
} O = { "127.0.0.1", 22410, "closed", 16, 2000, 2000, 1, 10, 1000, 4, "ngl" };

struct slot {
	int busy;
	uint64_t call;     /* call number */
	int stage;         /* 0 offer, 1 answer, 2 delete */
	int tries;
	uint64_t first_rt; /* CLOCK_REALTIME ns of the first transmission */
	uint64_t last_mono;
	int len;
	char req[MAXREQ];
};

static struct slot *SL;
static int nslots, fd;
static struct sockaddr_in ng;
static int in_window;
static uint64_t c_calls_win, c_calls_total, c_req, c_req_win, c_errors, c_error_replies, c_retrans, c_not_started,
	c_stray;
static char first_error[160];
static uint32_t rx_ovfl; /* our socket's receive-queue drops (SO_RXQ_OVFL) */

/* latency histogram: 1 us bins up to 65 ms, then 1 ms bins up to 10 s */
#define FINE 65536
#define COARSE 10000
static uint64_t hfine[FINE], hcoarse[COARSE], lat_n, lat_max;

static void lat_add(uint64_t us)
{
	if (us < FINE)
		hfine[us]++;
	else
		hcoarse[us / 1000 < COARSE ? us / 1000 : COARSE - 1]++;
	lat_n++;
	if (us > lat_max)
		lat_max = us;
}

static double lat_pct(double p)
{
	if (!lat_n)
		return 0;
	uint64_t want = (uint64_t)(p * (double)lat_n), acc = 0;
	if (want >= lat_n)
		want = lat_n - 1;
	for (int i = 0; i < FINE; i++)
		if ((acc += hfine[i]) > want)
			return i;
	for (int i = 0; i < COARSE; i++)
		if ((acc += hcoarse[i]) > want)
			return (double)i * 1000;
	return (double)lat_max;
}

/* bencoded string "<len>:<s>" appended at p */
static int bstr(char *p, const char *s)
{
	return sprintf(p, "%zu:%s", strlen(s), s);
}

static void build(struct slot *s, int idx)
{
	char callid[96], ftag[112], ttag[112], sdp[512];
	snprintf(callid, sizeof(callid), "%s-%llu", O.tag, (unsigned long long)s->call);
	snprintf(ftag, sizeof(ftag), "%s-a", callid);
	snprintf(ttag, sizeof(ttag), "%s-b", callid);
	int port = 30000 + (int)(s->call % 1000) * 4 + (s->stage == 1 ? 2 : 0);
	snprintf(sdp, sizeof(sdp),
		 "v=0\r\no=- %llu 1 IN IP4 127.0.0.1\r\ns=rtpengine-ts bench\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		 "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n",
		 (unsigned long long)(2 * s->call + 1 + (s->stage == 1)), port);
	static const char *cmd[] = { "offer", "answer", "delete" };
	char *p = s->req;
	/* cookie: slot index and stage, so a reply finds its request without a lookup table */
	p += sprintf(p, "%d_%d_%llu d", idx, s->stage, (unsigned long long)s->call);
	p += bstr(p, "call-id");
	p += bstr(p, callid);
	p += bstr(p, "command");
	p += bstr(p, cmd[s->stage]);
	p += bstr(p, "from-tag");
	p += bstr(p, ftag);
	if (s->stage < 2) {
		p += bstr(p, "sdp");
		p += bstr(p, sdp);
	}
	if (s->stage == 1) {
		p += bstr(p, "to-tag");
		p += bstr(p, ttag);
	}
	*p++ = 'e';
	s->len = (int)(p - s->req);
}

static void transmit(struct slot *s)
{
	s->tries++;
	s->last_mono = mono_ns();
	if (s->tries == 1)
		s->first_rt = real_ns();
	else
		c_retrans++;
	sendto(fd, s->req, (size_t)s->len, 0, (struct sockaddr *)&ng, sizeof(ng));
}

static uint64_t next_call;

static void start_call(int idx)
{
	struct slot *s = &SL[idx];
	s->busy = 1;
	s->call = next_call++;
	s->stage = 0;
	s->tries = 0;
	build(s, idx);
	transmit(s);
	c_req++;
	if (in_window)
		c_req_win++;
}

static void next_stage(int idx)
{
	struct slot *s = &SL[idx];
	s->stage++;
	s->tries = 0;
	build(s, idx);
	transmit(s);
	c_req++;
	if (in_window)
		c_req_win++;
}

static int stopping;

static void finish_call(int idx, int ok)
{
	struct slot *s = &SL[idx];
	s->busy = 0;
	if (ok) {
		c_calls_total++;
		if (in_window)
			c_calls_win++;
	}
	if (!stopping && strcmp(O.mode, "closed") == 0)
		start_call(idx);
}

static void on_reply(const char *buf, int len, uint64_t rx_rt)
{
	int idx, stage;
	unsigned long long call;
	if (sscanf(buf, "%d_%d_%llu ", &idx, &stage, &call) != 3 || idx < 0 || idx >= nslots) {
		c_stray++;
		return;
	}
	struct slot *s = &SL[idx];
	if (!s->busy || s->stage != stage || s->call != call) {
		c_stray++; /* a late reply to a retransmitted request */
		return;
	}
	if (in_window)
		lat_add(rx_rt > s->first_rt ? (rx_rt - s->first_rt) / 1000 : 0);
	const char *res = memmem(buf, (size_t)len, "6:result", 8);
	int ok = res && (size_t)(buf + len - res) >= 12 && memcmp(res + 8, "2:ok", 4) == 0;
	if (!ok) {
		c_error_replies++;
		if (!first_error[0]) {
			const char *r = memmem(buf, (size_t)len, "12:error-reason", 15);
			snprintf(first_error, sizeof(first_error), "%.*s", r ? (int)(buf + len - r - 15 < 120 ? buf + len - r - 15 : 120) : 60,
				 r ? r + 15 : buf);
			for (char *q = first_error; *q; q++)
				if (*q == '"' || *q == '\\' || (unsigned char)*q < 32)
					*q = ' ';
		}
		/* an error on delete still ends the call; on offer/answer the call is abandoned */
		finish_call(idx, 0);
		return;
	}
	if (s->stage < 2)
		next_stage(idx);
	else
		finish_call(idx, 1);
}

static void receive_all(void)
{
	char buf[65536];
	char ctl[128];
	for (;;) {
		struct iovec iov = { buf, sizeof(buf) - 1 };
		struct msghdr mh = { 0 };
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl;
		mh.msg_controllen = sizeof(ctl);
		ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		buf[n] = 0;
		uint64_t rt = 0;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
				struct timespec t;
				memcpy(&t, CMSG_DATA(c), sizeof(t));
				rt = (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
			} else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
				memcpy(&rx_ovfl, CMSG_DATA(c), 4);
			}
		on_reply(buf, (int)n, rt ? rt : real_ns());
	}
}

static void check_timeouts(uint64_t now)
{
	uint64_t to = (uint64_t)O.timeout_ms * 1000000ull;
	for (int i = 0; i < nslots; i++) {
		struct slot *s = &SL[i];
		if (!s->busy || now - s->last_mono < to)
			continue;
		if (s->tries >= O.tries) {
			c_errors++;
			if (!first_error[0])
				snprintf(first_error, sizeof(first_error), "no reply after %d tries", s->tries);
			finish_call(i, 0);
		} else {
			transmit(s);
		}
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: ng-load [--ng IP:PORT] [--mode closed|paced] [--window 16] [--rate 2000] [--max-inflight 2000]\n"
			"               [--warmup 1] [--duration 10] [--timeout-ms 1000] [--tries 4] [--tag STR]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct option lo[] = {
		{ "ng", 1, 0, 'n' }, { "mode", 1, 0, 'm' }, { "window", 1, 0, 'w' }, { "rate", 1, 0, 'r' },
		{ "max-inflight", 1, 0, 'i' }, { "warmup", 1, 0, 'W' }, { "duration", 1, 0, 'd' },
		{ "timeout-ms", 1, 0, 't' }, { "tries", 1, 0, 'T' }, { "tag", 1, 0, 'g' }, { 0, 0, 0, 0 }
	};
	int c;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'n': {
			char *colon = strrchr(optarg, ':');
			if (!colon)
				usage();
			snprintf(O.ng_ip, sizeof(O.ng_ip), "%.*s", (int)(colon - optarg), optarg);
			O.ng_port = atoi(colon + 1);
			break;
		}
		case 'm': O.mode = optarg; break;
		case 'w': O.window = atoi(optarg); break;
		case 'r': O.rate = atof(optarg); break;
		case 'i': O.max_inflight = atoi(optarg); break;
		case 'W': O.warmup = atof(optarg); break;
		case 'd': O.duration = atof(optarg); break;
		case 't': O.timeout_ms = atoi(optarg); break;
		case 'T': O.tries = atoi(optarg); break;
		case 'g': O.tag = optarg; break;
		default: usage();
		}
	}
	int paced = strcmp(O.mode, "paced") == 0;
	if ((!paced && strcmp(O.mode, "closed") != 0) || O.window < 1 || O.rate <= 0 || O.max_inflight < 1 ||
	    O.duration <= 0 || O.tries < 1 || strlen(O.tag) > 40)
		usage();
	nslots = paced ? O.max_inflight : O.window;
	if (nslots > MAXSLOTS)
		nslots = MAXSLOTS;
	SL = calloc((size_t)nslots, sizeof(*SL));
	prctl(PR_SET_TIMERSLACK, 1UL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	int one = 1, big = 8 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
	struct sockaddr_in me = { .sin_family = AF_INET };
	inet_pton(AF_INET, "127.0.0.1", &me.sin_addr);
	if (bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0) {
		perror("bind");
		return 2;
	}
	ng.sin_family = AF_INET;
	ng.sin_port = htons((uint16_t)O.ng_port);
	if (inet_pton(AF_INET, O.ng_ip, &ng.sin_addr) != 1)
		usage();

	const uint64_t t0 = mono_ns();
	const uint64_t t_win = t0 + (uint64_t)(O.warmup * 1e9), t_end = t_win + (uint64_t)(O.duration * 1e9);
	const uint64_t t_quit = t_end + (uint64_t)O.timeout_ms * (uint64_t)O.tries * 1000000ull;
	uint64_t started = 0, win0 = 0, win1 = 0, last_to = t0;
	double cpu0 = 0, cpu1 = 0;
	if (!paced)
		for (int i = 0; i < nslots; i++)
			start_call(i);
	int free_hint = 0;
	for (;;) {
		uint64_t now = mono_ns();
		if (!in_window && !stopping && now >= t_win) {
			in_window = 1;
			win0 = mono_ns();
			cpu0 = cpu_s();
			printf("MARK start %llu\n", (unsigned long long)win0);
		}
		if (in_window && now >= t_end) {
			in_window = 0;
			stopping = 1;
			win1 = mono_ns();
			cpu1 = cpu_s();
			printf("MARK end %llu\n", (unsigned long long)win1);
		}
		if (stopping) {
			int busy = 0;
			for (int i = 0; i < nslots && !busy; i++)
				busy = SL[i].busy;
			if (!busy || now >= t_quit)
				break;
		}
		if (paced && !stopping) {
			uint64_t due = (uint64_t)((double)(now - t0) * 1e-9 * O.rate);
			for (; started < due; started++) {
				int idx = -1;
				for (int k = 0; k < nslots; k++) {
					int j = (free_hint + k) % nslots;
					if (!SL[j].busy) {
						idx = j;
						break;
					}
				}
				if (idx < 0) {
					c_not_started++;
					continue;
				}
				free_hint = (idx + 1) % nslots;
				start_call(idx);
			}
		}
		struct pollfd p = { fd, POLLIN, 0 };
		int wait_ms = paced ? 1 : 10;
		poll(&p, 1, wait_ms);
		receive_all();
		now = mono_ns();
		if (now - last_to > 10000000ull) { /* every 10 ms */
			check_timeouts(now);
			last_to = now;
		}
	}
	double win_s = (double)(win1 - win0) / 1e9;
	printf("RESULT {\"mode\":\"%s\",\"window_s\":%.6f,\"calls\":%llu,\"calls_per_s\":%.1f,\"requests\":%llu,"
	       "\"req_per_s\":%.1f,\"lat_n\":%llu,\"p50_us\":%.0f,\"p90_us\":%.0f,\"p99_us\":%.0f,\"p999_us\":%.0f,"
	       "\"max_us\":%llu,\"errors\":%llu,\"error_replies\":%llu,\"retransmits\":%llu,\"not_started\":%llu,"
	       "\"stray\":%llu,\"lg_drops\":%u,\"first_error\":\"%s\",\"lg_cpu_s\":%.4f,\"lg_util_pct\":%.2f}\n",
	       O.mode, win_s, (unsigned long long)c_calls_win, (double)c_calls_win / win_s, (unsigned long long)c_req_win,
	       (double)c_req_win / win_s, (unsigned long long)lat_n, lat_pct(0.5), lat_pct(0.9), lat_pct(0.99),
	       lat_pct(0.999), (unsigned long long)lat_max, (unsigned long long)c_errors,
	       (unsigned long long)c_error_replies, (unsigned long long)c_retrans, (unsigned long long)c_not_started,
	       (unsigned long long)c_stray, rx_ovfl, first_error, cpu1 - cpu0, 100.0 * (cpu1 - cpu0) / win_s);
	return 0;
}
