// Interop probe (not part of npm test): what does the real rtpengine 10.5 do with RFC 4733 events
// when it transcodes? A offers PCMU + telephone-event/8000 (PT 101); B answers either
//  - "retime": opus + telephone-event/48000 (events re-timed across clocks), or
//  - "inband": PCMA only. rtpengine 10.5 does not convert here: its answer to A drops
//    telephone-event and PT 101 is forwarded as is. Instead, after the events, a `play DTMF` (code 5,
//    100 ms, default volume) makes it write an in-band tone into B's PCMA: its extent and level are printed.
// A sends 20 ms PCMU silence packets throughout, and events (start, updates, three ends, plus
// odd ones: duration 0, a decreasing duration). Prints what B receives.
//   npm run build && node test/dev/dtmf-rtpengine-probe.mjs retime|inband [VOLUME]
// Measured (rtpengine 10.5): retime: event ts = the audio map (input offset x 6), durations x 6, duration 0
// and decreasing durations passed on, the sender's audio not sent while an event is open; inband: pair peak
// 23040 / 10496 / 3264 in PCMA at volume 3 / 10 / 20 (= 32767 x 10^(-volume/20)), 100 ms = 799 samples.
import { ngClient, sleep, socket as probeSocket, startRtpengine } from './rtpengine-probe-lib.mjs';
import { ALAW_DECODE } from '../../dist/transcode/g711.js';

const MODE = process.argv[2] ?? 'retime';
const NG = 27833;
const daemon = startRtpengine(NG, 28100, 28199);
const ng = ngClient(NG);
const socket = () => probeSocket(true);
try {
  for (let i = 0; ; i++) {
    try { await ng({ command: 'ping' }); break; } catch (e) { if (i > 20) throw e; await sleep(100); }
  }
  const [a, b] = await Promise.all([socket(), socket()]);
  const sdp = (u, p, fmts, extra) =>
    `v=0\r\no=${u} 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${p} RTP/AVP ${fmts}\r\n${extra}a=sendrecv\r\n`;
  const offer = await ng({
    command: 'offer', 'call-id': 'dtmf-probe', 'from-tag': 'a',
    sdp: sdp('a', a.port, '0 101', 'a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n'),
    codec: new Map([['transcode', MODE === 'retime' ? ['opus'] : ['PCMA']]]),
    ...(MODE === 'inband' ? { flags: ['inject-DTMF'] } : {}),
  });
  console.log('offer to B:\n' + offer.sdp);
  const answerSdp = MODE === 'retime'
    ? sdp('b', b.port, '96 97', 'a=rtpmap:96 opus/48000/2\r\na=rtpmap:97 telephone-event/48000\r\na=fmtp:97 0-15\r\n')
    : sdp('b', b.port, '8', 'a=rtpmap:8 PCMA/8000\r\n');
  const answer = await ng({ command: 'answer', 'call-id': 'dtmf-probe', 'from-tag': 'a', 'to-tag': 'b', sdp: answerSdp,
    ...(MODE === 'inband' ? { flags: ['inject-DTMF'] } : {}) });
  console.log('answer to A:\n' + answer.sdp);
  const toA = Number(/m=audio (\d+)/.exec(answer.sdp)[1]);
  const ssrc = 0x1234;
  let seq = 100;
  const send = (pt, ts, payload, marker = false) => {
    const p = Buffer.alloc(12 + payload.length);
    p[0] = 0x80; p[1] = pt | (marker ? 0x80 : 0); p.writeUInt16BE(seq++ & 0xffff, 2); p.writeUInt32BE(ts >>> 0, 4); p.writeUInt32BE(ssrc, 8);
    payload.copy(p, 12);
    a.s.send(p, toA, '127.0.0.1');
  };
  const ev = (e, end, vol, dur) => Buffer.from([e, (end ? 0x80 : 0) | vol, dur >> 8, dur & 0xff]);
  const TS0 = 1000;
  const t0 = Date.now();
  // 60 frames (1.2 s). Event 5 from frame 10 (ts TS0+1600) for 800 (100 ms); event 9 from frame 30 with a
  // duration-0 start, a decreasing update and a 0-duration end; event 1 from frame 45 never ended.
  for (let f = 0; f < (MODE === 'inband' ? 80 : 60); f++) {
    const ts = TS0 + f * 160;
    send(0, ts, Buffer.alloc(160, 0xff), f === 0);
    if (f >= 10 && f <= 14) {
      const s = TS0 + 1600;
      const d = (f - 10 + 1) * 160;
      if (f < 14) send(101, s, ev(5, false, 10, d), f === 10);
      else for (let r = 0; r < 3; r++) send(101, s, ev(5, true, 10, 800));
    }
    if (f >= 30 && f <= 35) {
      const s = TS0 + 30 * 160;
      const d = [0, 320, 160, 640, 0, 0][f - 30];
      send(101, s, ev(9, f >= 34, 10, d), f === 30);
    }
    if (f === 45 || f === 46) send(101, TS0 + 45 * 160, ev(1, false, 10, (f - 44) * 160), f === 45);
    if (f === 50 && MODE === 'inband') {
      const r = await ng({ command: 'play DTMF', 'call-id': 'dtmf-probe', 'from-tag': 'a', code: '5', duration: 100, ...(process.argv[3] ? { volume: Number(process.argv[3]) } : {}) });
      console.log('play DTMF:', r.result, r['error-reason'] ?? '');
    }
    const next = t0 + (f + 1) * 20;
    await sleep(Math.max(0, next - Date.now()));
  }
  await sleep(600);
  let firstAudioTs = null;
  const pcm = [];
  for (const { m, t } of b.got) {
    const pt = m[1] & 0x7f, mk = m[1] >> 7, sq = m.readUInt16BE(2), ts = m.readUInt32BE(4);
    if (firstAudioTs === null && pt !== 97) firstAudioTs = ts;
    const rel = ts - (firstAudioTs ?? ts);
    if (pt === 97 || pt === 101) {
      const p = m.subarray(12);
      console.log(`t+${t - t0} seq ${sq} PT ${pt} M${mk} ts ${ts} (audio+${rel}) event ${p[0]} E${p[1] >> 7} vol ${p[1] & 63} dur ${p.readUInt16BE(2)}`);
    } else if (MODE === 'inband') {
      const p = m.subarray(12);
      let e = 0;
      for (const c of p) { const x = ALAW_DECODE[c]; e += x * x; pcm.push(x); }
      const r = Math.sqrt(e / p.length);
      console.log(`t+${t - t0} seq ${sq} PT ${pt} M${mk} ts ${ts} (+${rel}) len ${p.length} rms ${r.toFixed(0)}`);
    } else console.log(`t+${t - t0} seq ${sq} PT ${pt} M${mk} ts ${ts} (+${rel}) len ${m.length - 12}`);
  }
  if (MODE === 'inband') {
    // Sample-exact extent of non-silent runs.
    let start = -1;
    for (let i = 0; i <= pcm.length; i++) {
      const loud = i < pcm.length && Math.abs(pcm[i]) > 40;
      if (loud && start < 0) start = i;
      if (!loud && start >= 0) {
        // allow zero crossings: look ahead 8 samples
        if (i < pcm.length && pcm.slice(i, i + 8).some((x) => Math.abs(x) > 40)) continue;
        let pk = 0; for (let j = start; j < i; j++) pk = Math.max(pk, Math.abs(pcm[j]));
        console.log(`tone samples ${start}..${i} (${i - start} samples) peak ${pk}`);
        start = -1;
      }
    }
  }
} finally {
  daemon.kill("SIGTERM");
  setTimeout(() => process.exit(0), 200);
}
