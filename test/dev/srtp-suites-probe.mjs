// Interop probe against the real rtpengine 10.5 (not part of npm test; needs /usr/bin/rtpengine):
// for each SRTP suite, a call whose A side is plain RTP/AVP and whose B side is RTP/SAVP with SDES.
//   A → rtpengine → B: rtpengine protects with the key it offered; we unprotect with our context.
//   B → rtpengine → A: we protect with the key we answered; rtpengine must unprotect and forward.
// Optional a=crypto extras on B's answer test MKI (`|2^31|1:4`) and session parameters (KDR=1,
// UNENCRYPTED_SRTCP, ...) the same way. Prints one line per direction and case.
//   npm run build && node test/dev/srtp-suites-probe.mjs [SUITE ...]
import { randomBytes, randomInt } from 'node:crypto';
import { tmpdir } from 'node:os';
import { ngClient, sleep, socket, startRtpengine } from './rtpengine-probe-lib.mjs';
import { loadNativeSrtpPrimitives } from '../../dist/daemon/media/srtp-native.js';
import { jsPrimitives } from '../../dist/protocol/srtp/primitives.js';
import { SrtpContext } from '../../dist/protocol/srtp/srtp-context.js';
import { findSrtpSuite } from '../../dist/protocol/srtp/suites.js';

const NG = randomInt(20000, 29000);
const MIN = randomInt(41000, 49000);
const daemon = startRtpengine(NG, MIN, MIN + 199, {
  // In /tmp: rtpengine 10.5 crashes on NULL_HMAC_SHA1_* media, and its core file must not land in the tree.
  cwd: tmpdir(),
  stdio: ['ignore', 'ignore', process.env.PROBE_LOG ? 'inherit' : 'ignore'],
});
const ng = ngClient(NG);
let calls = 0;
const prims = process.env.RTPENGINE_TS_SRTP === 'js' ? jsPrimitives : (loadNativeSrtpPrimitives().primitives ?? jsPrimitives);

const sdp = (u, p, rtcp, proto, extra = '') =>
  `v=0\r\no=${u} 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${p} ${proto} 0\r\na=rtcp:${rtcp}\r\n${extra}`;

function rtpPacket(seq) {
  const p = Buffer.alloc(172);
  p[0] = 0x80;
  p.writeUInt16BE(seq, 2);
  p.writeUInt32BE(seq * 160, 4);
  p.writeUInt32BE(0x1234, 8);
  for (let i = 12; i < 172; i++) p[i] = (i + seq) & 0xff;
  return p;
}

/** One call: `extra` = text after our inline key (e.g. '|2^31|1:4'), `params` = session params, `ours` = context options. */
async function probe(suite, label, extra, params, ours, offerFlags = [], theirs = {}) {
  const s = findSrtpSuite(suite);
  const [a, aRtcp, b, bRtcp] = await Promise.all([socket(), socket(), socket(), socket()]);
  const callId = `probe-${suite}-${label}-${++calls}`;
  try {
    const offer = await ng({ command: 'offer', 'call-id': callId, 'from-tag': 'a', sdp: sdp('a', a.port, aRtcp.port, 'RTP/AVP'), 'transport-protocol': 'RTP/SAVP', flags: offerFlags });
    if (offer.result !== 'ok') throw new Error(`offer: ${offer.result} ${offer['error-reason'] ?? ''}`);
    const m = new RegExp(`a=crypto:(\\d+) ${suite} inline:(\\S+)`).exec(offer.sdp);
    if (!m) throw new Error(`rtpengine did not offer ${suite}`);
    const theirKey = Buffer.from(m[2].split('|')[0], 'base64');
    const myKey = randomBytes(s.masterKeyLen + s.masterSaltLen);
    const inline = myKey.toString('base64').replace(/=+$/, '') + extra;
    const answer = await ng({
      command: 'answer', 'call-id': callId, 'from-tag': 'a', 'to-tag': 'b',
      sdp: sdp('b', b.port, bRtcp.port, 'RTP/SAVP', `a=crypto:${m[1]} ${suite} inline:${inline}${params ? ' ' + params : ''}\r\n`),
    });
    if (answer.result !== 'ok') throw new Error(`answer: ${answer.result} ${answer['error-reason'] ?? ''}`);
    const toA = Number(/m=audio (\d+)/.exec(answer.sdp)[1]);
    const toARtcp = Number(/a=rtcp:(\d+)/.exec(answer.sdp)[1]);
    const toB = Number(/m=audio (\d+)/.exec(offer.sdp)[1]);
    const toBRtcp = Number(/a=rtcp:(\d+)/.exec(offer.sdp)[1]);
    const N = 8;
    // A → B (B's socket must have sent first for rtpengine to learn it? It sends to the SDP address).
    // PROBE_DIR=ab / ba / none: only one direction, or no media (to see what a crash comes from).
    const dir = process.env.PROBE_DIR ?? 'both';
    if (dir === 'both' || dir === 'ab') {
      for (let i = 0; i < N; i++) a.s.send(rtpPacket(100 + i), toA, '127.0.0.1');
      const rr = Buffer.from([0x80, 201, 0, 1, 0, 0, 0x12, 0x34]);
      aRtcp.s.send(rr, toARtcp, '127.0.0.1');
    }
    // B → A, protected with our key.
    const tx = new SrtpContext(suite, myKey.subarray(0, s.masterKeyLen), myKey.subarray(s.masterKeyLen), { ...ours, primitives: prims });
    for (let i = 0; i < N && (dir === 'both' || dir === 'ba'); i++) {
      const buf = Buffer.alloc(400);
      rtpPacket(2000 + i).copy(buf);
      const n = tx.protectRtp(buf, 0, 172);
      b.s.send(buf.subarray(0, n), toB, '127.0.0.1');
    }
    const rbuf = Buffer.alloc(200);
    Buffer.from([0x80, 201, 0, 1, 0, 0, 0x56, 0x78]).copy(rbuf);
    const rn = tx.protectRtcp(rbuf, 0, 8);
    if (dir === 'both' || dir === 'ba') bRtcp.s.send(rbuf.subarray(0, rn), toBRtcp, '127.0.0.1');
    await sleep(400);
    const rx = new SrtpContext(suite, theirKey.subarray(0, s.masterKeyLen), theirKey.subarray(s.masterKeyLen), { ...theirs, primitives: prims });
    let okAB = 0;
    for (const pkt of b.got) {
      const buf = Buffer.alloc(pkt.length + 64);
      pkt.copy(buf);
      const n = rx.unprotectRtp(buf, 0, pkt.length);
      if (n === 172 && buf.subarray(0, 172).equals(rtpPacket(buf.readUInt16BE(2)))) okAB++;
    }
    let rtcpAB = 'none';
    for (const pkt of bRtcp.got) {
      const buf = Buffer.alloc(pkt.length + 64);
      pkt.copy(buf);
      const n = rx.unprotectRtcp(buf, 0, pkt.length);
      const ew = pkt.readUInt32BE(s.cipher === 'aes-gcm' ? pkt.length - 4 : pkt.length - 4 - s.srtcpTagLen);
      rtcpAB = `${n === 8 ? 'ok' : `fail ${n}`} (E=${ew >>> 31})`;
    }
    if (process.env.PROBE_DUMP) {
      console.log('offer crypto:', m[0]);
      for (const pkt of b.got.slice(0, 2)) console.log('B got', pkt.length, pkt.toString('hex'));
      for (const pkt of bRtcp.got.slice(0, 2)) console.log('B RTCP got', pkt.length, pkt.toString('hex'));
      for (const pkt of a.got.slice(0, 2)) console.log('A got', pkt.length, pkt.toString('hex'));
      for (const pkt of aRtcp.got.slice(0, 2)) console.log('A RTCP got', pkt.length, pkt.toString('hex'));
    }
    let okBA = 0;
    for (const pkt of a.got) if (pkt.length === 172 && pkt.equals(rtpPacket(pkt.readUInt16BE(2)))) okBA++;
    const rtcpBA = aRtcp.got.some((p) => p.length === 8 && p.readUInt32BE(4) === 0x5678) ? 'ok' : 'none';
    console.log(`${suite.padEnd(24)} ${label.padEnd(22)} rtpengine→us RTP ${okAB}/${N} RTCP ${rtcpAB}; us→rtpengine RTP ${okBA}/${N} RTCP ${rtcpBA}`);
    await ng({ command: 'delete', 'call-id': callId, 'from-tag': 'a' });
  } catch (e) {
    console.log(`${suite.padEnd(24)} ${label.padEnd(22)} ERROR ${e.message}`);
  } finally {
    for (const x of [a, aRtcp, b, bRtcp]) x.s.close();
  }
}

async function main() {
  if (process.env.PROBE_ONLY) {
    for (let i = 0; ; i++) {
      try { await ng({ command: 'ping' }); break; } catch (e) { if (i > 20) throw e; await sleep(100); }
    }
    const [suite, label, extra, params, ours, flags, theirs] = JSON.parse(process.env.PROBE_ONLY);
    for (const o of [ours, theirs]) if (o?.mki) o.mki = Buffer.from(o.mki, 'hex');
    await probe(suite, label, extra, params, ours, flags, theirs);
    return;
  }
  for (let i = 0; ; i++) {
    try { await ng({ command: 'ping' }); break; } catch (e) { if (i > 20) throw e; await sleep(100); }
  }
  console.log(`primitives: ${prims.name}`);
  const args = process.argv.slice(2);
  const noExtras = args.includes('--no-extras');
  const suites = args.filter((x) => !x.startsWith('--'));
  const all = suites.length > 0 ? suites : ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32', 'AES_192_CM_HMAC_SHA1_80',
    'AES_192_CM_HMAC_SHA1_32', 'AES_256_CM_HMAC_SHA1_80', 'AES_256_CM_HMAC_SHA1_32', 'AEAD_AES_128_GCM', 'AEAD_AES_256_GCM',
    'F8_128_HMAC_SHA1_80', 'F8_128_HMAC_SHA1_32', 'NULL_HMAC_SHA1_80', 'NULL_HMAC_SHA1_32'];
  for (const suite of all) await probe(suite, 'plain', '', '', {});
  if (noExtras) return;
  const base = 'AES_CM_128_HMAC_SHA1_80';
  await probe(base, 'MKI 1:4', '|2^31|1:4', '', { mki: Buffer.from([0, 0, 0, 1]) });
  await probe('AEAD_AES_128_GCM', 'MKI 1:4', '|2^31|1:4', '', { mki: Buffer.from([0, 0, 0, 1]) });
  await probe(base, 'KDR=1 (sent kdr=0)', '', 'KDR=1', {});
  await probe(base, 'UNENCRYPTED_SRTCP', '', 'UNENCRYPTED_SRTCP', { unencryptedSrtcp: true });
  await probe(base, 'UNENCRYPTED_SRTP', '', 'UNENCRYPTED_SRTP', { unencryptedSrtp: true });
  await probe(base, 'UNAUTHENTICATED_SRTP', '', 'UNAUTHENTICATED_SRTP', { unauthenticatedSrtp: true });
  // AEAD: our contexts ignore these two (the GCM tag covers the payload); does rtpengine agree?
  await probe('AEAD_AES_128_GCM', 'UNENCRYPTED_SRTP', '', 'UNENCRYPTED_SRTP', { unencryptedSrtp: true });
  await probe('AEAD_AES_128_GCM', 'UNAUTHENTICATED_SRTP', '', 'UNAUTHENTICATED_SRTP', { unauthenticatedSrtp: true });
  await probe('AEAD_AES_128_GCM', 'UNENCRYPTED_SRTCP', '', 'UNENCRYPTED_SRTCP', { unencryptedSrtcp: true });
  await probe('F8_128_HMAC_SHA1_80', 'MKI 1:4', '|2^31|1:4', '', { mki: Buffer.from([0, 0, 0, 1]) });
}

try {
  await main();
} finally {
  if (daemon.exitCode !== null || daemon.signalCode !== null) console.log(`rtpengine exited: ${daemon.exitCode ?? daemon.signalCode}`);
  daemon.kill();
}
