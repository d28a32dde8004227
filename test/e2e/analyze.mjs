#!/usr/bin/env node
// Checks for the e2e run (called by test/e2e/run.sh after the SIPp UAC has
// finished). Reads the loopback capture (through tshark), Kamailio's log and
// SIPp's statistics, asks the daemon over ng for leftover calls, and prints one
// line per check: "PASS: ..." / "FAIL: ...", plus "INFO: ..." detail lines.
// Exit status is 0 even when checks fail (run.sh counts the lines); it is
// non-zero only when the analysis itself could not run.
//
// Options (all --name=value): pcap, kamlog, uac-stat, calls, ng (host:port), control (ng|rtpproxy),
// kam-port, uas-sip-port, uac-sip-port, uas-media-port, uac-media-min,
// uac-media-max, daemon-min, daemon-max, media-ip, min-media-secs, sink
// (rtp-sink.mjs counts), rtcp (rtcp-inject.mjs summary), and for run.sh's
// transcoding mode transcode (dict|flags: how Kamailio passed the codec flags)
// and ref-pcap (g711a.pcap). In that mode the packet-for-packet relay checks
// give way to transcode-check.mjs's checks (codecs, payload types, samples in
// = samples out, decoded audio), and RTCP/MOS are not checked (no injector).

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ngRequest } from './ng.mjs';
import { transcodeChecks } from './transcode-check.mjs';

const opt = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const m = /^--([^=]+)=(.*)$/s.exec(a);
    if (!m) throw new Error(`bad argument ${a}`);
    return [m[1], m[2]];
  }),
);
const num = (k) => {
  const v = Number(opt[k]);
  if (!Number.isFinite(v)) throw new Error(`missing/invalid --${k}`);
  return v;
};
const CALLS = num('calls');
const KAM = num('kam-port');
const UAS_SIP = num('uas-sip-port');
const UAC_SIP = num('uac-sip-port');
const UAS_MEDIA = num('uas-media-port');
const UAC_MEDIA_MIN = num('uac-media-min');
const UAC_MEDIA_MAX = num('uac-media-max');
const DMIN = num('daemon-min');
const DMAX = num('daemon-max');
const [NG_HOST, NG_PORT] = (() => {
  const m = /^(.+):(\d+)$/.exec(opt.ng ?? '');
  if (!m) throw new Error('missing/invalid --ng=host:port');
  return [m[1], Number(m[2])];
})();
const MEDIA_IP = opt['media-ip'] ?? '127.0.0.1';
const MIN_MEDIA_SECS = Number(opt['min-media-secs'] ?? 10);
const TRANSCODE = opt.transcode || null; // 'dict' | 'flags' | null
if (TRANSCODE && !['dict', 'flags'].includes(TRANSCODE)) throw new Error(`bad --transcode=${TRANSCODE}`);

const out = (kind, msg) => console.log(`${kind}: ${msg}`);
const pass = (m) => out('PASS', m);
const fail = (m) => out('FAIL', m);
const info = (m) => out('INFO', m);
const check = (ok, m) => (ok ? pass(m) : fail(m));
const inDaemonRange = (p) => p >= DMIN && p <= DMAX;
const inUacMedia = (p) => p >= UAC_MEDIA_MIN && p <= UAC_MEDIA_MAX;
const sum = (a) => a.reduce((x, y) => x + y, 0);
// show at most a few offending calls per check
const firstFew = (arr, n = 5) => arr.slice(0, n).join('; ') + (arr.length > n ? `; ... (${arr.length} in all)` : '');

function tshark(args) {
  return execFileSync('tshark', ['-n', '-r', opt.pcap, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

// ---------------------------------------------------------------- SIPp stats
{
  let ok = false;
  let msg;
  try {
    const lines = readFileSync(opt['uac-stat'], 'utf8').trim().split('\n');
    const head = lines[0].split(';');
    const last = lines[lines.length - 1].split(';');
    const col = (n) => Number(last[head.indexOf(n)]);
    const created = col('OutgoingCall(C)');
    const succ = col('SuccessfulCall(C)');
    const failed = col('FailedCall(C)');
    ok = succ === CALLS && failed === 0;
    msg = `SIPp UAC: ${succ}/${CALLS} calls successful, ${failed} failed (${created} created)`;
  } catch (e) {
    msg = `SIPp UAC statistics unreadable (${opt['uac-stat']}): ${e.message}`;
  }
  check(ok, msg);
}

// ---------------------------------------------------------------- SIP / SDP
function parseSip(hex) {
  const text = Buffer.from(hex, 'hex').toString('latin1');
  const sep = text.indexOf('\r\n\r\n');
  const headText = sep >= 0 ? text.slice(0, sep) : text;
  const body = sep >= 0 ? text.slice(sep + 4) : '';
  const lines = headText.split('\r\n');
  const first = lines[0];
  const hdr = (names) => {
    for (const l of lines.slice(1)) {
      const m = /^([^:\s]+)\s*:\s*(.*)$/.exec(l);
      if (m && names.includes(m[1].toLowerCase())) return m[2].trim();
    }
    return undefined;
  };
  const sm = /^SIP\/2\.0 (\d{3})/.exec(first);
  const cseq = hdr(['cseq']) ?? '';
  return {
    first,
    status: sm ? Number(sm[1]) : undefined,
    method: sm ? undefined : first.split(' ')[0],
    callId: hdr(['call-id', 'i']),
    cseqMethod: cseq.split(/\s+/)[1],
    body,
  };
}
function parseSdp(body) {
  const c = [];
  const m = [];
  const rtpmap = {}; // payload type -> "encoding/clock rate[/channels]" (all media)
  for (const l of body.split(/\r?\n/)) {
    let r;
    if ((r = /^c=IN IP[46] (\S+)/.exec(l))) c.push(r[1]);
    if ((r = /^m=(\S+) (\d+)(?:\/\d+)? (\S+)((?: \S+)*)/.exec(l))) {
      m.push({ type: r[1], port: Number(r[2]), proto: r[3], fmts: r[4].trim().split(/\s+/).filter(Boolean) });
    }
    if ((r = /^a=rtpmap:(\d+) (\S+)/.exec(l))) rtpmap[r[1]] = r[2];
  }
  return { c, m, rtpmap };
}

const calls = new Map(); // call-id -> record
const call = (id) => {
  if (!calls.has(id)) calls.set(id, { id, sdpAtUas: [], sdpAtUac: [] });
  return calls.get(id);
};
{
  const rows = tshark(['-Y', `udp.port == ${KAM} && udp.payload`, '-T', 'fields', '-E', 'separator=|',
    '-e', 'udp.srcport', '-e', 'udp.dstport', '-e', 'udp.payload'])
    .split('\n').filter(Boolean);
  let sipCount = 0;
  for (const row of rows) {
    const [sp, dp, hex] = row.split('|');
    const src = Number(sp);
    const dst = Number(dp);
    if (!hex) continue;
    const msg = parseSip(hex);
    if (!msg.callId || !/SIP\/2\.0/.test(msg.first)) continue;
    sipCount++;
    const hasSdp = /^v=0/m.test(msg.body);
    const c = () => call(msg.callId);
    if (src === UAC_SIP && dst === KAM && msg.method === 'INVITE' && hasSdp) c().uacOffer ??= parseSdp(msg.body);
    if (src === KAM && dst === UAS_SIP && msg.method === 'INVITE' && hasSdp) c().sdpAtUas.push(parseSdp(msg.body));
    if (src === UAS_SIP && dst === KAM && msg.status === 200 && msg.cseqMethod === 'INVITE' && hasSdp) c().uasAnswer ??= parseSdp(msg.body);
    if (src === KAM && dst === UAC_SIP && msg.status === 200 && msg.cseqMethod === 'INVITE' && hasSdp) c().sdpAtUac.push(parseSdp(msg.body));
  }
  info(`capture: ${sipCount} SIP messages through Kamailio (port ${KAM}), ${calls.size} Call-IDs`);
}

// Validate the SDP one side received: every c= is the daemon's address, every
// m= port is in the daemon's range and is not one of the SIPp media ports.
function sdpProblems(list, forbidden, what) {
  if (list.length === 0) return [`no ${what} with SDP captured`];
  const bad = [];
  for (const s of list) {
    if (s.c.length === 0) bad.push(`${what}: no c= line`);
    for (const a of s.c) if (a !== MEDIA_IP) bad.push(`${what}: c=${a} (want ${MEDIA_IP})`);
    if (s.m.length === 0) bad.push(`${what}: no m= line`);
    for (const { port } of s.m) {
      if (!inDaemonRange(port)) bad.push(`${what}: m= port ${port} not in daemon range ${DMIN}-${DMAX}`);
      if (forbidden(port)) bad.push(`${what}: m= port ${port} is a SIPp media port`);
    }
  }
  return bad;
}

const callList = [...calls.values()].filter((c) => c.uacOffer);
{
  const bad = [];
  for (const c of callList) {
    for (const p of sdpProblems(c.sdpAtUas, (p) => p === UAS_MEDIA || inUacMedia(p), 'INVITE at UAS')) bad.push(`${c.id}: ${p}`);
  }
  const ports = callList.flatMap((c) => c.sdpAtUas.slice(0, 1).flatMap((s) => s.m.map((m) => m.port)));
  check(callList.length === CALLS && bad.length === 0,
    `SDP in INVITE received by UAS points to the daemon for ${callList.length - new Set(bad.map((b) => b.split(':')[0])).size}/${CALLS} calls ` +
    `(c=${MEDIA_IP}, m= ports ${ports.length ? `${Math.min(...ports)}-${Math.max(...ports)}` : 'none'} within ${DMIN}-${DMAX}, ` +
    `not UAC media ${UAC_MEDIA_MIN}-${UAC_MEDIA_MAX})${bad.length ? ` -- ${firstFew(bad)}` : ''}`);
}
{
  const bad = [];
  for (const c of callList) {
    for (const p of sdpProblems(c.sdpAtUac, (p) => p === UAS_MEDIA || inUacMedia(p), '200 at UAC')) bad.push(`${c.id}: ${p}`);
  }
  const ports = callList.flatMap((c) => c.sdpAtUac.slice(0, 1).flatMap((s) => s.m.map((m) => m.port)));
  check(callList.length === CALLS && bad.length === 0,
    `SDP in 200 OK received by UAC points to the daemon for ${callList.length - new Set(bad.map((b) => b.split(':')[0])).size}/${CALLS} calls ` +
    `(c=${MEDIA_IP}, m= ports ${ports.length ? `${Math.min(...ports)}-${Math.max(...ports)}` : 'none'} within ${DMIN}-${DMAX}, ` +
    `not UAS media ${UAS_MEDIA})${bad.length ? ` -- ${firstFew(bad)}` : ''}`);
}

// Per-call media endpoints as negotiated.
for (const c of callList) {
  c.uacPort = c.uacOffer.m[0]?.port;
  c.uasPort = c.uasAnswer?.m[0]?.port;
  c.dToUas = c.sdpAtUas[0]?.m[0]?.port; // daemon port facing the UAS
  c.dToUac = c.sdpAtUac[0]?.m[0]?.port; // daemon port facing the UAC
}
{
  const all = callList.flatMap((c) => [c.dToUas, c.dToUac]).filter((p) => p !== undefined);
  const dup = all.length - new Set(all).size;
  check(all.length === 2 * CALLS && dup === 0,
    `daemon allocated distinct media ports per call leg: ${new Set(all).size} distinct of ${2 * CALLS} expected`);
}

// ---------------------------------------------------------------- RTP counts
// Count UDP datagrams per (src port, dst port) on 127.0.0.1 outside SIP and ng.
const flows = new Map(); // "src>dst" -> {n, bytes, t0, t1}
{
  const rows = tshark(['-Y', `udp && !icmp && !(udp.port == ${KAM}) && !(udp.port == ${NG_PORT})`,
    '-T', 'fields', '-E', 'separator=|', '-e', 'frame.time_epoch', '-e', 'ip.src', '-e', 'udp.srcport',
    '-e', 'ip.dst', '-e', 'udp.dstport', '-e', 'udp.length']).split('\n').filter(Boolean);
  for (const row of rows) {
    const [t, , sp, , dp, len] = row.split('|');
    const k = `${sp}>${dp}`;
    const f = flows.get(k) ?? { n: 0, bytes: 0, t0: Infinity, t1: 0 };
    f.n++;
    f.bytes += Number(len) - 8; // UDP payload = RTP header + payload
    f.t0 = Math.min(f.t0, Number(t));
    f.t1 = Math.max(f.t1, Number(t));
    flows.set(k, f);
  }
}
let sink = {};
try {
  sink = JSON.parse(readFileSync(opt.sink, 'utf8'));
} catch (e) {
  info(`RTP sink counts unavailable (${opt.sink}): ${e.message}`);
}
let rtcpInj = null; // rtcp-inject.mjs summary (no injector when transcoding)
try {
  if (!TRANSCODE) rtcpInj = JSON.parse(readFileSync(opt.rtcp, 'utf8'));
} catch (e) {
  info(`RTCP injector summary unavailable (${opt.rtcp}): ${e.message}`);
}
const injOf = (id) => rtcpInj?.calls?.find((x) => x.id === id);
const flow = (s, d) => flows.get(`${s}>${d}`) ?? { n: 0, bytes: 0, t0: 0, t1: 0 };
const used = new Set();
for (const c of callList) {
  c.a = flow(c.uacPort, c.dToUac); // UAC -> daemon
  c.b = flow(c.dToUas, c.uasPort); // daemon -> UAS
  c.c = flow(c.uasPort, c.dToUas); // UAS (echo) -> daemon
  c.d = flow(c.dToUac, c.uacPort); // daemon -> UAC
  c.sunk = sink[c.uacPort]?.packets ?? 0; // datagrams the UAC-side socket read
  for (const k of [`${c.uacPort}>${c.dToUac}`, `${c.dToUas}>${c.uasPort}`, `${c.uasPort}>${c.dToUas}`, `${c.dToUac}>${c.uacPort}`]) used.add(k);
  // RTCP (rtcp-inject.mjs on behalf of both sides): media port + 1 on the SIPp
  // sides, the daemon's RTCP ports as its `query` showed them (else RTP + 1)
  const inj = injOf(c.id);
  c.dToUacRtcp = inj?.uac?.dRtcp ?? c.dToUac + 1;
  c.dToUasRtcp = inj?.uas?.dRtcp ?? c.dToUas + 1;
  const rtcpKeys = [[c.uacPort + 1, c.dToUacRtcp], [c.dToUasRtcp, c.uasPort + 1], [c.uasPort + 1, c.dToUasRtcp], [c.dToUacRtcp, c.uacPort + 1]];
  [c.ra, c.rb, c.rc, c.rd] = rtcpKeys.map(([a, b]) => flow(a, b));
  for (const [a, b] of rtcpKeys) used.add(`${a}>${b}`);
}
const tot = (k) => sum(callList.map((c) => c[k].n));
info(`RTP packets (capture): UAC->daemon ${tot('a')}, daemon->UAS ${tot('b')}, UAS->daemon (echo) ${tot('c')}, daemon->UAC ${tot('d')}`);
{
  const stray = [...flows.entries()].filter(([k]) => !used.has(k));
  if (stray.length) {
    info(`${stray.length} other UDP flows in the capture (not matching the negotiated endpoints): ` +
      firstFew(stray.map(([k, f]) => `${k} x${f.n}`), 10));
  }
}
if (!TRANSCODE) {
  const bad = callList.filter((c) => !(c.a.n > 0 && c.b.n === c.a.n)).map((c) => `${c.id}: UAC sent ${c.a.n}, UAS got ${c.b.n}`);
  check(callList.length === CALLS && bad.length === 0,
    `RTP UAC->daemon->UAS: all ${tot('a')} packets the UAC sent were relayed to the UAS (${tot('b')}) ` +
    `in ${callList.length - bad.length}/${CALLS} calls${bad.length ? ` -- ${firstFew(bad)}` : ''}`);
}
if (!TRANSCODE) {
  const bad = callList.filter((c) => !(c.c.n > 0 && c.d.n === c.c.n && c.sunk === c.d.n))
    .map((c) => `${c.id}: UAS sent ${c.c.n}, daemon sent to UAC ${c.d.n}, UAC socket read ${c.sunk}`);
  const sunk = sum(callList.map((c) => c.sunk));
  check(callList.length === CALLS && bad.length === 0,
    `RTP UAS->daemon->UAC: all ${tot('c')} echoed packets were relayed back to the UAC (${tot('d')} on the wire, ` +
    `${sunk} read by the UAC-side sockets) ` +
    `in ${callList.length - bad.length}/${CALLS} calls${bad.length ? ` -- ${firstFew(bad)}` : ''}`);
}
{
  const durs = callList.map((c) => ({ id: c.id, up: c.a.t1 - c.a.t0, down: c.d.t1 - c.d.t0 }));
  const bad = durs.filter((d) => !(d.up >= MIN_MEDIA_SECS && d.down >= MIN_MEDIA_SECS))
    .map((d) => `${d.id}: ${d.up.toFixed(2)} s sent, ${d.down.toFixed(2)} s received`);
  const ups = durs.map((d) => d.up);
  const downs = durs.map((d) => d.down);
  const rng = (a) => (a.length ? `${Math.min(...a).toFixed(2)}-${Math.max(...a).toFixed(2)} s` : 'n/a');
  check(callList.length === CALLS && bad.length === 0,
    `media duration per call >= ${MIN_MEDIA_SECS} s: UAC sent ${rng(ups)}, UAC received back ${rng(downs)} ` +
    `(first to last packet)${bad.length ? ` -- ${firstFew(bad)}` : ''}`);
}
if (TRANSCODE) {
  transcodeChecks({ pcap: opt.pcap, refPcap: opt['ref-pcap'], ngPort: NG_PORT, mode: TRANSCODE, calls: CALLS,
    callList, check, info, firstFew });
} else {
  // RTCP sent by rtcp-inject.mjs for each side must be relayed to the other side as is.
  const bad = callList.filter((c) => !(c.ra.n > 0 && c.rb.n === c.ra.n && c.rc.n > 0 && c.rd.n === c.rc.n))
    .map((c) => `${c.id}: UAC sent ${c.ra.n}, UAS got ${c.rb.n}; UAS sent ${c.rc.n}, UAC got ${c.rd.n}`);
  const t = (k) => sum(callList.map((c) => c[k].n));
  check(callList.length === CALLS && bad.length === 0,
    `RTCP relayed both ways: UAC->daemon ${t('ra')} -> UAS ${t('rb')}, UAS->daemon ${t('rc')} -> UAC ${t('rd')} ` +
    `compound SR/RR packets in ${callList.length - bad.length}/${CALLS} calls${bad.length ? ` -- ${firstFew(bad)}` : ''}`);
}
{
  // ICMP port unreachable quoting one of our media datagrams = something was
  // sent to a port nobody listens on (wrong endpoint, or a closed socket).
  const icmp = tshark(['-Y', 'icmp.type == 3', '-T', 'fields', '-E', 'separator=|', '-e', 'udp.srcport', '-e', 'udp.dstport'])
    .split('\n').filter(Boolean).map((r) => r.split('|').map(Number))
    .filter(([sp, dp]) => inDaemonRange(sp) || inDaemonRange(dp) || inUacMedia(dp) || dp === UAS_MEDIA);
  const ports = [...new Set(icmp.map(([sp, dp]) => `${sp}>${dp}`))];
  check(icmp.length === 0, `no ICMP port-unreachable for media datagrams: ${icmp.length}` +
    (icmp.length ? ` (flows ${firstFew(ports)})` : ''));
}

// ---------------------------------------------------------------- Kamailio log
const kam = readFileSync(opt.kamlog, 'utf8').split('\n');
const tagged = (tag) => kam.filter((l) => l.includes(`${tag} `));
const ciOf = (l) => /\bci=(\S+)/.exec(l)?.[1];
{
  const offers = new Set(tagged('E2E-OFFER ok').map(ciOf));
  const answers = new Set(tagged('E2E-ANSWER ok').map(ciOf));
  const deletes = new Set(tagged('E2E-DELETE ok').map(ciOf));
  const failures = kam.filter((l) => / E2E-\S+ failed|E2E-FAILURE /.test(l));
  check(offers.size === CALLS && answers.size === CALLS && deletes.size === CALLS && failures.length === 0,
    `Kamailio rtpengine_offer/answer/delete succeeded for ${offers.size}/${answers.size}/${deletes.size} of ${CALLS} calls, ` +
    `${failures.length} failures logged${failures.length ? ` -- ${firstFew(failures.map((l) => l.trim()), 3)}` : ''}`);
}

// Daemon counters from the `query` Kamailio issued on BYE (before delete).
const queries = new Map();
for (const l of tagged('E2E-QUERY')) {
  const m = /E2E-QUERY ci=(\S+) ft=(\S*) tt=(\S*) json=(.*)$/.exec(l);
  if (!m) continue;
  try {
    queries.set(m[1], { ft: m[2], tt: m[3], q: JSON.parse(m[4]) });
  } catch (e) {
    queries.set(m[1], { ft: m[2], tt: m[3], err: `unparsable JSON (${e.message}, ${m[4].length} chars)` });
  }
}
const rtpestat = new Map();
for (const l of tagged('E2E-RTPESTAT')) {
  const m = /E2E-RTPESTAT ci=(\S+) .*stat=RTP: (\d+) bytes, (\d+) packets, (\d+) errors; RTCP: (\d+) bytes, (\d+) packets, (\d+) errors/.exec(l);
  if (m) rtpestat.set(m[1], { bytes: +m[2], packets: +m[3], errors: +m[4], rtcpPackets: +m[6] });
}
// RTP stream (component 1) of a participant's first media, as Kamailio's
// rtpengine module picks it: medias[0].streams[0] (prefer one flagged "RTP").
function rtpStream(q, tag) {
  const t = q?.tags?.[tag];
  const streams = t?.medias?.[0]?.streams ?? [];
  return streams.find((s) => Array.isArray(s.flags) && s.flags.includes('RTP')) ?? streams[0];
}
{
  const bad = [];
  let callerPk = 0;
  let calleePk = 0;
  for (const c of callList) {
    const r = queries.get(c.id);
    if (!r) { bad.push(`${c.id}: no query logged`); continue; }
    if (r.err) { bad.push(`${c.id}: ${r.err}`); continue; }
    const caller = rtpStream(r.q, r.ft);
    const callee = rtpStream(r.q, r.tt);
    if (!caller || !callee) { bad.push(`${c.id}: query reply lacks tags/medias/streams for ${r.ft} / ${r.tt}`); continue; }
    const cp = caller.stats?.packets;
    const ep = callee.stats?.packets;
    callerPk += cp ?? 0;
    calleePk += ep ?? 0;
    if (cp !== c.a.n) bad.push(`${c.id}: daemon received ${cp} from caller, capture ${c.a.n}`);
    if (ep !== c.c.n) bad.push(`${c.id}: daemon received ${ep} from callee, capture ${c.c.n}`);
    if (caller.stats?.bytes !== c.a.bytes) bad.push(`${c.id}: caller bytes ${caller.stats?.bytes}, capture ${c.a.bytes}`);
    if (callee.stats?.bytes !== c.c.bytes) bad.push(`${c.id}: callee bytes ${callee.stats?.bytes}, capture ${c.c.bytes}`);
    if (caller['local port'] !== c.dToUac || callee['local port'] !== c.dToUas) {
      bad.push(`${c.id}: query local ports caller ${caller['local port']} / callee ${callee['local port']}, SDP ${c.dToUac} / ${c.dToUas}`);
    }
  }
  check(callList.length === CALLS && bad.length === 0,
    `daemon per-direction counters (ng query on BYE) match the capture: received from UAC ${callerPk} (capture ${tot('a')}), ` +
    `from UAS ${calleePk} (capture ${tot('c')}) packets; bytes and local ports agree${bad.length ? ` -- ${firstFew(bad)}` : ''}`);
}
if (TRANSCODE) {
  // rtpengine 10.5's query on a transcoded call: each participant's media
  // shows the codec it speaks and carries the `transcoding` flag.
  const bad = [];
  for (const c of callList) {
    const r = queries.get(c.id);
    const m = (tag) => r?.q?.tags?.[tag]?.medias?.[0];
    const [caller, callee] = r && !r.err ? [m(r.ft), m(r.tt)] : [];
    if (!caller || !callee) { bad.push(`${c.id}: ${r?.err ?? 'no query logged'}`); continue; }
    const flagged = (x) => Array.isArray(x.flags) && x.flags.includes('transcoding');
    if (caller.codec !== 'PCMA/8000' || callee.codec !== 'PCMU/8000' || !flagged(caller) || !flagged(callee)) {
      bad.push(`${c.id}: caller codec ${caller.codec} flags ${JSON.stringify(caller.flags)}, callee codec ${callee.codec} flags ${JSON.stringify(callee.flags)}`);
    }
  }
  check(callList.length === CALLS && bad.length === 0,
    `daemon's query on BYE shows the caller's media as PCMA/8000 and the callee's as PCMU/8000, both flagged 'transcoding', ` +
    `in ${callList.length - bad.length}/${CALLS} calls${bad.length ? ` -- ${firstFew(bad)}` : ''}`);
}
{
  const bad = [];
  let pk = 0;
  let rpk = 0;
  for (const c of callList) {
    const s = rtpestat.get(c.id);
    if (!s) { bad.push(`${c.id}: no $rtpestat logged`); continue; }
    pk += s.packets;
    if (s.packets !== c.a.n + c.c.n) bad.push(`${c.id}: $rtpestat ${s.packets} packets, capture ${c.a.n}+${c.c.n}`);
    if (s.bytes !== c.a.bytes + c.c.bytes) bad.push(`${c.id}: $rtpestat ${s.bytes} bytes, capture ${c.a.bytes + c.c.bytes}`);
    if (s.errors !== 0) bad.push(`${c.id}: $rtpestat ${s.errors} errors`);
    rpk += s.rtcpPackets;
    if (s.rtcpPackets !== c.ra.n + c.rc.n) bad.push(`${c.id}: $rtpestat ${s.rtcpPackets} RTCP packets, capture ${c.ra.n}+${c.rc.n}`);
  }
  check(callList.length === CALLS && bad.length === 0,
    `daemon totals ($rtpestat on BYE) match the capture: ${pk} RTP packets (capture ${tot('a') + tot('c')}), ` +
    `${rpk} RTCP packets (capture ${tot('ra') + tot('rc')}), 0 errors` +
    `${bad.length ? ` -- ${firstFew(bad)}` : ''}`);
}

// ---------------------------------------------------------------- MOS
// The mos_* pvs Kamailio's rtpengine module set from the `delete` reply
// (kamailio.cfg logs them as E2E-MOS after rtpengine_delete() on BYE). Every
// call must have a valid mos_average/mos_min/mos_max ("4.3"), samples >= 1,
// min <= average <= max, and integer companions with a round trip > 0.
// --control=rtpproxy (kamailio-rtpproxy.cfg): calls are deleted over the rtpproxy protocol, which
// carries no MOS, so the rtpengine module never fills these pvs: the check does not apply. Nor in
// the transcoding mode (no RTCP injected).
if (opt.control === 'rtpproxy') {
  info('MOS pvs not checked: calls are deleted over the rtpproxy protocol (no statistics in its replies)');
} else if (!TRANSCODE) {
  const mos = new Map();
  for (const l of tagged('E2E-MOS')) {
    const m = /E2E-MOS ci=(\S+) (.*)$/.exec(l);
    if (m) mos.set(m[1], Object.fromEntries(m[2].trim().split(/\s+/).map((kv) => kv.split('=', 2))));
  }
  const isMos = (v) => /^[1-5]\.\d$/.test(v ?? '') && Number(v) <= 5;
  const isInt = (v) => /^\d+$/.test(v ?? '');
  const bad = [];
  const vals = { avg: [], min: [], max: [], samples: [], avg_pl: [], avg_jit: [], avg_rtt: [] };
  for (const c of callList) {
    const v = mos.get(c.id);
    const inj = injOf(c.id);
    const injNote = inj ? ` (RTCP injector: ${inj.state}, ${inj.rounds} rounds, RR uac/uas ${inj.rr.uac}/${inj.rr.uas}` +
      `${inj.lastProbe && inj.state !== 'done' ? `, ${inj.lastProbe}` : ''})` : ' (RTCP injector never saw the call)';
    if (!v) { bad.push(`${c.id}: no E2E-MOS logged${injNote}`); continue; }
    const probs = [];
    for (const k of ['avg', 'min', 'max']) if (!isMos(v[k])) probs.push(`mos_${k}=${v[k]}`);
    if (!(isInt(v.samples) && Number(v.samples) >= 1)) probs.push(`samples=${v.samples}`);
    for (const k of ['avg_pl', 'avg_jit', 'avg_rtt', 'min_pl', 'min_jit', 'min_rtt', 'max_pl', 'max_jit', 'max_rtt']) {
      if (!isInt(v[k])) probs.push(`${k}=${v[k]}`);
    }
    if (isInt(v.avg_rtt) && Number(v.avg_rtt) === 0) probs.push('avg_rtt=0');
    if (isMos(v.avg) && isMos(v.min) && isMos(v.max) && !(+v.min <= +v.avg && +v.avg <= +v.max)) {
      probs.push(`not min ${v.min} <= avg ${v.avg} <= max ${v.max}`);
    }
    if (probs.length) { bad.push(`${c.id}: ${probs.join(' ')}${injNote}`); continue; }
    for (const k of Object.keys(vals)) vals[k].push(Number(v[k]));
  }
  const st = (a, d = 1) => (a.length
    ? `${Math.min(...a).toFixed(d)}/${(sum(a) / a.length).toFixed(d)}/${Math.max(...a).toFixed(d)}` : 'n/a');
  const injected = rtcpInj ? `; RTCP injected: ${rtcpInj.srSent} SR + ${rtcpInj.rrSent} RR for ` +
    `${(rtcpInj.calls ?? []).filter((x) => x.state === 'done').length} calls` : '';
  check(callList.length === CALLS && bad.length === 0,
    `Kamailio mos_* pvs after rtpengine_delete set for ${vals.avg.length}/${CALLS} calls (min/mean/max over calls): ` +
    `mos_average ${st(vals.avg)}, mos_min ${st(vals.min)}, mos_max ${st(vals.max)}, samples ${st(vals.samples, 0)}, ` +
    `avg packet loss ${st(vals.avg_pl, 0)} %, avg jitter ${st(vals.avg_jit, 0)} ms, ` +
    `avg round trip ${st(vals.avg_rtt.map((x) => x / 1000))} ms${injected}${bad.length ? ` -- ${firstFew(bad)}` : ''}`);
}

// ---------------------------------------------------------------- leftovers
{
  try {
    const r = await ngRequest(NG_HOST, NG_PORT, { command: 'list' }, { timeoutMs: 1000, tries: 3 });
    const left = Array.isArray(r.calls) ? r.calls.length : NaN;
    check(r.result === 'ok' && left === 0,
      `daemon has no calls left after all BYEs (ng list: result=${r.result}, ${Number.isNaN(left) ? 'no calls list' : `${left} calls`})`);
  } catch (e) {
    fail(`daemon has no calls left after all BYEs: ng list failed: ${e.message}`);
  }
}
