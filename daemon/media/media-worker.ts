/**
 * Entry point of a media worker thread. It owns the UDP sockets of the calls placed on it, runs the
 * packet pipeline, and writes counters into its SharedArrayBuffer. The main thread talks to it only
 * per call event (bind / configure / close).
 */
import * as dgram from 'node:dgram';
import { isIP } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import type { BindRequest, BindResult, MainToWorker, SlotConfig, WorkerInit, WorkerToMain } from './messages.js';
import { ReceiverStats } from '../../protocol/rtp/receiver-stats.js';
import { initPipeline, onDatagram, tick } from './pipeline.js';
import { ReportRing } from './report-ring.js';
import { RtcpGenerator } from './rtcp-generator.js';
import {
  LEARN_FIXED, LEARN_WAITING, MODE_DELAYED, MODE_HEURISTIC, MODE_IMMEDIATE, RelayState, type SlotSocket,
} from './relay-state.js';
import { F_ERRORS, SLOT_FIELDS, W_ACTIVE_SLOTS, W_ERRORS } from './stream-table.js';

const init = workerData as WorkerInit;
const port = parentPort!;
const S = new RelayState(init.sab, init.slots);
const f64 = S.table.f64;

function post(m: WorkerToMain): void {
  port.postMessage(m);
}

// The main thread initialised the shared part; this thread writes, so it keeps the duplicate bitmap.
const receiver = new ReceiverStats(init.slots, init.receiverSab, false, true);
const generator = new RtcpGenerator(S, receiver);
initPipeline(S, receiver, new ReportRing(init.reportSab), (slot, address, p, confirmed) => post({ type: 'learned', slot, address, port: p, confirmed }));
const clock = setInterval(() => tick(Date.now()), 10);

/** Send errors (e.g. ICMP unreachable on loopback) are counted on the slot, never thrown. */
function onSocketError(this: SlotSocket): void {
  f64[this.slot * SLOT_FIELDS + F_ERRORS]! += 1;
  f64[S.table.workerBase + W_ERRORS]! += 1;
}

/**
 * dgram resolves the destination of every unconnected send() through its `lookup` function; the
 * default, dns.lookup(), validates even an IP literal and defers the callback with process.nextTick —
 * per packet. Every address a media worker sends to is already an IP (SDP endpoints are checked in
 * configure(), learned ones come from rinfo), so answering synchronously is exact and saves that turn.
 */
function ipLiteralLookup(address: string, family: unknown, callback: (err: null, address: string, family: number) => void): void {
  callback(null, address, family === 6 ? 6 : 4);
}

function bindOne(req: BindRequest): Promise<BindResult> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket({
      type: req.family === 6 ? 'udp6' : 'udp4',
      reuseAddr: false,
      lookup: ipLiteralLookup as unknown as dgram.SocketOptions['lookup'],
    }) as SlotSocket;
    sock.slot = req.slot;
    const fail = (err: NodeJS.ErrnoException): void => {
      sock.close();
      resolve({ slot: req.slot, ok: false, code: err.code ?? 'EBIND' });
    };
    sock.once('error', fail);
    sock.bind({ port: req.port, address: req.address, exclusive: true }, () => {
      sock.off('error', fail);
      sock.on('error', onSocketError);
      sock.on('message', onDatagram);
      S.clear(req.slot);
      S.table.reset(req.slot);
      receiver.clear(req.slot);
      S.sockets[req.slot] = sock;
      f64[S.table.workerBase + W_ACTIVE_SLOTS]! += 1;
      resolve({ slot: req.slot, ok: true });
    });
  });
}

function configure(c: SlotConfig): void {
  const slot = c.slot;
  if (S.sockets[slot] === null) return;
  S.sink[slot] = c.sink;
  S.rtcpSink[slot] = c.rtcpSink;
  S.strict[slot] = c.strictSource ? 1 : 0;
  S.component[slot] = c.component;
  S.clockRate[slot] = c.clockRate > 0 ? c.clockRate : 8000;
  S.genRtcp[slot] = c.generateRtcp ? 1 : 0;
  S.rtcpSlot[slot] = c.rtcpSlot;
  if (c.generateRtcp && c.component === 1) generator.add(slot);
  else generator.remove(slot);
  // Only IP literals may reach the send path (see ipLiteralLookup); a host name in SDP is not sent to.
  const ep = c.endpoint && isIP(c.endpoint.address) !== 0 ? c.endpoint : null;
  const sdpChanged = ep === null ? S.sdpAddr[slot] !== null : ep.address !== S.sdpAddr[slot] || ep.port !== S.sdpPort[slot];
  S.sdpAddr[slot] = ep ? ep.address : null;
  S.sdpPort[slot] = ep ? ep.port : 0;
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
  // Every signalling event restarts learning ("confirmed" is cleared until media arrives again).
  S.learnState[slot] = LEARN_WAITING;
  S.learnScore[slot] = -1;
}

function closeSlots(slots: number[]): void {
  for (const slot of slots) {
    const sock = S.sockets[slot];
    if (!sock) continue;
    sock.removeAllListeners('message');
    sock.close();
    generator.remove(slot);
    S.clear(slot);
    f64[S.table.workerBase + W_ACTIVE_SLOTS]! -= 1;
  }
}

port.on('message', (m: MainToWorker) => {
  switch (m.type) {
    case 'bind':
      void Promise.all(m.binds.map(bindOne)).then((results) => post({ type: 'bound', id: m.id, results }));
      break;
    case 'configure':
      for (const c of m.configs) configure(c);
      break;
    case 'close':
      closeSlots(m.slots);
      post({ type: 'closed', id: m.id });
      break;
    case 'shutdown': {
      const all: number[] = [];
      for (let i = 0; i < S.slots; i++) if (S.sockets[i]) all.push(i);
      closeSlots(all);
      clearInterval(clock);
      generator.close();
      port.close();
      break;
    }
  }
});

post({ type: 'ready' });
