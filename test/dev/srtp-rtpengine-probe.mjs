// Interop probe (not part of npm test): does our SRTP context (protocol/srtp) decrypt what the real
// rtpengine 10.5 sends with SDES? Starts /usr/bin/rtpengine on loopback, sets up a call whose B side is
// RTP/SAVP with AES_CM_128_HMAC_SHA1_80, sends plain RTP and RTCP from A, and unprotects what B gets
// with the key rtpengine offered. Prints each packet's result, the SRTCP E flag and index.
//   npm run build && node test/dev/srtp-rtpengine-probe.mjs
import { ngClient, sleep, socket, startRtpengine } from './rtpengine-probe-lib.mjs';
import { SrtpContext } from '../../dist/protocol/srtp/srtp-context.js';

const NG = 27823;
const daemon = startRtpengine(NG, 27900, 27999);
const ng = ngClient(NG);

try {
  for (let i = 0; ; i++) {
    try { await ng({ command: 'ping' }); break; } catch (e) { if (i > 20) throw e; await sleep(100); }
  }
  const [a, aRtcp, b, bRtcp] = await Promise.all([socket(), socket(), socket(), socket()]);
  const sdp = (u, p, rtcp, proto, extra = '') =>
    `v=0\r\no=${u} 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${p} ${proto} 0\r\na=rtcp:${rtcp}\r\n${extra}`;
  const offer = await ng({ command: 'offer', 'call-id': 'srtp-probe', 'from-tag': 'a', sdp: sdp('a', a.port, aRtcp.port, 'RTP/AVP'), 'transport-protocol': 'RTP/SAVP' });
  if (offer.result !== 'ok') throw new Error(`offer: ${offer.result} ${offer['error-reason'] ?? ''}`);
  const [, tag, inline] = /a=crypto:(\d+) AES_CM_128_HMAC_SHA1_80 inline:(\S+)/.exec(offer.sdp);
  const key = Buffer.from(inline.split('|')[0], 'base64');
  const answer = await ng({
    command: 'answer', 'call-id': 'srtp-probe', 'from-tag': 'a', 'to-tag': 'b',
    sdp: sdp('b', b.port, bRtcp.port, 'RTP/SAVP', `a=crypto:${tag} AES_CM_128_HMAC_SHA1_80 inline:${Buffer.alloc(30, 7).toString('base64')}\r\n`),
  });
  const toA = Number(/m=audio (\d+)/.exec(answer.sdp)[1]);
  const toARtcp = Number(/a=rtcp:(\d+)/.exec(answer.sdp)[1]);
  for (let i = 0; i < 3; i++) {
    const p = Buffer.alloc(172);
    p[0] = 0x80;
    p.writeUInt16BE(i, 2);
    p.writeUInt32BE(0x1234, 8);
    a.s.send(p, toA, '127.0.0.1');
  }
  const rr = Buffer.from([0x80, 201, 0, 1, 0, 0, 0x12, 0x34]);
  for (let i = 0; i < 2; i++) { aRtcp.s.send(rr, toARtcp, '127.0.0.1'); await sleep(100); }
  await sleep(300);
  const ctx = new SrtpContext('AES_CM_128_HMAC_SHA1_80', key.subarray(0, 16), key.subarray(16, 30));
  for (const m of b.got) {
    const buf = Buffer.alloc(m.length + 64);
    m.copy(buf);
    const n = ctx.unprotectRtp(buf, 0, m.length);
    console.log(`SRTP ${m.length} B -> ${n}${n > 0 ? ` (seq ${buf.readUInt16BE(2)})` : ''}`);
  }
  for (const m of bRtcp.got) {
    const word = m.readUInt32BE(m.length - 14); // E flag + 31-bit index, before the 10-byte tag
    const buf = Buffer.alloc(m.length + 64);
    m.copy(buf);
    const n = ctx.unprotectRtcp(buf, 0, m.length);
    console.log(`SRTCP ${m.length} B, E=${word >>> 31} index=${word & 0x7fffffff} -> ${n}${n > 0 ? ` (PT ${buf[1]})` : ''}`);
  }
  for (const x of [a, aRtcp, b, bRtcp]) x.s.close();
} finally {
  daemon.kill();
}
