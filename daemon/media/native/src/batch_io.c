/*
 * rtpengine-ts batched UDP I/O for the media worker (optional; the worker falls back to node:dgram).
 *
 * WHY this exists: bench/RESULTS.md measured rtpengine-ts at ~15-18 CPU-us per forwarded packet
 * against rtpengine's ~8.5-9.5, with similar syscalls per packet and similar kernel time. The gap is
 * Node's per-datagram user-space machinery in dgram: a Buffer (ArrayBuffer backing store malloc/free)
 * and an rinfo object with a formatted address string for every received datagram, one JS<->C++
 * MakeCallback round trip per receive and per send, and the address string parsed back on every
 * send. Our own per-packet JS is ~9 % of the worker. dgram cannot meet the per-packet budget.
 *
 * What this does instead (the per-packet LOGIC stays in TypeScript, daemon/media/pipeline.ts):
 *   - sockets are plain non-blocking UDP fds (IPv4 or dual-stack IPv6), one per stream slot;
 *   - all of them sit in ONE epoll set, and that epoll fd is watched by ONE uv_poll_t on the
 *     worker's libuv loop;
 *   - when it is readable, the ready sockets are drained with recvmmsg into ONE preallocated buffer
 *     (fixed stride per packet) plus an Int32Array of metadata (slot, offset, length, family,
 *     IPv4 source as u32 bits, source port), and ONE JS callback runs per batch, not per packet;
 *   - JS queues sends (sending slot, offset/length in the same buffer, destination as numbers) into
 *     a preallocated Int32Array and flushes them with one native call, which issues sendmmsg per run
 *     of consecutive entries with the same socket.
 * Bad input never aborts the process: every error is a negative return value or a counter.
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

/* Packets per JS callback and per recvmmsg/sendmmsg call. */
#define BATCH 64
/* Receive stride: a full UDP datagram always fits, like dgram (no truncation). */
#define STRIDE 65536
/* Send scratch area after the receive area (JS-built packets, e.g. generated RTCP). */
#define SEND_AREA (256 * 1024)
/* Metadata words per received packet / per queued send. */
#define RX_FIELDS 6 /* slot, offset, length, family, addr (v4 u32 bits | v6 index into rx6), port */
#define TX_FIELDS 6 /* slot, offset, length, family, addr (v4 u32 bits | v6 index into addr6), port */
#define TX_MAX 1024
#define ADDR6_MAX 65536
/* epoll rounds per uv_poll wakeup before returning to the loop (timers, messages stay fair). */
#define MAX_ROUNDS 16
/* epoll tag of the wake eventfd (slots are < 2^22). */
#define WAKE_TAG 0xFFFFFFFFu

/* stats[] indexes (Float64Array shared with JS) */
enum { ST_RX_PACKETS, ST_RX_BATCHES, ST_RX_ERRORS, ST_TX_PACKETS, ST_TX_ERRORS, ST_TX_CALLS, ST_CB_EXCEPTIONS, ST_TRUNCATED, ST_FIELDS };

typedef struct {
  napi_env env;
  uv_poll_t poll;
  int poll_started;
  int closing;
  int epfd;
  int slots;
  int *fds;
  unsigned char *fam; /* family of each slot's socket (4/6) */
  napi_ref cb;
  /* With one (init's `scoped`), callbacks run in a node callback scope (napi_make_callback), so
   * promise reactions and process.nextTick run when the callback returns, as after any node I/O
   * callback: the main thread's ng socket needs that, the media workers' packet path does not. */
  napi_async_context actx;
  int wakefd;       /* eventfd in the epoll set, written by wake() from another thread; -1 = none.
                       Owned by the thread that created it with eventfd() (the main thread), never
                       closed here: a worker that dies cannot leave the number to be reused while
                       the main thread still writes to it. */
  napi_ref buf_ref, rx_ref, tx_ref, addr6_ref, rx6_ref, stats_ref, txerr_ref;
  unsigned char *buf;   /* BATCH * STRIDE receive area + SEND_AREA */
  int32_t *rx;          /* BATCH * RX_FIELDS */
  int32_t *tx;          /* TX_MAX * TX_FIELDS */
  int32_t *txerr;       /* TX_MAX: errno of a failed send, 0 = sent */
  unsigned char *addr6; /* ADDR6_MAX * 16: destination IPv6 table written by JS */
  unsigned char *rx6;   /* BATCH * 16: IPv6 sources of the current batch */
  double *stats;
  int in_callback;
  napi_async_cleanup_hook_handle cleanup;
  /* recvmmsg headers, one per batch position, set up once in init (iov k = receive stride k); only
   * msg_namelen is restored after an entry was used, so a receive costs no header setup per packet */
  struct mmsghdr rxmsgs[BATCH];
  struct iovec rxiov[BATCH];
  struct sockaddr_storage rxaddrs[BATCH];
  /* sendmmsg scratch */
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  struct sockaddr_storage addrs[BATCH];
  struct epoll_event events[BATCH];
} Ctx;

#define CHECK(call) do { if ((call) != napi_ok) return NULL; } while (0)

static napi_value num(napi_env env, double v) {
  napi_value r;
  napi_create_double(env, v, &r);
  return r;
}

static Ctx *get_ctx(napi_env env) {
  Ctx *c = NULL;
  napi_get_instance_data(env, (void **)&c);
  return c;
}

static int get_i32(napi_env env, napi_value v, int32_t *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) return 0;
  return napi_get_value_int32(env, v, out) == napi_ok;
}

static void close_sockets(Ctx *c) {
  if (c->fds)
    for (int i = 0; i < c->slots; i++)
      if (c->fds[i] >= 0) { epoll_ctl(c->epfd, EPOLL_CTL_DEL, c->fds[i], NULL); close(c->fds[i]); c->fds[i] = -1; }
}

static void on_poll_closed(uv_handle_t *h) {
  Ctx *c = (Ctx *)h->data;
  if (c->epfd >= 0) { close(c->epfd); c->epfd = -1; }
  napi_async_cleanup_hook_handle hh = c->cleanup;
  if (c->actx) napi_async_destroy(c->env, c->actx);
  /* The env is going away: its references die with it; only our own memory is freed here. */
  free(c->fds);
  free(c->fam);
  free(c);
  napi_remove_async_cleanup_hook(hh);
}

/* Env teardown (worker exit): the uv_poll handle must be closed before the loop is. */
static void on_env_cleanup(napi_async_cleanup_hook_handle hh, void *arg) {
  Ctx *c = (Ctx *)arg;
  c->cleanup = hh;
  c->closing = 1;
  if (c->poll_started) { uv_poll_stop(&c->poll); c->poll_started = 0; }
  close_sockets(c);
  uv_close((uv_handle_t *)&c->poll, on_poll_closed);
}

/* Calls the JS function behind `ref` with one number; an exception is counted and cleared. */
static void call_js(Ctx *c, napi_ref ref, int n) {
  napi_env env = c->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value cb, global, arg, result;
  if (napi_get_reference_value(env, ref, &cb) == napi_ok && cb != NULL &&
      napi_get_global(env, &global) == napi_ok) {
    arg = num(env, n);
    c->in_callback = 1;
    napi_status st = c->actx ? napi_make_callback(env, c->actx, global, cb, 1, &arg, &result)
                             : napi_call_function(env, global, cb, 1, &arg, &result);
    c->in_callback = 0;
    if (st != napi_ok) {
      bool pending = false;
      napi_is_exception_pending(env, &pending);
      if (pending) {
        napi_value e;
        napi_get_and_clear_last_exception(env, &e);
      }
      c->stats[ST_CB_EXCEPTIONS] += 1;
    }
  }
  napi_close_handle_scope(env, scope);
}

static void deliver(Ctx *c, int n) {
  if (n <= 0) return;
  c->stats[ST_RX_BATCHES] += 1;
  call_js(c, c->cb, n);
}

/* An edge-triggered socket left with data (the guard above stopped draining it): EPOLL_CTL_MOD
 * checks its readiness again and queues a new event if it still has some (epoll(7)). */
static void rearm(Ctx *c, int slot) {
  if (slot < 0 || slot >= c->slots || c->fds[slot] < 0) return;
  struct epoll_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.events = EPOLLIN | EPOLLET;
  ev.data.u32 = (uint32_t)slot;
  epoll_ctl(c->epfd, EPOLL_CTL_MOD, c->fds[slot], &ev);
}

/* Drains ready sockets into the batch; calls JS whenever the batch is full and at the end. */
static void on_readable(uv_poll_t *h, int status, int events) {
  (void)events;
  Ctx *c = (Ctx *)h->data;
  if (status < 0 || c->closing) return;
  int n = 0;
  int woken = 0;
  for (int round = 0; round < MAX_ROUNDS; round++) {
    int ne = epoll_wait(c->epfd, c->events, BATCH, 0);
    if (ne <= 0) break;
    for (int e = 0; e < ne; e++) {
      if (c->events[e].data.u32 == WAKE_TAG) {
        /* Commands from the main thread: the JS callback runs them before the packets of every
         * batch, so a wake only needs a callback when no packet brings one (below). */
        uint64_t v;
        while (read(c->wakefd, &v, sizeof(v)) < 0 && errno == EINTR) {}
        woken = 1;
        continue;
      }
      int slot = (int)c->events[e].data.u32;
      /* A socket may be drained in several pieces if the batch fills up. Sockets are edge-triggered
       * (see adopt_fd): one left with data must be re-armed, below. */
      int drained = 0;
      for (int guard = 0; guard < 64; guard++) {
        if (slot < 0 || slot >= c->slots || c->fds[slot] < 0) { drained = 1; break; }
        int fd = c->fds[slot];
        int want = BATCH - n;
        int got = recvmmsg(fd, c->rxmsgs + n, (unsigned)want, MSG_DONTWAIT, NULL);
        if (got < 0) {
          if (errno == EAGAIN || errno == EWOULDBLOCK) { drained = 1; break; }
          if (errno == EINTR) continue;
          /* e.g. ECONNREFUSED from an ICMP error of an earlier send: consumed; JS counts it on the
           * slot (an entry with length -errno), as dgram's 'error' event does. */
          int32_t *r = c->rx + (size_t)n * RX_FIELDS;
          r[0] = slot; r[1] = 0; r[2] = -(errno ? errno : EIO); r[3] = 0; r[4] = 0; r[5] = 0;
          c->stats[ST_RX_ERRORS] += 1;
          if (++n >= BATCH) {
            deliver(c, n);
            n = 0;
            if (c->closing) return;
          }
          continue;
        }
        for (int i = 0; i < got; i++) {
          int32_t *r = c->rx + (size_t)(n + i) * RX_FIELDS;
          r[0] = slot;
          r[1] = (n + i) * STRIDE;
          struct mmsghdr *m = &c->rxmsgs[n + i];
          r[2] = (int32_t)m->msg_len;
          if (m->msg_hdr.msg_flags & MSG_TRUNC) c->stats[ST_TRUNCATED] += 1;
          m->msg_hdr.msg_namelen = sizeof(c->rxaddrs[0]); /* the kernel shrank it; ready for next time */
          struct sockaddr_storage *sa = &c->rxaddrs[n + i];
          if (sa->ss_family == AF_INET) {
            struct sockaddr_in *s4 = (struct sockaddr_in *)sa;
            r[3] = 4;
            r[4] = (int32_t)ntohl(s4->sin_addr.s_addr);
            r[5] = ntohs(s4->sin_port);
          } else if (sa->ss_family == AF_INET6) {
            struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;
            r[3] = 6;
            r[4] = n + i;
            memcpy(c->rx6 + (size_t)(n + i) * 16, &s6->sin6_addr, 16);
            r[5] = ntohs(s6->sin6_port);
          } else {
            r[3] = 0; r[4] = 0; r[5] = 0;
          }
        }
        n += got;
        c->stats[ST_RX_PACKETS] += got;
        if (n >= BATCH) {
          deliver(c, n);
          n = 0;
          if (c->closing) return;
          continue; /* same socket may have more */
        }
        /* Fewer than asked with MSG_DONTWAIT: the queue was empty. A datagram (or an ICMP error)
         * arriving after this makes a new edge, so no second recvmmsg to see EAGAIN is needed. */
        if (got < want) { drained = 1; break; }
      }
      if (!drained) rearm(c, slot);
    }
    if (ne < BATCH) break;
  }
  if (n > 0) deliver(c, n);
  else if (woken) call_js(c, c->cb, 0);
}

/*
 * init(slots, callback[, wakeFd[, scoped]]) -> { buf, rx, tx, txerr, addr6, rx6, stats, batch, stride,
 * rxFields, txFields, txMax, sendBase, sendBytes }. With wakeFd >= 0 (an eventfd() of the caller's
 * thread, which keeps owning it) in this thread's epoll set, wake(wakeFd) from any thread makes this
 * thread call callback(0) when no packets are ready to come with it.
 */
static napi_value js_init(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t slots = 0;
  bool scoped = false;
  int32_t wakefd = -1;
  napi_valuetype t;
  if (argc >= 4) napi_get_value_bool(env, argv[3], &scoped);
  if (argc < 2 || !get_i32(env, argv[0], &slots) || slots <= 0 || slots > (1 << 22) ||
      napi_typeof(env, argv[1], &t) != napi_ok || t != napi_function ||
      (argc >= 3 && !get_i32(env, argv[2], &wakefd))) {
    napi_throw_type_error(env, NULL, "init(slots, callback[, wakeFd[, scoped]])");
    return NULL;
  }
  if (get_ctx(env) != NULL) {
    napi_throw_error(env, NULL, "already initialised in this thread");
    return NULL;
  }
  Ctx *c = (Ctx *)calloc(1, sizeof(Ctx));
  if (!c) { napi_throw_error(env, NULL, "out of memory"); return NULL; }
  c->env = env;
  c->slots = slots;
  c->epfd = -1;
  c->wakefd = -1;
  c->fds = (int *)malloc(sizeof(int) * (size_t)slots);
  c->fam = (unsigned char *)calloc((size_t)slots, 1);
  if (!c->fds || !c->fam) { napi_throw_error(env, NULL, "out of memory"); return NULL; }
  for (int i = 0; i < slots; i++) c->fds[i] = -1;
  c->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (c->epfd < 0) { napi_throw_error(env, NULL, "epoll_create1 failed"); return NULL; }

  napi_value ret, ab, v;
  CHECK(napi_create_object(env, &ret));
  void *p;
/* No memset: V8's ArrayBuffer::New (behind napi_create_arraybuffer) hands out zeroed memory, which for
   the 4.3 MB receive/send area and the 1 MB IPv6 table is calloc'd fresh mmap pages. Writing zeros
   would make all of it resident; untouched, only the pages packets are written to are (the first
   page of each 64 KB receive stride for RTP-sized datagrams, ~0.3 MB): ~5 MB less RSS. */
#define AB(name, bytes, field, ref, kind, count)                                   \
  CHECK(napi_create_arraybuffer(env, (bytes), &p, &ab));                           \
  c->field = p;                                                                    \
  CHECK(napi_create_typedarray(env, kind, (count), ab, 0, &v));                    \
  CHECK(napi_create_reference(env, v, 1, &c->ref));                                \
  CHECK(napi_set_named_property(env, ret, name, v));
  AB("buf", (size_t)BATCH * STRIDE + SEND_AREA, buf, buf_ref, napi_uint8_array, (size_t)BATCH * STRIDE + SEND_AREA)
  AB("rx", sizeof(int32_t) * BATCH * RX_FIELDS, rx, rx_ref, napi_int32_array, BATCH * RX_FIELDS)
  AB("tx", sizeof(int32_t) * TX_MAX * TX_FIELDS, tx, tx_ref, napi_int32_array, TX_MAX * TX_FIELDS)
  AB("txerr", sizeof(int32_t) * TX_MAX, txerr, txerr_ref, napi_int32_array, TX_MAX)
  AB("addr6", (size_t)ADDR6_MAX * 16, addr6, addr6_ref, napi_uint8_array, (size_t)ADDR6_MAX * 16)
  AB("rx6", BATCH * 16, rx6, rx6_ref, napi_uint8_array, BATCH * 16)
  AB("stats", sizeof(double) * ST_FIELDS, stats, stats_ref, napi_float64_array, ST_FIELDS)
#undef AB
  for (int k = 0; k < BATCH; k++) {
    c->rxiov[k].iov_base = c->buf + (size_t)k * STRIDE;
    c->rxiov[k].iov_len = STRIDE;
    c->rxmsgs[k].msg_hdr.msg_iov = &c->rxiov[k];
    c->rxmsgs[k].msg_hdr.msg_iovlen = 1;
    c->rxmsgs[k].msg_hdr.msg_name = &c->rxaddrs[k];
    c->rxmsgs[k].msg_hdr.msg_namelen = sizeof(c->rxaddrs[k]);
  }
  CHECK(napi_set_named_property(env, ret, "batch", num(env, BATCH)));
  CHECK(napi_set_named_property(env, ret, "stride", num(env, STRIDE)));
  CHECK(napi_set_named_property(env, ret, "rxFields", num(env, RX_FIELDS)));
  CHECK(napi_set_named_property(env, ret, "txFields", num(env, TX_FIELDS)));
  CHECK(napi_set_named_property(env, ret, "txMax", num(env, TX_MAX)));
  CHECK(napi_set_named_property(env, ret, "addr6Max", num(env, ADDR6_MAX)));
  CHECK(napi_set_named_property(env, ret, "sendBase", num(env, (double)BATCH * STRIDE)));
  CHECK(napi_set_named_property(env, ret, "sendBytes", num(env, SEND_AREA)));
  CHECK(napi_create_reference(env, argv[1], 1, &c->cb));
  if (scoped) {
    napi_value name;
    CHECK(napi_create_string_utf8(env, "rtpengine-ts:batch-io", NAPI_AUTO_LENGTH, &name));
    CHECK(napi_async_init(env, NULL, name, &c->actx));
  }
  if (wakefd >= 0) {
    c->wakefd = wakefd;
    struct epoll_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN;
    ev.data.u32 = WAKE_TAG;
    if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->wakefd, &ev) != 0) { napi_throw_error(env, NULL, "epoll_ctl failed"); return NULL; }
  }

  uv_loop_t *loop = NULL;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == NULL) {
    napi_throw_error(env, NULL, "no uv loop");
    return NULL;
  }
  if (uv_poll_init(loop, &c->poll, c->epfd) != 0) {
    napi_throw_error(env, NULL, "uv_poll_init failed");
    return NULL;
  }
  c->poll.data = c;
  if (uv_poll_start(&c->poll, UV_READABLE, on_readable) != 0) {
    napi_throw_error(env, NULL, "uv_poll_start failed");
    return NULL;
  }
  c->poll_started = 1;
  /* The poll handle must not keep the worker alive by itself (like an unref'd timer). */
  uv_unref((uv_handle_t *)&c->poll);
  CHECK(napi_set_instance_data(env, c, NULL, NULL));
  CHECK(napi_add_async_cleanup_hook(env, on_env_cleanup, c, NULL));
  return ret;
}

/* A new non-blocking UDP socket bound to address:port (IPv6 ones dual-stack, as node:dgram's udp6
 * without ipv6Only): the fd, or -errno. Needs no Ctx, so any thread may bind (see js_bind_socket). */
static int bind_socket(int fam, const char *addr, int port) {
  struct sockaddr_storage ss;
  socklen_t sl;
  memset(&ss, 0, sizeof(ss));
  if (fam == 4) {
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, addr, &s4->sin_addr) != 1) return -EINVAL;
    sl = sizeof(*s4);
  } else {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, addr, &s6->sin6_addr) != 1) return -EINVAL;
    sl = sizeof(*s6);
  }
  int fd = socket(fam == 4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  if (fam == 6) {
    int off = 0;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
  }
  if (bind(fd, (struct sockaddr *)&ss, sl) != 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

/* Puts an open socket into the slot and the epoll set: 0 or -errno (the fd stays the caller's then). */
static int adopt_fd(Ctx *c, int slot, int fam, int fd) {
  if (slot < 0 || slot >= c->slots || (fam != 4 && fam != 6) || fd < 0) return -EINVAL;
  if (c->fds[slot] >= 0) return -EBUSY;
  struct epoll_event ev;
  memset(&ev, 0, sizeof(ev));
  /* Edge-triggered: on_readable drains a socket until recvmmsg returns fewer than asked. A
   * level-triggered socket goes back on the set's ready list each time it is reported, so every later
   * check of this epoll fd from libuv's set polled it once more (sock_poll under
   * __ep_eventpoll_poll: ~6 % of a worker's samples at low rates, bench/RESULTS.md). */
  ev.events = EPOLLIN | EPOLLET;
  ev.data.u32 = (uint32_t)slot;
  if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) return -errno;
  c->fds[slot] = fd;
  c->fam[slot] = (unsigned char)fam;
  return 0;
}

/* Reads (family, address, port) from argv[0..2]; 0 or -EINVAL. */
static int get_endpoint(napi_env env, napi_value *argv, int32_t *fam, char *addr, size_t addrsz, int32_t *port) {
  size_t alen = 0;
  if (!get_i32(env, argv[0], fam) || !get_i32(env, argv[2], port) ||
      napi_get_value_string_utf8(env, argv[1], addr, addrsz, &alen) != napi_ok)
    return -EINVAL;
  if ((*fam != 4 && *fam != 6) || *port < 0 || *port > 65535) return -EINVAL;
  return 0;
}

/*
 * bindSocket(family 4|6, address, port) -> fd or -errno. Thread-agnostic: the main thread binds
 * synchronously while handling an offer (no round trip to the worker for the port), then the worker
 * takes the fd over with adopt(). File descriptors are process-wide, so this is safe across threads.
 */
static napi_value js_bind_socket(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fam, port;
  char addr[INET6_ADDRSTRLEN + 1];
  if (argc < 3 || get_endpoint(env, argv, &fam, addr, sizeof(addr), &port) != 0) return num(env, -EINVAL);
  return num(env, bind_socket(fam, addr, port));
}

/* The single fd argument of closeFd()/wake(): the fd, or -EINVAL. */
static int fd_arg(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || !get_i32(env, argv[0], &fd) || fd < 0)
    return -EINVAL;
  return fd;
}

/* closeFd(fd) -> 0 or -errno: for a bindSocket() fd that no worker adopted. */
static napi_value js_close_fd(napi_env env, napi_callback_info info) {
  int fd = fd_arg(env, info);
  if (fd < 0) return num(env, fd);
  return num(env, close(fd) == 0 ? 0 : -errno);
}

/* setRecvBuffer(fd, bytes) -> 0 or -errno: SO_RCVBUF, as dgram's setRecvBufferSize. */
static napi_value js_set_recv_buffer(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd, bytes;
  if (argc < 2 || !get_i32(env, argv[0], &fd) || !get_i32(env, argv[1], &bytes) || fd < 0 || bytes <= 0)
    return num(env, -EINVAL);
  return num(env, setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)) == 0 ? 0 : -errno);
}

/* eventfd() -> fd or -errno: a wake counter for init() of another thread; its creator owns and closes it. */
static napi_value js_eventfd(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  return num(env, fd >= 0 ? fd : -errno);
}

/* wake(fd) -> 0 or -errno: from any thread, makes the thread owning that wakeFd run its wakeCallback. */
static napi_value js_wake(napi_env env, napi_callback_info info) {
  int fd = fd_arg(env, info);
  if (fd < 0) return num(env, fd);
  uint64_t one = 1;
  for (;;) {
    if (write(fd, &one, sizeof(one)) == (ssize_t)sizeof(one)) return num(env, 0);
    if (errno == EAGAIN) return num(env, 0); /* counter saturated: a wake is pending anyway */
    if (errno != EINTR) return num(env, -errno);
  }
}

/* This thread's context and the slot number of argv[0], in range; NULL when either is missing. */
static Ctx *slot_arg(napi_env env, size_t argc, napi_value *argv, int32_t *slot) {
  Ctx *c = get_ctx(env);
  if (!c || argc < 1 || !get_i32(env, argv[0], slot) || *slot < 0 || *slot >= c->slots) return NULL;
  return c;
}

/* adopt(slot, family, fd) -> 0 or -errno: this thread's slot takes over a bindSocket() fd. */
static napi_value js_adopt(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t slot, fam, fd;
  Ctx *c = slot_arg(env, argc, argv, &slot);
  if (!c || argc < 3 || !get_i32(env, argv[1], &fam) || !get_i32(env, argv[2], &fd)) return num(env, -EINVAL);
  return num(env, adopt_fd(c, slot, fam, fd));
}

/* open(slot, family 4|6, address, port) -> 0 or -errno: bindSocket + adopt in this thread. */
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t slot, fam, port;
  char addr[INET6_ADDRSTRLEN + 1];
  Ctx *c = slot_arg(env, argc, argv, &slot);
  if (!c || argc < 4 || get_endpoint(env, argv + 1, &fam, addr, sizeof(addr), &port) != 0) return num(env, -EINVAL);
  if (c->fds[slot] >= 0) return num(env, -EBUSY); /* before binding: a busy slot must not take the port */
  int fd = bind_socket(fam, addr, port);
  if (fd < 0) return num(env, fd);
  int r = adopt_fd(c, slot, fam, fd);
  if (r != 0) close(fd);
  return num(env, r);
}

/* The open fd of the slot named by argv[0] (and its context), or -errno (bad argument / not open). */
static int slot_fd(napi_env env, size_t argc, napi_value *argv, int32_t *slot, Ctx **c) {
  *c = slot_arg(env, argc, argv, slot);
  if (!*c) return -EINVAL;
  return (*c)->fds[*slot] >= 0 ? (*c)->fds[*slot] : -EBADF;
}

/*
 * setTos(slot, tos) -> 0 or -errno: the DSCP/ECN byte of the slot's outgoing packets (--tos, the ng
 * `TOS` key): IP_TOS for IPv4, IPV6_TCLASS (and IP_TOS for v4-mapped traffic) for IPv6 sockets.
 */
static napi_value js_set_tos(napi_env env, napi_callback_info info) {
  Ctx *c;
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t slot, tos;
  if (argc < 2 || !get_i32(env, argv[1], &tos) || tos < 0 || tos > 255) return num(env, -EINVAL);
  int fd = slot_fd(env, argc, argv, &slot, &c);
  if (fd < 0) return num(env, fd);
  int v = tos;
  if (c->fam[slot] == 6) {
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &v, sizeof(v)) != 0) return num(env, -errno);
    setsockopt(fd, IPPROTO_IP, IP_TOS, &v, sizeof(v)); /* v4-mapped peers; not every kernel allows it */
    return num(env, 0);
  }
  if (setsockopt(fd, IPPROTO_IP, IP_TOS, &v, sizeof(v)) != 0) return num(env, -errno);
  return num(env, 0);
}

/* close(slot) -> 0 or -errno */
static napi_value js_close(napi_env env, napi_callback_info info) {
  Ctx *c;
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t slot;
  int fd = slot_fd(env, argc, argv, &slot, &c);
  if (fd < 0) return num(env, fd);
  epoll_ctl(c->epfd, EPOLL_CTL_DEL, fd, NULL);
  close(fd);
  c->fds[slot] = -1;
  c->fam[slot] = 0;
  return num(env, 0);
}

static int fill_dest(Ctx *c, int sfam, const int32_t *t, struct sockaddr_storage *ss, socklen_t *sl) {
  int32_t fam = t[3], addr = t[4], port = t[5];
  if (port < 0 || port > 65535) return 0;
  memset(ss, 0, sizeof(*ss));
  if (fam == 4 && sfam == 4) {
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)port);
    s4->sin_addr.s_addr = htonl((uint32_t)addr);
    *sl = sizeof(*s4);
    return 1;
  }
  if (sfam == 6 && (fam == 6 || fam == 4)) {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons((uint16_t)port);
    if (fam == 6) {
      if (addr < 0 || addr >= ADDR6_MAX) return 0;
      memcpy(&s6->sin6_addr, c->addr6 + (size_t)addr * 16, 16);
    } else { /* IPv4 destination from a dual-stack socket: v4-mapped */
      unsigned char *b = (unsigned char *)&s6->sin6_addr;
      b[10] = 0xff; b[11] = 0xff;
      uint32_t a = htonl((uint32_t)addr);
      memcpy(b + 12, &a, 4);
    }
    *sl = sizeof(*s6);
    return 1;
  }
  return 0;
}

/*
 * flush(n): sends the n queued entries of tx (slot, offset, length, family, addr, port), with one
 * sendmmsg per run of consecutive entries on the same socket. Returns the number of failed entries;
 * txerr[i] holds the errno of each failed entry (0 = sent).
 */
static napi_value js_flush(napi_env env, napi_callback_info info) {
  Ctx *c = get_ctx(env);
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t n;
  if (!c || argc < 1 || !get_i32(env, argv[0], &n)) return num(env, -EINVAL);
  if (n <= 0) return num(env, 0);
  if (n > TX_MAX) n = TX_MAX;
  const size_t total = (size_t)BATCH * STRIDE + SEND_AREA;
  int failed = 0;
  int i = 0;
  while (i < n) {
    int32_t slot = c->tx[(size_t)i * TX_FIELDS];
    int fd = (slot >= 0 && slot < c->slots) ? c->fds[slot] : -1;
    int sfam = fd >= 0 ? c->fam[slot] : 0;
    /* Build a run of up to BATCH valid entries on this socket. */
    int idx[BATCH];
    int m = 0;
    int j = i;
    for (; j < n && m < BATCH; j++) {
      const int32_t *t = c->tx + (size_t)j * TX_FIELDS;
      if (t[0] != slot) break;
      c->txerr[j] = 0;
      int32_t off = t[1], len = t[2];
      if (fd < 0) { c->txerr[j] = EBADF; failed++; continue; }
      if (off < 0 || len < 0 || (size_t)off + (size_t)len > total) { c->txerr[j] = EINVAL; failed++; continue; }
      socklen_t sl;
      if (!fill_dest(c, sfam, t, &c->addrs[m], &sl)) { c->txerr[j] = EAFNOSUPPORT; failed++; continue; }
      c->iov[m].iov_base = c->buf + off;
      c->iov[m].iov_len = (size_t)len;
      memset(&c->msgs[m].msg_hdr, 0, sizeof(c->msgs[m].msg_hdr));
      c->msgs[m].msg_hdr.msg_iov = &c->iov[m];
      c->msgs[m].msg_hdr.msg_iovlen = 1;
      c->msgs[m].msg_hdr.msg_name = &c->addrs[m];
      c->msgs[m].msg_hdr.msg_namelen = sl;
      idx[m++] = j;
    }
    int k = 0;
    while (k < m) {
      c->stats[ST_TX_CALLS] += 1;
      int r = sendmmsg(fd, c->msgs + k, (unsigned)(m - k), MSG_DONTWAIT | MSG_NOSIGNAL);
      if (r < 0) {
        if (errno == EINTR) continue;
        /* The first message of the remaining run failed: count it, go on with the next. */
        c->txerr[idx[k]] = errno ? errno : EIO;
        failed++;
        k++;
        continue;
      }
      c->stats[ST_TX_PACKETS] += r;
      k += r;
    }
    i = j;
  }
  c->stats[ST_TX_ERRORS] += failed;
  return num(env, failed);
}

/*
 * dropIdleMetrics() -> 1 when done, -ENOTSUP when this libuv is not one it knows. For the media
 * workers' loops only. Node turns on libuv's UV_METRICS_IDLE_TIME for every loop (for
 * performance.eventLoopUtilization()); with it, libuv starts every blocking poll with an
 * epoll_pwait(timeout 0) before the real one, so that it can tell idle time from event time. At low
 * packet rates, where every packet is one wake, that is one syscall more per packet (~1.3 us in this
 * VM, 1 of 5 per wake; strace in bench/RESULTS.md). No media worker reads its loop utilisation. libuv
 * has no call to turn the option off: the flag is cleared in the loop's internal fields, which since
 * libuv 1.39 begin with `unsigned int flags` where uv_loop_configure() sets bit UV_METRICS_IDLE_TIME;
 * any other libuv, or other bits set than the ones known there, is left alone.
 */
static napi_value js_drop_idle_metrics(napi_env env, napi_callback_info info) {
  (void)info;
  uv_loop_t *loop = NULL;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == NULL) return num(env, -EINVAL);
  unsigned int v = uv_version();
  if (v < 0x012700u || v >= 0x020000u || loop->internal_fields == NULL) return num(env, -ENOTSUP);
  unsigned int *flags = (unsigned int *)loop->internal_fields;
  if ((*flags & ~(unsigned int)UV_METRICS_IDLE_TIME) != 0) return num(env, -ENOTSUP);
  *flags &= ~(unsigned int)UV_METRICS_IDLE_TIME;
  return num(env, 1);
}

/* stop(): stops polling and closes every socket (worker shutdown). */
static napi_value js_stop(napi_env env, napi_callback_info info) {
  (void)info;
  Ctx *c = get_ctx(env);
  if (!c) return num(env, -EINVAL);
  c->closing = 1;
  if (c->poll_started) {
    uv_poll_stop(&c->poll);
    c->poll_started = 0;
  }
  close_sockets(c);
  return num(env, 0);
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor props[] = {
    { "init", NULL, js_init, NULL, NULL, NULL, napi_default, NULL },
    { "open", NULL, js_open, NULL, NULL, NULL, napi_default, NULL },
    { "bindSocket", NULL, js_bind_socket, NULL, NULL, NULL, napi_default, NULL },
    { "adopt", NULL, js_adopt, NULL, NULL, NULL, napi_default, NULL },
    { "closeFd", NULL, js_close_fd, NULL, NULL, NULL, napi_default, NULL },
    { "setRecvBuffer", NULL, js_set_recv_buffer, NULL, NULL, NULL, napi_default, NULL },
    { "eventfd", NULL, js_eventfd, NULL, NULL, NULL, napi_default, NULL },
    { "wake", NULL, js_wake, NULL, NULL, NULL, napi_default, NULL },
    { "close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL },
    { "flush", NULL, js_flush, NULL, NULL, NULL, napi_default, NULL },
    { "setTos", NULL, js_set_tos, NULL, NULL, NULL, napi_default, NULL },
    { "stop", NULL, js_stop, NULL, NULL, NULL, napi_default, NULL },
    { "dropIdleMetrics", NULL, js_drop_idle_metrics, NULL, NULL, NULL, napi_default, NULL },
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return NULL;
  return exports;
}
