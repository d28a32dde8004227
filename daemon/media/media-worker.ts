/**
 * Entry point of a media worker thread. It owns the UDP sockets of the calls placed on it, runs the
 * packet pipeline, and writes counters into its SharedArrayBuffer. The main thread talks to it only
 * per call event (adopt or bind / configure / close / shutdown), through the command ring
 * (command-ring.ts), whichever the I/O backend.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { BindRequest, BindResult, ConfigFields, SrtpParams, WorkerInit, WorkerToMain } from './messages.js';
import { applySlotSrtp } from './srtp-slots.js';
import { CommandReader, EP_V4, EP_V6, type CommandSink, type RingConfig } from './command-ring.js';
import { WAKE_WORD } from './record-ring.js';
import { ReceiverStats } from '../../protocol/rtp/receiver-stats.js';
import { BatchIo, DgramIo, wantedBatchNative, type Addr, type MediaIo } from './io.js';
import {
  addrString, currentMs, flushSends, forgetKeyWaits, initPipeline, needsClock, onPacket, replayKeyWaits, sendRaw, setDtlsSink, setStunSink,
  setTranscode, tick,
} from './pipeline.js';
import { initCodecWasm } from '../../transcode/wasm-init.js';
import type { DirectionConfig } from '../../transcode/types.js';
import { DtlsChannelWriter, REC_STUN } from './dtls-channel.js';
import { ReportRing } from './report-ring.js';
import { RtcpGenerator } from './rtcp-generator.js';
import {
  LEARN_FIXED, LEARN_WAITING, LEARN_WINDOW, LEARNING_WINDOW_MS, MODE_DELAYED, MODE_HEURISTIC, MODE_IMMEDIATE, RelayState,
} from './relay-state.js';
import { F_ERRORS, SLOT_FIELDS, W_ACTIVE_SLOTS, W_CLOSED_UPTO, W_ERRORS } from './stream-table.js';

const init = workerData as WorkerInit;
const port = parentPort!;
const S = new RelayState(init.sab, init.slots);
const f64 = S.table.f64;

// The codecs' WASM modules (Opus, the resampler) load once per worker, first: before the I/O backend
// exists, so no command can run before they are there, and building a transcoder is synchronous.
let codecsReady = false;
let codecsProblem = '';
try {
  await initCodecWasm();
  codecsReady = true;
} catch (e) {
  codecsProblem = (e as Error).message;
  port.postMessage({ type: 'log', level: 'warn', msg: `media worker ${init.index}: codec WASM not loaded, no transcoding: ${codecsProblem}` });
}

function post(m: WorkerToMain): void {
  port.postMessage(m);
}

/** Send and receive errors (e.g. ICMP unreachable on loopback) are counted on the slot, never thrown. */
function onSocketError(slot: number): void {
  f64[slot * SLOT_FIELDS + F_ERRORS]! += 1;
  f64[S.table.workerBase + W_ERRORS]! += 1;
}

/** Batch I/O keeps IPv6 addresses as ids into a table; it renumbers them through this when full. */
function eachV6(visit: (a: number) => number): void {
  for (const arr of [S.epAddr, S.sdpAddr]) {
    for (let i = 0; i < arr.length; i++) {
      const a = arr[i];
      if (typeof a === 'number' && a < 0) arr[i] = visit(a);
    }
  }
}

let lastExceptionLog = 0;
/** A bug in the pipeline must not go unnoticed: logged at most once a second. */
function onBatchException(e: unknown): void {
  const now = Date.now();
  if (now - lastExceptionLog < 1000) return;
  lastExceptionLog = now;
  post({ type: 'log', level: 'warn', msg: `media worker ${init.index}: packet pipeline error: ${(e as Error)?.stack ?? String(e)}` });
}

/**
 * RTPENGINE_TS_IO=dgram|batch; default batch when the native addon loads (see io.ts) and the main
 * thread could give us a wake eventfd (without one, ring commands would wait for packets).
 */
function createIo(): MediaIo {
  const want = process.env.RTPENGINE_TS_IO ?? '';
  if (init.wakeFd >= 0) {
    const { native, error } = wantedBatchNative();
    if (native !== null) {
      try {
        const io = new BatchIo(native, init.slots, onPacket, onSocketError, eachV6, Infinity, onBatchException, drainCommands, init.wakeFd);
        // At low packet rates every packet is a wake of this loop: without libuv's idle-time metrics
        // (which nothing reads in a media worker) each wake makes one epoll_pwait instead of two.
        native.dropIdleMetrics?.();
        return io;
      } catch (e) {
        post({ type: 'log', level: 'warn', msg: `media worker ${init.index}: batch I/O unavailable (${(e as Error).message}), using node:dgram` });
      }
    } else if (want === 'batch') {
      post({ type: 'log', level: 'warn', msg: `media worker ${init.index}: batch I/O addon not loaded (${error}), using node:dgram` });
    }
  }
  return new DgramIo(init.slots, onDgramPacket, onSocketError);
}

/** node:dgram: one event per datagram; commands written before it was sent are run first. */
function onDgramPacket(slot: number, buf: Buffer, off: number, len: number, addr: Addr, port: number): void {
  if (commands.pending()) drainCommands();
  onPacket(slot, buf, off, len, addr, port);
}

/**
 * node:dgram workers have no eventfd in an epoll set: they wait on the ring's wake word. The wait
 * does not keep the event loop alive; the keep-alive timer below does.
 */
let wakeSeen = 0;
/** Atomics.waitAsync (ES2024; in Node since 16), typed here because the project's lib is ES2022. */
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<unknown> | string };
}).waitAsync;
function waitForWake(): void {
  const r = waitAsync(commands.ctl, WAKE_WORD, wakeSeen);
  if (r.async) void (r.value as Promise<unknown>).then(onWake);
  else onWake();
}
function onWake(): void {
  if (stopped) return;
  wakeSeen = Atomics.load(commands.ctl, WAKE_WORD);
  try {
    drainCommands();
  } catch (e) {
    onBatchException(e);
  }
  waitForWake();
}

/** Commands from the main thread's ring (command-ring.ts). */
const commands = new CommandReader(init.ring);
let stopped = false;

const io = createIo();
post({ type: 'log', level: 'debug', msg: `media worker ${init.index}: ${io.kind} I/O` });

// The main thread initialised the shared part; this thread writes, so it keeps the duplicate bitmap.
const receiver = new ReceiverStats(init.slots, init.receiverSab, false, true);
const generator = new RtcpGenerator(S, receiver, io, init.instanceId);
initPipeline(
  S, receiver, new ReportRing(init.reportSab),
  (slot, address, p, confirmed) => post({ type: 'learned', slot, address: io.addrString(address), port: p, confirmed }),
  io,
);

/**
 * The pipeline's clock: tick() sets the time the packet path stamps with, sends endpoint notices that
 * waited out their spacing and runs the transcoders' 10 ms frames. Every timer wake costs an epoll
 * return and a JS turn; a 10 ms interval in each worker was most of an idle daemon's CPU
 * (bench/idle-cpu.mjs). So the interval runs every FAST_TICK_MS only while needsClock() (transcoders, or
 * notices waiting) or, with node:dgram, while a slot is open (it has no per-batch hook); every
 * SLOW_TICK_MS while slots are open (its tick also notices a notice queued by a packet and speeds up;
 * notices are spaced 200 ms apart anyway); and not at all without open slots. Opening and closing
 * slots and setting a transcoder re-time it at once. With batch I/O the time is instead refreshed
 * before every batch of packets (drainCommands), so packet time stamps are as fresh as before, or
 * fresher.
 */
const FAST_TICK_MS = 10;
const SLOW_TICK_MS = 100;
let clock: NodeJS.Timeout | null = null;
let clockMs = 0;
// The batch I/O poll handle is unref'd, and the clock may be stopped: this timer, which never fires in
// practice (~24.8 days), keeps the worker's event loop alive until shutdown().
const keepAlive = setInterval(() => {}, 0x7fffffff);

function clockTick(): void {
  tick(Date.now());
  retime();
}

function wantedClockMs(): number {
  if (stopped) return 0;
  if (needsClock()) return FAST_TICK_MS;
  if (f64[S.table.workerBase + W_ACTIVE_SLOTS]! > 0) return io.kind === 'dgram' ? FAST_TICK_MS : SLOW_TICK_MS;
  return 0;
}

/** Puts the clock at the period the worker's state asks for (cheap when it already is). */
function retime(): void {
  const want = wantedClockMs();
  if (want === clockMs) return;
  if (clock !== null) clearInterval(clock);
  // From stopped: the pipeline's time is stale, refresh it before any packet can be stamped with it.
  if (clockMs === 0 && want > 0) tick(Date.now());
  clock = want > 0 ? setInterval(clockTick, want) : null;
  clockMs = want;
}

// Test hook: every DTLS record on a DTLS slot goes straight back to its source (pipeline dispatch tests).
if (init.testHooks && process.env.RTPENGINE_TS_TEST_DTLS_ECHO === '1') {
  setDtlsSink((slot, buf, off, len, addr, p) => { sendRaw(slot, buf, off, len, addr, p); });
} else {
  setDtlsSink(toMainThread);
}
setStunSink(stunToMainThread);

/** DTLS records go to the main thread, where the handshakes run (dtls-channel.ts; rate-limited per slot). */
const dtlsOut = new DtlsChannelWriter(init.dtls, init.slots);
function toMainThread(slot: number, buf: Buffer, off: number, len: number, addr: Addr, p: number): void {
  if (dtlsOut.admit(slot, currentMs())) dtlsOut.write(slot, buf, off, len, addrString(addr), p);
}

/** STUN on an ICE slot goes to the slot's ICE agent in the main thread, through the same channel. */
function stunToMainThread(slot: number, buf: Buffer, off: number, len: number, addr: Addr, p: number): void {
  if (dtlsOut.admit(slot, currentMs())) dtlsOut.write(slot, buf, off, len, addrString(addr), p, REC_STUN);
}

/** CMD_SEND: a DTLS record the main thread made, out of the slot's socket as it is. */
function sendCommand(slot: number, address: string, p: number, data: Buffer): void {
  const a = io.toAddr(address);
  if (a === null) return;
  if (sendRaw(slot, data, 0, data.length, a, p)) flushSends();
}

/**
 * A slot whose socket just opened starts from zero. Its shared counters and receiver statistics
 * were zeroed by the main thread before the bind (WorkerPool.bind); the duplicate bitmap, which only
 * this thread keeps, is cleared by the receiver's first packet (new SSRC).
 */
function opened(slot: number): void {
  S.clear(slot);
  dtlsOut.reset(slot);
  S.open[slot] = 1;
  f64[S.table.workerBase + W_ACTIVE_SLOTS]! += 1;
  retime();
}

async function bindOne(req: BindRequest): Promise<BindResult> {
  const r = await io.bind(req);
  if (r.ok) opened(req.slot);
  return r;
}

/** A socket the main thread bound (batch I/O, from the ring). Adoption cannot fail for a free slot;
 * if it does the socket is closed and logged (the stream then stays silent, as with a dead socket). */
function adopt(slot: number, family: 4 | 6, fd: number): void {
  const r = (io as BatchIo).adopt(slot, family, fd);
  if (r.ok) {
    opened(slot);
    return;
  }
  (io as BatchIo).closeFd(fd);
  post({ type: 'log', level: 'warn', msg: `media worker ${init.index}: cannot take over socket of slot ${slot}: ${r.code}` });
}

function closeCommand(id: number, slots: ArrayLike<number>, from: number, count: number): void {
  closeSlots(slots, from, count);
  f64[S.table.workerBase + W_CLOSED_UPTO] = id;
}

/** A slot's SRTP keys (CMD_SRTP): contexts are rebuilt only for a direction whose keys changed. */
function srtpCommand(slot: number, rx: SrtpParams | null, tx: SrtpParams | null): void {
  if (S.open[slot] !== 1) return;
  const problem = applySlotSrtp(S, slot, rx, tx);
  if (problem !== null) post({ type: 'log', level: 'warn', msg: `media worker ${init.index}: unusable SRTP keys on slot ${slot}, its media is dropped: ${problem}` });
}

/**
 * A slot's transcoding (CMD_TRANSCODE). A config the engine cannot build (say, a codec it lacks) leaves
 * the slot relaying unchanged and is logged: signalling only asks for codecs the engine has.
 */
function transcodeCommand(slot: number, cfg: DirectionConfig | null): void {
  if (S.open[slot] !== 1) return;
  if (cfg !== null && !codecsReady) {
    post({ type: 'log', level: 'warn', msg: `media worker ${init.index}: codecs unavailable (${codecsProblem}), slot ${slot} relays unchanged` });
    return;
  }
  try {
    setTranscode(slot, cfg);
  } catch (e) {
    setTranscode(slot, null);
    post({ type: 'log', level: 'warn', msg: `media worker ${init.index}: cannot transcode on slot ${slot}: ${(e as Error).message}` });
  }
  retime();
}

const ringSink: CommandSink = {
  adopt, bind, configure: configureFromRing, close: closeCommand, srtp: srtpCommand, shutdown, crash, send: sendCommand, transcode: transcodeCommand,
};
function drainCommands(): void {
  // Batch I/O runs this before every batch: the packets get the current time (the fast clock, which
  // ticks the transcoders, keeps its 10 ms rhythm).
  if (clockMs !== FAST_TICK_MS) tick(Date.now());
  commands.drain(ringSink);
  replayKeyWaits();
}

/** node:dgram: sockets belong to this thread's event loop, so it binds them and replies 'bound'. */
function bind(id: number, binds: BindRequest[]): void {
  void Promise.all(binds.map(bindOne)).then((results) => post({ type: 'bound', id, results }));
}

/** Test hook: die of an uncaught exception, outside the batch callback's catch (see worker-pool.ts). */
function crash(): void {
  if (!init.testHooks) return;
  setImmediate(() => {
    throw new Error(`media worker ${init.index}: crash requested by a test hook`);
  });
}

function shutdown(): void {
  if (stopped) return;
  stopped = true;
  const all: number[] = [];
  for (let i = 0; i < S.slots; i++) if (S.open[i] === 1) all.push(i);
  closeSlots(all);
  if (clock !== null) clearInterval(clock);
  clock = null;
  clearInterval(keepAlive);
  generator.close();
  io.shutdown();
  port.close();
}

/** TOS set on each slot's socket (-1 = never set); changed only when the call's TOS changes. */
const slotTos = new Int16Array(init.slots).fill(-1);
let tosUnsupportedLogged = false;

function applyTos(slot: number, tos: number): void {
  if (tos < 0 || tos > 255 || slotTos[slot] === tos) return;
  if (io.setTos(slot, tos)) {
    slotTos[slot] = tos;
  } else if (!tosUnsupportedLogged) {
    tosUnsupportedLogged = true;
    post({ type: 'log', level: 'warn', msg: `TOS ${tos} not applied: the ${io.kind} media I/O backend cannot set it` });
  }
}

/** A configure command: the endpoint comes as numbers and becomes the backend's address form. */
function configureFromRing(c: RingConfig): void {
  const epAddr = c.epKind === EP_V4 ? io.fromV4(c.ep[0] >>> 0) : c.epKind === EP_V6 ? io.fromV6Words(c.ep) : null;
  configure(c, epAddr, epAddr !== null ? c.port : 0);
}

function configure(c: ConfigFields, epAddr: Addr | null, epPort: number): void {
  const slot = c.slot;
  if (S.open[slot] !== 1) return;
  S.sink[slot] = c.sink;
  S.rtcpSink[slot] = c.rtcpSink;
  S.strict[slot] = c.strictSource ? 1 : 0;
  S.component[slot] = c.component;
  S.clockRate[slot] = c.clockRate > 0 ? c.clockRate : 8000;
  S.genRtcp[slot] = c.generateRtcp ? 1 : 0;
  applyTos(slot, c.tos);
  S.rtcpSlot[slot] = c.rtcpSlot;
  S.dtls[slot] = c.dtls ? 1 : 0;
  S.ice[slot] = c.ice ? 1 : 0;
  S.chooseHandler(slot);
  if (c.generateRtcp && c.component === 1) generator.add(slot);
  else generator.remove(slot);
  const sdpChanged = epAddr === null ? S.sdpAddr[slot] !== null : epAddr !== S.sdpAddr[slot] || epPort !== S.sdpPort[slot];
  S.sdpAddr[slot] = epAddr;
  S.sdpPort[slot] = epPort;
  if (c.asymmetric || c.learning === 'off') {
    S.learnState[slot] = LEARN_FIXED;
    S.epAddr[slot] = S.sdpAddr[slot]!;
    S.epPort[slot] = S.sdpPort[slot]!;
    return;
  }
  S.learnMode[slot] = c.learning === 'immediate' ? MODE_IMMEDIATE : c.learning === 'heuristic' ? MODE_HEURISTIC : MODE_DELAYED;
  if (S.learnState[slot] === LEARN_FIXED || sdpChanged || S.epAddr[slot] === null) {
    // New or changed SDP endpoint: send there until packets tell us otherwise.
    S.epAddr[slot] = S.sdpAddr[slot]!;
    S.epPort[slot] = S.sdpPort[slot]!;
  }
  // Every signalling event restarts learning ("confirmed" is cleared until media arrives again). As
  // in rtpengine 10.5 the window runs from this signalling event, in whole seconds, whatever the
  // first packet's source is; the first packet after it commits its source.
  S.learnState[slot] = c.learning === 'immediate' ? LEARN_WAITING : LEARN_WINDOW;
  S.learnDeadline[slot] = (Math.floor(Date.now() / 1000) * 1000) + LEARNING_WINDOW_MS;
  S.learnScore[slot] = -1;
}

function closeSlots(slots: ArrayLike<number>, from = 0, count = slots.length): void {
  for (let i = from; i < from + count; i++) {
    const slot = slots[i]!;
    if (S.open[slot] !== 1) continue;
    io.close(slot);
    generator.remove(slot);
    setTranscode(slot, null);
    slotTos[slot] = -1;
    forgetKeyWaits(slot);
    S.clear(slot);
    f64[S.table.workerBase + W_ACTIVE_SLOTS]! -= 1;
  }
  retime();
}

// Commands written before this thread started (a replacement worker) run now; later ones when woken.
drainCommands();
if (io.kind === 'dgram') waitForWake();

post({ type: 'ready', io: io.kind });
