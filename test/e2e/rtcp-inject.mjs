#!/usr/bin/env node
// RTCP for the e2e calls, sent on behalf of both SIPp sides (SIPp sends no RTCP:
// the pcap holds RTP only, and the UAS's -rtp_echo does not listen on port+1).
//
//   node test/e2e/rtcp-inject.mjs --ng=HOST:PORT --uas-media=PORT --uac-media=P1,P2,... \
//        --out=FILE.json --max-secs=N [--rounds=6] [--interval-ms=1250] [--rr-delay-ms=70]
//
// It binds the RTCP ports of both SIPp sides (media port + 1, as implied by their
// SDP): the UAS's uas-media+1 (shared by all calls) and every UAC call's
// uac-media+1, so its RTCP comes from exactly the address the daemon expects, and
// the RTCP the daemon relays to the other side lands on a bound socket (no ICMP
// port-unreachable). It prints "ready" once they are bound.
//
// It polls the daemon with ng `list`, and `query`s each new call until both RTP
// streams show an SSRC (RTP has been relayed both ways). The two participants
// are told apart by their RTP endpoint port (uas-media = UAS, one of the
// uac-media ports = UAC). Then it runs `rounds` rounds, `interval-ms` apart:
//   1. SR (+ SDES CNAME) from the UAC, sender SSRC = the UAC's RTP SSRC, to the
//      daemon's UAC-facing RTCP port; the same from the UAS to the UAS-facing port;
//   2. `rr-delay-ms` later an RR (+ SDES) from each side, one report block about the
//      RTP SSRC that side receives (= the other side's), LSR = middle 32 bits of
//      the other side's SR NTP timestamp, DLSR = time since that SR arrived here
//      (relayed by the daemon; the send time if it did not arrive) minus a
//      simulated network RTT for the leg (UAC 20 ms, UAS 30 ms), small jitter and
//      fraction-lost values.
// SIPp's UAS echoes the UAC's RTP unchanged, so both directions of a call carry
// the same SSRC (the pcap's). rtpengine 10.5 keeps RTCP quality data per
// participant: the UAC's and the UAS's RRs land in separate entries, and an RR's
// end-to-end RTT is its leg plus the other participant's last leg. A daemon that
// keyed it by SSRC per call would see both sides as one reporter and, keeping at
// most one report block per reporting SSRC per second, drop the second RR of a
// round. So with equal SSRCs only one side sends its RR in a round, alternating
// (UAS first), and every RR counts either way (6 rounds = 3 RRs per side). With
// distinct SSRCs both sides report every round.
//
// No RTCP is sent after `max-call-secs` (default 11 s) from a call's discovery
// or once the call is gone from `list`, so nothing is sent to a closed port.
// On SIGTERM/SIGINT or after max-secs it writes a summary to --out and exits.

import dgram from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { ngRequest } from './ng.mjs';

const opt = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const m = /^--([^=]+)=(.*)$/s.exec(a);
    if (!m) {
      console.error(`rtcp-inject: bad argument ${a}`);
      process.exit(1);
    }
    return [m[1], m[2]];
  }),
);
const [NG_HOST, NG_PORT] = (() => {
  const m = /^(.+):(\d+)$/.exec(opt.ng ?? '');
  return m ? [m[1], Number(m[2])] : [];
})();
const UAS_MEDIA = Number(opt['uas-media']);
const UAC_MEDIA = (opt['uac-media'] ?? '').split(',').filter(Boolean).map(Number);
const MAX_SECS = Number(opt['max-secs'] ?? 120);
const ROUNDS = Number(opt.rounds ?? 6);
const INTERVAL_MS = Number(opt['interval-ms'] ?? 1250);
const RR_DELAY_MS = Number(opt['rr-delay-ms'] ?? 70);
const MAX_CALL_SECS = Number(opt['max-call-secs'] ?? 11);
const PROBE_SECS = 8; // give up on a call whose streams show no SSRC by then
const POLL_MS = 200;
const SIM_RTT_MS = { uac: 20, uas: 30 }; // simulated network round trip per leg
const HOST = '127.0.0.1';
if (!NG_PORT || !Number.isInteger(UAS_MEDIA) || UAC_MEDIA.length === 0 || UAC_MEDIA.some((p) => !Number.isInteger(p)) || !opt.out) {
  console.error('usage: node rtcp-inject.mjs --ng=HOST:PORT --uas-media=PORT --uac-media=P1,P2,... --out=FILE.json --max-secs=N');
  process.exit(1);
}

const T0 = Date.now();
const log = (m) => console.log(`${((Date.now() - T0) / 1000).toFixed(3)} ${m}`);

// ------------------------------------------------------------------ RTCP
const NTP_EPOCH_OFFSET = 2208988800;
function ntpNow() {
  const ms = Date.now();
  const sec = Math.floor(ms / 1000);
  // sub-ms part from the monotonic clock keeps NTP timestamps of SRs sent in the same ms distinct
  const frac = ((ms % 1000) + Number(process.hrtime.bigint() % 1000000n) / 1e6) / 1000;
  const msw = (sec + NTP_EPOCH_OFFSET) >>> 0;
  const lsw = Math.min(0xffffffff, Math.floor(frac * 2 ** 32)) >>> 0;
  return { msw, lsw, mid: (((msw & 0xffff) << 16) | (lsw >>> 16)) >>> 0 };
}
function sdes(ssrc, cname) {
  const name = Buffer.from(cname, 'latin1');
  const len = 4 + 2 + name.length + 1; // chunk: SSRC, CNAME item, END
  const padded = Math.ceil(len / 4) * 4;
  const b = Buffer.alloc(4 + padded);
  b.writeUInt8(0x81, 0); // V=2, SC=1
  b.writeUInt8(202, 1);
  b.writeUInt16BE(padded / 4, 2);
  b.writeUInt32BE(ssrc, 4);
  b.writeUInt8(1, 8); // CNAME
  b.writeUInt8(name.length, 9);
  name.copy(b, 10);
  return b;
}
function senderReport(ssrc, ntp, rtpTs, packets, octets) {
  const b = Buffer.alloc(28);
  b.writeUInt8(0x80, 0); // V=2, RC=0
  b.writeUInt8(200, 1);
  b.writeUInt16BE(6, 2);
  b.writeUInt32BE(ssrc, 4);
  b.writeUInt32BE(ntp.msw, 8);
  b.writeUInt32BE(ntp.lsw, 12);
  b.writeUInt32BE(rtpTs >>> 0, 16);
  b.writeUInt32BE(packets >>> 0, 20);
  b.writeUInt32BE(octets >>> 0, 24);
  return b;
}
function receiverReport(ssrc, about, { fractionLost, cumLost, highSeq, jitter, lsr, dlsr }) {
  const b = Buffer.alloc(32);
  b.writeUInt8(0x81, 0); // V=2, RC=1
  b.writeUInt8(201, 1);
  b.writeUInt16BE(7, 2);
  b.writeUInt32BE(ssrc, 4);
  b.writeUInt32BE(about, 8);
  b.writeUInt32BE((((fractionLost & 0xff) << 24) | (cumLost & 0xffffff)) >>> 0, 12);
  b.writeUInt32BE(highSeq >>> 0, 16);
  b.writeUInt32BE(jitter >>> 0, 20);
  b.writeUInt32BE(lsr >>> 0, 24);
  b.writeUInt32BE(dlsr >>> 0, 28);
  return b;
}

// ------------------------------------------------------------------ sockets
// SRs relayed by the daemon to a side's RTCP port: "<side>:<daemon port>:<ntp mid>" -> arrival ms
const relayedSr = new Map();
const received = {}; // port -> {packets, bytes}
const sockets = new Map(); // port -> socket
function bindSocket(port, side) {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    received[port] = { packets: 0, bytes: 0 };
    s.on('message', (msg, rinfo) => {
      received[port].packets++;
      received[port].bytes += msg.length;
      // walk the compound packet for SRs
      for (let o = 0; o + 8 <= msg.length;) {
        const len = (msg.readUInt16BE(o + 2) + 1) * 4;
        if (msg[o + 1] === 200 && o + 28 <= msg.length) {
          const mid = (((msg.readUInt32BE(o + 8) & 0xffff) << 16) | (msg.readUInt32BE(o + 12) >>> 16)) >>> 0;
          relayedSr.set(`${side}:${rinfo.port}:${mid}`, performance.now());
        }
        o += len;
      }
    });
    s.once('error', reject);
    s.bind(port, HOST, () => {
      s.removeListener('error', reject);
      s.on('error', (e) => log(`socket ${port}: ${e.message}`));
      sockets.set(port, s);
      resolve(s);
    });
  });
}
try {
  await bindSocket(UAS_MEDIA + 1, 'uas');
  for (const p of UAC_MEDIA) await bindSocket(p + 1, 'uac');
} catch (e) {
  console.error(`rtcp-inject: cannot bind: ${e.message}`);
  process.exit(1);
}
const uacMediaPorts = new Set(UAC_MEDIA);
console.log('ready');

// ------------------------------------------------------------------ calls
const calls = new Map(); // call-id -> record
const stats = { ngErrors: 0, srSent: 0, rrSent: 0 };
let stopping = false;

function send(port, dstPort, buf) {
  if (stopping) return false;
  sockets.get(port).send(buf, dstPort, HOST);
  return true;
}

// Extract both sides from a `query` reply; null while not ready.
function sidesOf(q) {
  const out = {};
  for (const [tag, t] of Object.entries(q?.tags ?? {})) {
    const streams = t?.medias?.[0]?.streams ?? [];
    const rtp = streams.find((s) => Array.isArray(s.flags) && s.flags.includes('RTP')) ?? streams[0];
    const rtcp = streams.find((s) => Array.isArray(s.flags) && s.flags.includes('RTCP')) ?? streams[1];
    const epPort = rtp?.endpoint?.port ?? rtp?.['advertised endpoint']?.port;
    let side;
    if (epPort === UAS_MEDIA) side = 'uas';
    else if (uacMediaPorts.has(epPort)) side = 'uac';
    else continue;
    out[side] = {
      tag,
      mediaPort: epPort,
      dRtp: rtp['local port'],
      dRtcp: rtcp?.['local port'] ?? (rtp['local port'] + 1),
      ssrc: Number.isInteger(rtp.SSRC) ? rtp.SSRC >>> 0 : undefined,
    };
  }
  return out;
}

async function probe(c) {
  try {
    const q = await ngRequest(NG_HOST, NG_PORT, { command: 'query', 'call-id': c.id }, { timeoutMs: 500, tries: 2 });
    if (q.result !== 'ok') {
      c.lastProbe = `query result=${q.result} ${q['error-reason'] ?? ''}`.trim();
      return;
    }
    const s = sidesOf(q);
    const missing = ['uac', 'uas'].filter((k) => !s[k] || s[k].ssrc === undefined || !Number.isInteger(s[k].dRtcp));
    if (missing.length) {
      c.lastProbe = `not ready: ${missing.map((k) => (s[k] ? `${k} has no SSRC yet` : `no ${k} participant`)).join(', ')}`;
      return;
    }
    Object.assign(c, { uac: s.uac, uas: s.uas, state: 'running', readyAt: Date.now() });
    log(`call ${c.id}: UAC ${s.uac.mediaPort}/${s.uac.mediaPort + 1} SSRC ${s.uac.ssrc.toString(16)} <-> daemon ${s.uac.dRtp}/${s.uac.dRtcp} | ` +
      `daemon ${s.uas.dRtp}/${s.uas.dRtcp} <-> UAS ${s.uas.mediaPort}/${s.uas.mediaPort + 1} SSRC ${s.uas.ssrc.toString(16)}`);
    runRounds(c);
  } catch (e) {
    stats.ngErrors++;
    c.lastProbe = `query failed: ${e.message}`;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function mayContinue(c) {
  return !stopping && !c.gone && Date.now() - c.seenAt < MAX_CALL_SECS * 1000;
}

async function runRounds(c) {
  const sameSsrc = c.uac.ssrc === c.uas.ssrc;
  c.sameSsrc = sameSsrc;
  const other = { uac: 'uas', uas: 'uac' };
  const side = (k) => ({ ...c[k], port: c[k].mediaPort + 1 });
  const rtpTsBase = { uac: 0x1000, uas: 0x2000 };
  const cumLost = { uac: 0, uas: 0 };
  for (let k = 0; k < ROUNDS; k++) {
    const tRound = performance.now();
    if (!mayContinue(c)) break;
    const elapsed = (Date.now() - c.readyAt) / 1000;
    const pk = Math.floor(elapsed / 0.03) + 20;
    // 1. SRs from both sides
    const sr = {};
    for (const k2 of ['uac', 'uas']) {
      const s = side(k2);
      const ntp = ntpNow();
      const buf = Buffer.concat([
        senderReport(s.ssrc, ntp, rtpTsBase[k2] + Math.floor(elapsed * 8000), pk, pk * 240),
        sdes(s.ssrc, `${k2}@e2e.invalid`),
      ]);
      if (!send(s.port, s.dRtcp, buf)) return;
      sr[k2] = { mid: ntp.mid, at: performance.now() };
      c.sr[k2]++;
      stats.srSent++;
    }
    await sleep(RR_DELAY_MS);
    if (!mayContinue(c)) break;
    // 2. RRs: reporter r receives the other side's RTP and reports on its SSRC
    const reporters = sameSsrc ? [k % 2 === 0 ? 'uas' : 'uac'] : ['uas', 'uac'];
    for (const r of reporters) {
      const s = side(r);
      const o = other[r];
      const srInfo = sr[o];
      // the other side's SR, as relayed by the daemon to this side's RTCP port
      const relayedAt = relayedSr.get(`${r}:${s.dRtcp}:${srInfo.mid}`);
      if (relayedAt !== undefined) c.srRelayed[r]++;
      const heldMs = performance.now() - (relayedAt ?? srInfo.at);
      const dlsr = Math.max(1, Math.floor(((heldMs - SIM_RTT_MS[r]) / 1000) * 65536));
      const fractionLost = [0, 0, 2, 0, 3, 1][(k + (r === 'uac' ? 1 : 0)) % 6];
      cumLost[r] += fractionLost ? 1 : 0;
      const jitter = 16 + ((k * 13 + (r === 'uac' ? 7 : 0)) % 40); // 2-7 ms at 8 kHz
      const buf = Buffer.concat([
        receiverReport(s.ssrc, c[o].ssrc, { fractionLost, cumLost: cumLost[r], highSeq: 1000 + pk, jitter, lsr: srInfo.mid, dlsr }),
        sdes(s.ssrc, `${r}@e2e.invalid`),
      ]);
      if (!send(s.port, s.dRtcp, buf)) return;
      c.rr[r]++;
      stats.rrSent++;
      if (reporters.length > 1) await sleep(10);
    }
    c.rounds++;
    if (k < ROUNDS - 1) await sleep(Math.max(0, INTERVAL_MS - (performance.now() - tRound)));
  }
  c.state = 'done';
  log(`call ${c.id}: ${c.rounds} rounds, SR uac/uas ${c.sr.uac}/${c.sr.uas}, RR uac/uas ${c.rr.uac}/${c.rr.uas}, ` +
    `SRs relayed to uac/uas ${c.srRelayed.uac}/${c.srRelayed.uas}${c.sameSsrc ? ' (same SSRC both ways: RRs alternate)' : ''}`);
}

async function poll() {
  while (!stopping) {
    const t = Date.now();
    try {
      const r = await ngRequest(NG_HOST, NG_PORT, { command: 'list', limit: 1000 }, { timeoutMs: 500, tries: 2 });
      const ids = new Set(Array.isArray(r.calls) ? r.calls.map(String) : []);
      for (const id of ids) {
        if (!calls.has(id)) {
          calls.set(id, {
            id, state: 'probing', seenAt: Date.now(), rounds: 0,
            sr: { uac: 0, uas: 0 }, rr: { uac: 0, uas: 0 }, srRelayed: { uac: 0, uas: 0 },
          });
        }
      }
      for (const c of calls.values()) {
        if (!ids.has(c.id) && !c.gone) {
          c.gone = true;
          if (c.state === 'probing') log(`call ${c.id}: gone before RTCP could start (${c.lastProbe ?? 'never probed'})`);
        }
      }
      const probing = [...calls.values()].filter((c) => c.state === 'probing' && !c.gone);
      for (const c of probing) {
        if (Date.now() - c.seenAt > PROBE_SECS * 1000) {
          c.state = 'failed';
          log(`call ${c.id}: giving up after ${PROBE_SECS} s: ${c.lastProbe}`);
          continue;
        }
        await probe(c);
      }
    } catch (e) {
      stats.ngErrors++;
      log(`list failed: ${e.message}`);
    }
    await sleep(Math.max(0, POLL_MS - (Date.now() - t)));
  }
}

function finish() {
  if (stopping) return;
  stopping = true;
  const out = {
    ...stats,
    received,
    calls: [...calls.values()].map((c) => ({
      id: c.id, state: c.state, rounds: c.rounds, sameSsrc: c.sameSsrc ?? null,
      sr: c.sr, rr: c.rr, srRelayed: c.srRelayed, lastProbe: c.lastProbe ?? null,
      uac: c.uac ?? null, uas: c.uas ?? null,
    })),
  };
  writeFileSync(opt.out, JSON.stringify(out));
  for (const s of sockets.values()) s.close();
  process.exit(0);
}
process.on('SIGTERM', finish);
process.on('SIGINT', finish);
setTimeout(finish, MAX_SECS * 1000).unref();
poll();
