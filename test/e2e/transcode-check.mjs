// Checks of run.sh's transcoding mode (E2E_TRANSCODE), called by analyze.mjs.
//
// The call: the SIPp UAC offers PCMA only and plays g711a.pcap (PCMA, 30 ms
// packets) twice; Kamailio offers with codec-mask all + codec-transcode PCMU;
// the SIPp UAS answers PCMU only and echoes every packet it gets. So the
// daemon must encode the UAC's audio as PCMU toward the UAS and the echoed
// PCMU as PCMA toward the UAC. These checks look at the loopback capture:
//   - what Kamailio's module put in the ng offer (both spellings of the flags
//     become the ng `codec` dictionary);
//   - the SDP each side got (PCMU only toward the UAS, PCMA only toward the UAC);
//   - the payload type of every RTP packet the daemon sent to each side;
//   - no audio lost: G.711 carries one sample per payload byte, so the samples
//     sent toward each side must equal the samples received from the other
//     (the packet counts may differ: the daemon may repacketize, e.g. the
//     UAC's 30 ms packets into 20 ms ones when no a=ptime was offered);
//   - the audio itself: the payloads are decoded (G.711 per ITU-T G.711, tables
//     below) and compared with the decoded PCMA the UAC sent, packet by packet
//     at the matching position of the UAC's sample stream, giving an SNR.
// Audio skipped or inserted is allowed only where the daemon's input stalled
// (SIPp on a busy machine), see "judging a call".
// The UAC's own stream is also compared with g711a.pcap's payloads (twice), so
// the reference really is the pcap's audio.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { bdecode } from './ng.mjs';

// ------------------------------------------------------------ G.711 decoding
// ITU-T G.711 expansion to 16-bit linear PCM (the A-law value is 13 bits and
// the µ-law value 14 bits, both scaled up to 16). The tables agree with
// transcode/g711.ts's, written separately.
function alawToLinear(a) {
  a ^= 0x55; // A-law: the even bits are inverted on the wire
  const seg = (a & 0x70) >> 4;
  let t = (a & 0x0f) << 4;
  if (seg === 0) t += 8;
  else t = (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
}
function ulawToLinear(u) {
  u = ~u & 0xff; // all bits are inverted on the wire
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return u & 0x80 ? 0x84 - t : t - 0x84;
}
const ALAW = Int16Array.from({ length: 256 }, (_, i) => alawToLinear(i));
const ULAW = Int16Array.from({ length: 256 }, (_, i) => ulawToLinear(i));

// ------------------------------------------------------------ RTP parsing
// RFC 3550 §5.1 fixed header, CSRCs (§5.1 CC), header extension (§5.3.1),
// padding (§5.1 P).
function parseRtp(buf) {
  if (buf.length < 12 || buf[0] >> 6 !== 2) return null;
  const cc = buf[0] & 0x0f;
  let off = 12 + 4 * cc;
  if (buf[0] & 0x10) {
    if (buf.length < off + 4) return null;
    off += 4 + 4 * buf.readUInt16BE(off + 2);
  }
  let end = buf.length;
  if (buf[0] & 0x20) end -= buf[end - 1];
  if (off > end) return null;
  return {
    pt: buf[1] & 0x7f,
    seq: buf.readUInt16BE(2),
    ts: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    payload: buf.subarray(off, end),
  };
}

// The RTP payloads of g711a.pcap (classic libpcap file, Ethernet/IPv4/UDP).
function pcapPayloads(file) {
  const b = readFileSync(file);
  const magic = b.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && b.readUInt32BE(0) !== 0xa1b2c3d4 && b.readUInt32BE(0) !== 0xa1b23c4d) throw new Error(`${file}: not a pcap file`);
  const u32 = (o) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  if (u32(20) !== 1) throw new Error(`${file}: link type ${u32(20)}, want Ethernet`);
  const out = [];
  for (let o = 24; o + 16 <= b.length;) {
    const incl = u32(o + 8);
    const frame = b.subarray(o + 16, o + 16 + incl);
    o += 16 + incl;
    if (frame.readUInt16BE(12) !== 0x0800 || frame[23] !== 17) continue; // IPv4 / UDP
    const ihl = (frame[14] & 0x0f) * 4;
    const udp = frame.subarray(14 + ihl);
    const rtp = parseRtp(udp.subarray(8, udp.readUInt16BE(4)));
    if (rtp) out.push(rtp.payload);
  }
  return out;
}

// ------------------------------------------------------------ alignment / SNR
// Compare the decoded packets of one output stream with the reference sample
// stream (the UAC's decoded PCMA). Each packet is expected right after the
// previous one; if it does not match there (its error is not below the
// reference's or the packet's energy / 1000, i.e. 30 dB) a window of +-SEARCH
// samples is searched for the best match, and a position change is a "slip"
// (audio dropped or inserted). Where both are near silence (below 64 LSB RMS)
// any position matches, so there is no search. Returns per-packet positions and
// error/signal energies, and the slips.
const SEARCH = 800; // 100 ms at 8 kHz
const MIN_SNR = 30; // dB, each direction (A -> µ alone gives ~36 dB on g711a.pcap, A -> µ -> A ~43 dB)
function compare(ref, packets) {
  let pos = 0;
  const slips = []; // {pkt, delta}
  const per = []; // {pos, e, s, n, exact, beyond}
  const errAt = (x, p) => {
    let e = 0;
    let s = 0;
    for (let i = 0; i < x.length; i++) {
      const r = p + i < ref.length && p + i >= 0 ? ref[p + i] : 0;
      const d = x[i] - r;
      e += d * d;
      s += r * r;
    }
    return [e, s];
  };
  const energy = (x) => x.reduce((n, v) => n + v * v, 0);
  packets.forEach((x, k) => {
    let [e, s] = errAt(x, pos);
    const level = Math.max(s, energy(x));
    if (e * 1000 > level && level > x.length * 64 * 64) {
      let best = pos;
      let bestE = e;
      for (let p = Math.max(0, pos - SEARCH); p <= Math.min(ref.length - x.length, pos + SEARCH); p++) {
        const [e2] = errAt(x, p);
        if (e2 < bestE) {
          bestE = e2;
          best = p;
        }
      }
      // move only for a clearly better match (6 dB): in steady voiced sound a
      // position one pitch period away can match about as well
      if (best !== pos && bestE * 4 < e) {
        slips.push({ pkt: k, delta: best - pos });
        pos = best;
        [e, s] = errAt(x, pos);
      }
    }
    let exact = 0;
    let beyond = 0;
    for (let i = 0; i < x.length; i++) {
      if (pos + i >= ref.length) beyond++;
      else if (x[i] === ref[pos + i]) exact++;
    }
    per.push({ pos, e, s, n: x.length, exact, beyond });
    pos += x.length;
  });
  return { per, slips };
}

// Slips within a few packets of each other are one event (a garbled packet
// at a discontinuity matches somewhere wrong before the stream re-locks):
// {pkt0, pkt1, pos: reference position where the stream left it, net: samples
// skipped (> 0) or repeated/inserted (< 0)}.
function slipEvents(cmp) {
  const ev = [];
  for (const sl of cmp.slips) {
    const last = ev[ev.length - 1];
    if (last && sl.pkt - last.pkt1 <= 3) {
      last.pkt1 = sl.pkt;
      last.net += sl.delta;
    } else {
      const p = cmp.per[sl.pkt];
      ev.push({ pkt0: sl.pkt, pkt1: sl.pkt, pos: p.pos - sl.delta, net: sl.delta });
    }
  }
  return ev;
}

// Where a SIPp side's sending stalled: a packet that came >= 2 packet times
// after the previous one (while the RTP timestamp advanced: the break between
// the UAC's two pcap plays, where SIPp starts the pcap over, does not count).
// {j: index of the late packet, pos: its first sample in the stream, gap in samples}.
function sendStalls(list) {
  const out = [];
  let pos = 0;
  for (let j = 0; j < list.length; j++) {
    const p = list[j];
    const q = list[j - 1];
    if (q && ((p.ts - q.ts) >>> 0) < 0x80000000 && p.ts !== q.ts) {
      const gap = Math.round((p.time - q.time) * 8000);
      if (gap >= 2 * q.payload.length) out.push({ j, pos, gap });
    }
    pos += p.payload.length;
  }
  return out;
}

// ------------------------------------------------------------ judging a call
// The audio. Each output stream is aligned with the UAC's decoded PCMA
// (compare()); a slip is tolerated only where the daemon's input stalled
// (sendStalls(): SIPp's pcap playback or its echo thread on a busy machine)
// and only up to the stall's length: a daemon may then drop late audio
// (rtpengine 10.5 does) or fill in. The packets at a tolerated slip are left
// out of the SNR. Toward the UAC, the input is the UAS's echo; the echo also
// carries any discontinuity of the audio toward the UAS, so a slip there is
// tolerated if the same one was tolerated toward the UAS or the echo stalled.

// A daemon's output stream in RTP sequence order (as a receiver's jitter
// buffer plays it; packets may leave in another order, rtpengine 10.5's
// transcoder sometimes sends two back to back swapped). Only local
// reordering is undone: a sequence jump of more than REORDER starts a new run
// kept in send order, as a daemon that keeps the UAC's sequence numbers
// repeats SIPp's restart of them on the second pcap play. The UAC's own
// stream stays in send order.
const REORDER = 16;
function inSeqOrder(list) {
  const out = [];
  let run = [];
  let ext = 0;
  const flush = () => {
    run.sort((a, b) => a.ext - b.ext || a.i - b.i);
    for (const k of run) out.push(k.p);
    run = [];
  };
  list.forEach((p, i) => {
    const d = i === 0 ? 0 : ((p.seq - list[i - 1].seq + 0x8000) & 0xffff) - 0x8000;
    if (Math.abs(d) > REORDER) {
      flush();
      ext = 0;
    } else {
      ext += d;
    }
    run.push({ p, ext, i });
  });
  flush();
  return out;
}
const outOfOrder = (list) => list.reduce((n, p, i) => {
  const d = i === 0 ? 1 : ((p.seq - list[i - 1].seq + 0x8000) & 0xffff) - 0x8000;
  return n + (d < 0 && d >= -REORDER ? 1 : 0);
}, 0);
// Each side decodes what it gets with the codec it negotiated (the UAS only
// knows PCMU, the UAC PCMA), whatever payload type the packets carry: the
// payload type check is a separate one.
const decode = (list, table) => list.map((p) => Int16Array.from(p.payload, (b) => table[b]));
const frameOf = (list) => Math.max(1, ...list.map((p) => p.payload.length));
const referenceOf = (uacPackets) => Int16Array.from(Buffer.concat(uacPackets.map((p) => p.payload)), (b) => ALAW[b]);

function judgeForward(ref, uacPackets, outPackets) {
  const ordered = inSeqOrder(outPackets);
  const cmp = compare(ref, decode(ordered, ULAW));
  const events = slipEvents(cmp);
  const stalls = sendStalls(uacPackets);
  for (const ev of events) {
    ev.stall = stalls.find((x) => Math.abs(x.pos - ev.pos) <= 4 * frameOf(uacPackets));
    ev.ok = !!ev.stall && Math.abs(ev.net) <= ev.stall.gap;
  }
  return { cmp, events, ordered };
}
function judgeBack(ref, fwd, fwdPackets, echoPackets, outPackets) {
  const cmp = compare(ref, decode(inSeqOrder(outPackets), ALAW));
  const events = slipEvents(cmp);
  // echo stalls, placed in the reference: the echoed packet is the one the
  // daemon sent the UAS with the same sequence number
  const fwdIndex = new Map(fwd.ordered.map((p, i) => [p.seq, i]));
  const echoStalls = sendStalls(echoPackets).map((st) => {
    const i = fwdIndex.get(echoPackets[st.j].seq);
    return i === undefined ? null : { ...st, pos: fwd.cmp.per[i].pos, echo: true };
  }).filter(Boolean);
  const near = frameOf(fwdPackets) + frameOf(outPackets);
  for (const ev of events) {
    const f = fwd.events.find((x) => x.ok && x.net === ev.net && Math.abs(x.pos - ev.pos) <= near);
    const st = echoStalls.find((x) => Math.abs(x.pos - ev.pos) <= 4 * frameOf(echoPackets));
    ev.stall = f?.stall ?? st;
    ev.ok = !!f || (!!st && Math.abs(ev.net) <= st.gap);
  }
  return { cmp, events };
}
// SNR over the packets, without those at tolerated slips: the packets of the
// slip and the one before it (which may hold the splice, e.g. audio from both
// sides of the stall).
function snrOf({ cmp, events }) {
  const skip = new Set();
  for (const ev of events) if (ev.ok) for (let i = Math.max(0, ev.pkt0 - 1); i <= ev.pkt1; i++) skip.add(i);
  let sig = 0;
  let err = 0;
  let beyond = 0;
  let exact = 0;
  let total = 0;
  cmp.per.forEach((p, i) => {
    beyond += p.beyond;
    if (skip.has(i)) return;
    sig += p.s;
    err += p.e;
    exact += p.exact;
    total += p.n;
  });
  return { snr: err === 0 ? Infinity : 10 * Math.log10(sig / err), skipped: skip.size, beyond, exact, total };
}
// Samples toward the UAS the daemon did not send: the UAC's minus those
// skipped at tolerated slips minus those sent. Less than one output packet may
// be missing (a packetizer may hold a partial frame when the input stops).
const sum = (a) => a.reduce((x, y) => x + y, 0);
const samplesOf = (list) => list.reduce((n, p) => n + p.payload.length, 0);
// Slips only count where the rest of the audio matches: in noise (e.g. PCMA
// relayed untranscoded) the "slips" are the search wandering.
const credible = (j) => snrOf(j).snr >= MIN_SNR;
function forwardMissing(uacPackets, outPackets, fwd) {
  const skipped = credible(fwd) ? fwd.events.filter((e) => e.ok).reduce((n, e) => n + e.net, 0) : 0;
  return { skipped, missing: samplesOf(uacPackets) - skipped - samplesOf(outPackets) };
}
const samplesOk = (uacPackets, outPackets, fwd) => {
  const { missing } = forwardMissing(uacPackets, outPackets, fwd);
  return missing >= 0 && missing < frameOf(outPackets);
};
// The same toward the UAC: the echo's samples minus those skipped at echo
// stalls (skips inherited from the way to the UAS are not in the echo).
function backwardMissing(echoPackets, outPackets, back) {
  const skipped = credible(back) ? back.events.filter((e) => e.ok && e.stall?.echo).reduce((n, e) => n + e.net, 0) : 0;
  return { skipped, missing: samplesOf(echoPackets) - skipped - samplesOf(outPackets) };
}
const samplesOkBack = (echoPackets, outPackets, back) => {
  const { missing } = backwardMissing(echoPackets, outPackets, back);
  return missing >= 0 && missing < frameOf(outPackets);
};
const audioOk = (j) => {
  const r = snrOf(j);
  return r.snr >= MIN_SNR && !j.events.some((e) => !e.ok) && r.beyond === 0 && j.cmp.per.length > 0;
};

const fmtDb = (x) => (x === Infinity ? 'inf (bit-exact)' : `${x.toFixed(1)} dB`);


// ------------------------------------------------------------ self-test
// Proves on g711a.pcap's audio that these checks can fail: synthetic daemon
// output built from the UAC's stream must pass when faithful and fail when a
// packet is dropped or two are swapped, or when the payload is noise; a drop
// where the UAC's sending stalled is tolerated. Returns [[name, ok], ...].
function nearestEncoder(table) {
  const enc = new Uint8Array(65536);
  for (let v = -32768; v < 32768; v++) {
    let best = 0;
    for (let c = 1; c < 256; c++) if (Math.abs(table[c] - v) < Math.abs(table[best] - v)) best = c;
    enc[v + 32768] = best;
  }
  return (x) => enc[x + 32768];
}
export function selfTest(refPcap) {
  const pay = pcapPayloads(refPcap);
  // the UAC: the pcap twice, 30 ms apart, RTP timestamps restarting with the second play (as SIPp does)
  const uac = [...pay, ...pay].map((payload, i) => ({
    pt: 8, seq: i % pay.length, ts: 240 * (i % pay.length), payload, time: 0.03 * i + (i >= pay.length ? 0.15 : 0),
  }));
  const ref = referenceOf(uac);
  const toU = nearestEncoder(ULAW);
  const toA = nearestEncoder(ALAW);
  const packetize = (lin, pt, enc, n = 160) => {
    const out = [];
    for (let o = 0; o + n <= lin.length; o += n) {
      out.push({ pt, seq: (60000 + out.length) & 0xffff, payload: Buffer.from(Array.from(lin.subarray(o, o + n), enc)) });
    }
    return out;
  };
  const pcmu = packetize(ref, 0, toU);
  // the loudest 20 ms packet: a drop there cannot hide in silence
  let loud = 0;
  pcmu.forEach((p, i) => {
    const e = (q) => decode([q], ULAW)[0].reduce((n, v) => n + v * v, 0);
    if (e(p) > e(pcmu[loud])) loud = i;
  });
  const without = (list, i) => list.filter((_, k) => k !== i);
  const stalled = uac.map((p) => ({ ...p }));
  const j = Math.floor((loud * 160) / 240); // the UAC packet holding the dropped audio
  for (let k = j; k < stalled.length; k++) stalled[k].time += 0.075;
  // payloads of two packets swapped (sequence numbers in order)
  const swapped = pcmu.map((p, i) => (i === loud || i === loud + 1 ? { ...p, payload: pcmu[2 * loud + 1 - i].payload } : p));
  // the same two packets sent in the wrong order (a receiver reorders them by sequence number)
  const reordered = pcmu.slice();
  [reordered[loud], reordered[loud + 1]] = [reordered[loud + 1], reordered[loud]];
  let seed = 1;
  const noise = pcmu.map((p) => ({ ...p, payload: Buffer.from(p.payload.map(() => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24)) }));
  const fwdOk = (u, out) => {
    const f = judgeForward(ref, u, out);
    return audioOk(f) && samplesOk(u, out, f);
  };
  const faithful = judgeForward(ref, uac, pcmu);
  const back = packetize(Int16Array.from(Buffer.concat(pcmu.map((p) => p.payload)), (b) => ULAW[b]), 8, toA);
  const backDropped = without(back, loud);
  const stalledFwd = judgeForward(ref, stalled, without(pcmu, loud));
  // the UAS's echo of the faithful PCMU, 20 ms apart, and the same with a 60 ms stall at the loud packet
  const echo = pcmu.map((p, i) => ({ ...p, ts: 160 * i, time: 0.02 * i }));
  const echoStalled = echo.map((p, i) => ({ ...p, time: p.time + (i >= loud ? 0.04 : 0) }));
  const backOk = (fwd, e, out) => {
    const b = judgeBack(ref, fwd, pcmu, e, out);
    return audioOk(b) && samplesOkBack(e, out, b);
  };
  return [
    [`faithful PCMA->PCMU passes (SNR ${fmtDb(snrOf(faithful).snr)})`, fwdOk(uac, pcmu)],
    ['a dropped 20 ms packet fails', !fwdOk(uac, without(pcmu, loud))],
    ['two packets with swapped payloads fail', !fwdOk(uac, swapped)],
    ['two packets sent out of order pass (sequence numbers)', fwdOk(uac, reordered)],
    ['noise fails', !fwdOk(uac, noise)],
    ['the same drop at a 75 ms UAC send stall is tolerated', fwdOk(stalled, without(pcmu, loud))],
    ['faithful round trip passes', backOk(faithful, echo, back)],
    ['a packet dropped on the way back only fails', !backOk(faithful, echo, backDropped)],
    ['the same drop at a 60 ms UAS echo stall is tolerated', backOk(faithful, echoStalled, backDropped)],
    ['a drop inherited from a tolerated one toward the UAS is tolerated',
      audioOk(judgeBack(ref, stalledFwd, pcmu, echo, backDropped))],
  ];
}

// ------------------------------------------------------------ the checks
export function transcodeChecks({ pcap, refPcap, ngPort, mode, calls, callList, check, info, firstFew }) {
  {
    let res;
    try {
      res = selfTest(refPcap);
    } catch (e) {
      res = [[`self-test could not run: ${e.message}`, false]];
    }
    const bad = res.filter(([, ok]) => !ok).map(([n]) => n);
    check(bad.length === 0, `transcode-check self-test on g711a.pcap's audio: ${res.length - bad.length}/${res.length} cases behave ` +
      `(${res.map(([n]) => n).join('; ')})${bad.length ? ` -- wrong: ${bad.join('; ')}` : ''}`);
  }
  // ng offers Kamailio sent
  {
    const rows = execFileSync('tshark', ['-n', '-r', pcap, '-Y', `udp.dstport == ${ngPort} && udp.payload`,
      '-T', 'fields', '-e', 'udp.payload'], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n').filter(Boolean);
    let offers = 0;
    const bad = [];
    const seen = new Set();
    for (const hex of rows) {
      const buf = Buffer.from(hex, 'hex');
      const sp = buf.indexOf(0x20);
      let d;
      try {
        d = bdecode(buf.subarray(sp + 1));
      } catch {
        continue;
      }
      if (d?.command !== 'offer') continue;
      offers++;
      const flags = Array.isArray(d.flags) ? d.flags : [];
      const codec = d.codec ?? {};
      // Kamailio 5.6's module turns both spellings into the ng codec dict
      // (checked on the wire): codec-mask=all and codec-mask-all alike.
      const form = JSON.stringify(codec.mask) === '["all"]' && JSON.stringify(codec.transcode) === '["PCMU"]' &&
        !flags.some((f) => f.startsWith('codec'));
      const desc = `flags=${JSON.stringify(flags)} codec=${JSON.stringify(d.codec ?? null)}`;
      seen.add(desc);
      if (!form) bad.push(`${d['call-id']}: ${desc}`);
    }
    const spelled = mode === 'flags' ? 'codec-mask-all codec-transcode-PCMU' : 'codec-mask=all codec-transcode=PCMU';
    check(offers >= calls && bad.length === 0,
      `Kamailio's module sent '${spelled}' as the ng codec dict {mask: [all], transcode: [PCMU]}: ${offers - bad.length}/${offers} offers ` +
      `(${[...seen].join(' | ')})${bad.length ? ` -- ${firstFew(bad)}` : ''}`);
  }

  // SDP codecs each side got
  {
    const bad = [];
    for (const c of callList) {
      for (const s of c.sdpAtUas) {
        const m = s.m[0];
        if (!m || m.fmts.join(' ') !== '0' || (s.rtpmap['0'] && !/^PCMU\/8000$/i.test(s.rtpmap['0']))) {
          bad.push(`${c.id}: INVITE at UAS m=${m ? `${m.type} ${m.port} ${m.proto} ${m.fmts.join(' ')}` : 'none'}`);
        }
      }
      for (const s of c.sdpAtUac) {
        const m = s.m[0];
        if (!m || m.fmts.join(' ') !== '8' || (s.rtpmap['8'] && !/^PCMA\/8000$/i.test(s.rtpmap['8']))) {
          bad.push(`${c.id}: 200 at UAC m=${m ? `${m.type} ${m.port} ${m.proto} ${m.fmts.join(' ')}` : 'none'}`);
        }
      }
    }
    check(callList.length === calls && bad.length === 0,
      `SDP codecs: the UAS was offered PCMU (0) only and the UAC got PCMA (8) only back, in ` +
      `${callList.length - new Set(bad.map((b) => b.split(':')[0])).size}/${calls} calls${bad.length ? ` -- ${firstFew(bad)}` : ''}`);
  }

  // RTP packets of the four flows of each call, in capture (= send) order
  const wanted = new Map(); // "src>dst" -> array of parsed RTP packets
  for (const c of callList) {
    for (const k of [`${c.uacPort}>${c.dToUac}`, `${c.dToUas}>${c.uasPort}`, `${c.uasPort}>${c.dToUas}`, `${c.dToUac}>${c.uacPort}`]) {
      wanted.set(k, []);
    }
  }
  {
    const rows = execFileSync('tshark', ['-n', '-r', pcap, '-Y', 'udp && !icmp && udp.payload', '-T', 'fields', '-E', 'separator=|',
      '-e', 'frame.time_epoch', '-e', 'udp.srcport', '-e', 'udp.dstport', '-e', 'udp.payload'],
    { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] }).split('\n');
    for (const row of rows) {
      const [t, sp, dp, hex] = row.split('|');
      const list = wanted.get(`${sp}>${dp}`);
      if (!list || !hex) continue;
      const rtp = parseRtp(Buffer.from(hex, 'hex'));
      if (rtp) list.push(Object.assign(rtp, { time: Number(t) }));
    }
  }
  for (const c of callList) {
    c.xa = wanted.get(`${c.uacPort}>${c.dToUac}`) ?? []; // UAC -> daemon (PCMA)
    c.xb = wanted.get(`${c.dToUas}>${c.uasPort}`) ?? []; // daemon -> UAS (PCMU)
    c.xc = wanted.get(`${c.uasPort}>${c.dToUas}`) ?? []; // UAS echo -> daemon (PCMU)
    c.xd = wanted.get(`${c.dToUac}>${c.uacPort}`) ?? []; // daemon -> UAC (PCMA)
  }
  const pts = (list) => [...new Set(list.map((p) => p.pt))].sort((a, b) => a - b).join(',') || 'none';
  const ptimes = (list) => [...new Set(list.map((p) => p.payload.length / 8))].sort((a, b) => a - b).join('/');

  // the reference is what the pcap holds
  let refPayloads = null;
  try {
    refPayloads = pcapPayloads(refPcap);
  } catch (e) {
    info(`cannot read ${refPcap}: ${e.message}`);
  }
  if (refPayloads) {
    const want = Buffer.concat([...refPayloads, ...refPayloads]);
    const bad = callList.filter((c) => !Buffer.concat(c.xa.map((p) => p.payload)).equals(want))
      .map((c) => `${c.id}: ${c.xa.length} packets, ${samplesOf(c.xa)} samples`);
    check(callList.length === calls && bad.length === 0,
      `UAC sent g711a.pcap's PCMA payloads twice (${2 * refPayloads.length} packets, ${want.length} samples) in ` +
      `${callList.length - bad.length}/${calls} calls${bad.length ? ` -- ${firstFew(bad)}` : ''}`);
  }

  // payload types
  {
    const bad = [];
    for (const c of callList) {
      if (c.xb.length === 0 || c.xb.some((p) => p.pt !== 0)) bad.push(`${c.id}: toward UAS PT ${pts(c.xb)} (${c.xb.length} packets)`);
      if (c.xd.length === 0 || c.xd.some((p) => p.pt !== 8)) bad.push(`${c.id}: toward UAC PT ${pts(c.xd)} (${c.xd.length} packets)`);
    }
    const all = (k) => callList.flatMap((c) => c[k]);
    check(callList.length === calls && bad.length === 0,
      `RTP payload types: daemon->UAS PT ${pts(all('xb'))} (${all('xb').length} packets, ${ptimes(all('xb'))} ms), ` +
      `daemon->UAC PT ${pts(all('xd'))} (${all('xd').length} packets, ${ptimes(all('xd'))} ms); ` +
      `sent by UAC PT ${pts(all('xa'))} (${ptimes(all('xa'))} ms), echoed by UAS PT ${pts(all('xc'))}; ` +
      `sent out of sequence order: ${sum(callList.map((c) => outOfOrder(c.xb)))} toward the UAS, ${sum(callList.map((c) => outOfOrder(c.xd)))} toward the UAC` +
      `${bad.length ? ` -- ${firstFew(bad)}` : ''}`);
  }

  // the audio (see "judging a call" above)
  for (const c of callList) {
    c.ref = referenceOf(c.xa);
    c.fwd = judgeForward(c.ref, c.xa, c.xb);
    c.back = judgeBack(c.ref, c.fwd, c.xb, c.xc, c.xd);
  }
  const evText = (ev) => `${ev.net > 0 ? `${ev.net} samples skipped` : ev.net < 0 ? `${-ev.net} samples inserted` : 'audio out of place'} at ${(ev.pos / 8).toFixed(0)} ms` +
    (ev.stall ? ` (${ev.stall.echo ? 'UAS echo' : 'UAC send'} stall of ${(ev.stall.gap / 8).toFixed(0)} ms there${ev.ok ? ', tolerated' : ''})` : ' (input in time there)');

  // no audio lost: samples in = samples out both ways, up to tolerated slips
  // and less than one output packet at the end (a packetizer may hold a
  // partial frame when the input stops); the UAC-side socket read every packet
  {
    const bad = [];
    const notes = [];
    const t = { a: 0, b: 0, c: 0, d: 0 };
    for (const c of callList) {
      const [a, b, cc, d] = [samplesOf(c.xa), samplesOf(c.xb), samplesOf(c.xc), samplesOf(c.xd)];
      t.a += a;
      t.b += b;
      t.c += cc;
      t.d += d;
      const { skipped, missing: fwdMissing } = forwardMissing(c.xa, c.xb, c.fwd);
      const { skipped: backSkipped, missing: backMissing } = backwardMissing(c.xc, c.xd, c.back);
      if (skipped) notes.push(`${c.id}: ${skipped} samples skipped at UAC send stalls`);
      if (backSkipped) notes.push(`${c.id}: ${backSkipped} samples skipped toward the UAC at UAS echo stalls`);
      if (fwdMissing) notes.push(`${c.id}: ${fwdMissing} samples toward the UAS not sent at the end`);
      if (backMissing) notes.push(`${c.id}: ${backMissing} samples toward the UAC not sent at the end`);
      if (!(a > 0 && samplesOk(c.xa, c.xb, c.fwd))) {
        bad.push(`${c.id}: UAC sent ${a} samples (${c.xa.length} packets), UAS got ${b} (${c.xb.length}), tolerated slips ${skipped}`);
      }
      if (!(cc > 0 && samplesOkBack(c.xc, c.xd, c.back))) {
        bad.push(`${c.id}: UAS echoed ${cc} samples (${c.xc.length} packets), UAC got ${d} (${c.xd.length}), tolerated slips ${backSkipped}`);
      }
      if (c.sunk !== c.xd.length) bad.push(`${c.id}: daemon sent ${c.xd.length} packets to the UAC, its socket read ${c.sunk}`);
    }
    check(callList.length === calls && bad.length === 0,
      `no audio lost through the transcoder: UAC->daemon ${t.a} samples -> UAS ${t.b}; UAS echo ${t.c} -> UAC ${t.d} ` +
      `(every packet read by the UAC-side sockets) in ${callList.length - new Set(bad.map((b) => b.split(':')[0])).size}/${calls} calls` +
      `${notes.length ? ` [allowed: ${firstFew(notes)}]` : ''}${bad.length ? ` -- ${firstFew(bad)}` : ''}`);
  }

  for (const [k, label] of [['fwd', 'UAC->UAS (PCMA -> PCMU)'], ['back', 'round trip back to the UAC (PCMA -> PCMU -> echo -> PCMA)']]) {
    const bad = [];
    const snrs = [];
    const notes = [];
    let exact = 0;
    let total = 0;
    for (const c of callList) {
      const { cmp, events } = c[k];
      const { snr, skipped, beyond, exact: ex, total: tot } = snrOf(c[k]);
      exact += ex;
      total += tot;
      snrs.push(snr);
      const evs = events.slice(0, 3).map(evText).join(', ') + (events.length > 3 ? `, ... (${events.length} slips)` : '');
      notes.push(`${fmtDb(snr)}${evs ? ` [${evs}; ${skipped} packets left out]` : ''}`);
      const badEv = events.filter((e) => !e.ok);
      if (!audioOk(c[k])) {
        bad.push(`${c.id}: SNR ${fmtDb(snr)}, ${cmp.per.length} packets${badEv.length ? `, ${badEv.slice(0, 2).map(evText).join(', ')}` +
          `${badEv.length > 2 ? `, ... (${badEv.length} untolerated slips)` : ''}` : ''}` +
          `${beyond ? `, ${beyond} samples past the end of the UAC's audio` : ''}`);
      }
    }
    const finite = snrs.filter((x) => x !== Infinity);
    const exactNote = k === 'back' ? `; PCMA bytes identical to what the UAC sent: ${(100 * exact / Math.max(1, total)).toFixed(1)} %` : '';
    check(callList.length === calls && bad.length === 0,
      `audio ${label} matches the UAC's decoded PCMA: SNR min ` +
      `${snrs.length ? fmtDb(Math.min(...snrs)) : 'n/a'}${finite.length ? `, mean ${(finite.reduce((x, y) => x + y, 0) / finite.length).toFixed(1)} dB` : ''} ` +
      `(>= ${MIN_SNR} dB required, no slips but at input stalls)${exactNote}${bad.length ? ` -- ${firstFew(bad)}` : ''}`);
    info(`audio ${label} SNR per call: ${notes.join('; ')}`);
  }
}
