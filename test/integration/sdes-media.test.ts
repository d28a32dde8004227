/**
 * Plain RTP/AVP ↔ SDES RTP/SAVP through the real daemon: the call set up over ng the way a SIP proxy
 * does (offer with "transport-protocol": "RTP/SAVP", the SRTP side answers with an a=crypto line of
 * its own), then RTP and RTCP both ways between UDP "phones". The SRTP phone uses protocol/srtp's
 * SrtpContext (checked against libsrtp2 by the oracle test) with the keys from the SDP.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBatchNative } from '../../daemon/media/io.js';
import { SrtpContext } from '../../protocol/srtp/srtp-context.js';
import { findSrtpSuite } from '../../protocol/srtp/suites.js';
import { startDaemon, type DaemonHandle } from '../helpers/daemon-process.js';
import { dict, str, type Reply } from '../helpers/ng-client.js';
import { RtpPeer, rtcpRr, rtpPacket } from '../helpers/rtp-peer.js';
import { mPort, phoneSdp } from '../helpers/sdp-fixtures.js';

const backends = loadBatchNative().native !== null ? (['batch', 'dgram'] as const) : (['dgram'] as const);

function protect(ctx: SrtpContext, p: Buffer, rtcp = false): Buffer {
  const b = Buffer.alloc(p.length + 32);
  p.copy(b);
  return b.subarray(0, rtcp ? ctx.protectRtcp(b, 0, p.length) : ctx.protectRtp(b, 0, p.length));
}

function unprotect(ctx: SrtpContext, p: Buffer, rtcp = false): Buffer | number {
  const b = Buffer.from(p);
  const n = rtcp ? ctx.unprotectRtcp(b, 0, b.length) : ctx.unprotectRtp(b, 0, b.length);
  return n < 0 ? n : b.subarray(0, n);
}

/** NTP timestamp (RFC 3550 §4) of a wall-clock ms value, as [seconds, fraction]. */
function ntp(ms: number): [number, number] {
  return [(Math.floor(ms / 1000) + 2208988800) >>> 0, Math.floor(((ms % 1000) / 1000) * 2 ** 32) >>> 0];
}

/** RTCP SR without report blocks (RFC 3550 §6.4.1), 28 bytes. */
function sr(ssrc: number, ms: number): Buffer {
  const b = Buffer.alloc(28);
  b[0] = 0x80; b[1] = 200; b.writeUInt16BE(6, 2); b.writeUInt32BE(ssrc, 4);
  const [s, f] = ntp(ms);
  b.writeUInt32BE(s, 8); b.writeUInt32BE(f, 12);
  return b;
}

/** RTCP RR with one report block (RFC 3550 §6.4.2), 32 bytes; LSR from the SR sent at `lsrOfMs`. */
function rr(reporter: number, source: number, fraction: number, cumLost: number, jitter: number, lsrOfMs: number, dlsrMs: number): Buffer {
  const b = Buffer.alloc(32);
  b[0] = 0x81; b[1] = 201; b.writeUInt16BE(7, 2); b.writeUInt32BE(reporter, 4);
  b.writeUInt32BE(source, 8);
  b[12] = fraction; b.writeUIntBE(cumLost, 13, 3);
  b.writeUInt32BE(100, 16); b.writeUInt32BE(jitter, 20);
  const [s, f] = ntp(lsrOfMs);
  b.writeUInt32BE((((s & 0xffff) << 16) | (f >>> 16)) >>> 0, 24);
  b.writeUInt32BE(Math.round((dlsrMs / 1000) * 65536), 28);
  return b;
}

async function settle(ms = 200): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

describe.each(backends)('plain ↔ SDES-SRTP through the daemon, %s media I/O', (io) => {
  let d: DaemonHandle;
  beforeAll(async () => { d = await startDaemon([], { io }); });
  afterAll(async () => { await d.close(); });

  it.each(['AES_CM_128_HMAC_SHA1_80', 'AEAD_AES_128_GCM'])('%s: media both ways, tampered SRTP counted as errors', async (suite) => {
    const [a, aRtcp] = await RtpPeer.pair();
    const [b, bRtcp] = await RtpPeer.pair();
    try {
      const callId = `sdes-${suite}-${io}`;
      const offer = await d.ng.request({
        command: 'offer', 'call-id': callId, 'from-tag': 'a', sdp: phoneSdp('a', a.port, { pts: [0] }),
        'transport-protocol': 'RTP/SAVP',
      });
      expect(str(offer.get('result'))).toBe('ok');
      const toBSdp = str(offer.get('sdp'));
      expect(toBSdp).toMatch(/^m=audio \d+ RTP\/SAVP 0/m);
      const line = new RegExp(`^a=crypto:(\\d+) ${suite} inline:([A-Za-z0-9+/=]+)`, 'm').exec(toBSdp);
      expect(line, `offer to B offers ${suite}`).not.toBeNull();
      const s = findSrtpSuite(suite)!;
      const relayKey = Buffer.from(line![2]!, 'base64');
      expect(relayKey.length).toBe(s.masterKeyLen + s.masterSaltLen);
      const bKey = randomBytes(s.masterKeyLen + s.masterSaltLen);
      const bSdp = phoneSdp('b', b.port, { pts: [0] }).replace('RTP/AVP 0', 'RTP/SAVP 0') +
        `a=crypto:${line![1]} ${suite} inline:${bKey.toString('base64')}\r\n`;
      const answer = await d.ng.request({ command: 'answer', 'call-id': callId, 'from-tag': 'a', 'to-tag': 'b', sdp: bSdp });
      expect(str(answer.get('result'))).toBe('ok');
      const toASdp = str(answer.get('sdp'));
      expect(toASdp).toMatch(/^m=audio \d+ RTP\/AVP 0/m);
      expect(toASdp).not.toMatch(/a=crypto/);
      const toA = mPort(toASdp);
      const toB = mPort(toBSdp);

      // B's contexts: it protects with its own key and unprotects with the relay's.
      const bTx = new SrtpContext(suite, bKey.subarray(0, s.masterKeyLen), bKey.subarray(s.masterKeyLen));
      const bRx = new SrtpContext(suite, relayKey.subarray(0, s.masterKeyLen), relayKey.subarray(s.masterKeyLen));
      for (let i = 0; i < 10; i++) {
        a.send(rtpPacket(0, 100 + i, i * 160, 0xaaaa), toA);
        b.send(protect(bTx, rtpPacket(0, 200 + i, i * 160, 0xbbbb)), toB);
      }
      aRtcp.send(rtcpRr(0xaaaa), toA + 1);
      bRtcp.send(protect(bTx, rtcpRr(0xbbbb), true), toB + 1);
      await Promise.all([a.waitFor(10), b.waitFor(10), aRtcp.waitFor(1), bRtcp.waitFor(1)]);

      expect(a.received.map((r, i) => r.data.equals(rtpPacket(0, 200 + i, i * 160, 0xbbbb)))).toEqual(new Array(10).fill(true));
      expect(b.received.map((r, i) => {
        const p = unprotect(bRx, r.data);
        return typeof p !== 'number' && p.equals(rtpPacket(0, 100 + i, i * 160, 0xaaaa));
      })).toEqual(new Array(10).fill(true));
      expect(aRtcp.received[0]!.data.equals(rtcpRr(0xbbbb))).toBe(true);
      const rr = unprotect(bRx, bRtcp.received[0]!.data, true);
      expect(typeof rr !== 'number' && rr.equals(rtcpRr(0xaaaa))).toBe(true);

      // Tampered and replayed SRTP from B: errors of B's stream, nothing reaches A.
      const bad = Buffer.from(protect(bTx, rtpPacket(0, 300, 0, 0xbbbb)));
      bad[20]! ^= 0x40;
      b.send(bad, toB);
      b.send(protect(bTx, rtpPacket(0, 200, 0, 0xbbbb)).subarray(0, 15), toB);
      await settle();
      expect(a.received.length).toBe(10);

      const q = await d.ng.request({ command: 'query', 'call-id': callId });
      const streams = (tag: string): Map<string, unknown>[] =>
        ((dict(dict(q.get('tags')).get(tag)).get('medias') as Map<string, unknown>[])[0]!.get('streams') as Map<string, unknown>[]);
      const bRtp = dict(streams('b')[0]!.get('stats') as Reply);
      expect(bRtp.get('packets')).toBe(10);
      expect(bRtp.get('bytes')).toBe(10 * 172); // decrypted bytes, as rtpengine 10.5 counts them
      expect(bRtp.get('errors')).toBe(2);
      expect(dict(streams('a')[0]!.get('stats') as Reply).get('bytes')).toBe(10 * 172);
    } finally {
      for (const p of [a, aRtcp, b, bRtcp]) p.close();
    }
  });

  it('quality from SRTCP: reports B protects reach the MOS computation decrypted (loss, jitter, MOS in query)', async () => {
    const [a, aRtcp] = await RtpPeer.pair();
    const [b, bRtcp] = await RtpPeer.pair();
    try {
      const suite = 'AES_CM_128_HMAC_SHA1_80';
      const callId = `sdes-quality-${io}`;
      const offer = await d.ng.request({
        command: 'offer', 'call-id': callId, 'from-tag': 'a', sdp: phoneSdp('a', a.port, { pts: [0] }),
        'transport-protocol': 'RTP/SAVP',
      });
      const toBSdp = str(offer.get('sdp'));
      const line = new RegExp(`^a=crypto:(\\d+) ${suite} inline:([A-Za-z0-9+/=]+)`, 'm').exec(toBSdp)!;
      const bKey = randomBytes(30);
      const answer = await d.ng.request({
        command: 'answer', 'call-id': callId, 'from-tag': 'a', 'to-tag': 'b',
        sdp: phoneSdp('b', b.port, { pts: [0] }).replace('RTP/AVP 0', 'RTP/SAVP 0') + `a=crypto:${line[1]} ${suite} inline:${bKey.toString('base64')}\r\n`,
      });
      const toA = mPort(str(answer.get('sdp')));
      const toB = mPort(toBSdp);
      const bTx = new SrtpContext(suite, bKey.subarray(0, 16), bKey.subarray(16));
      const SSRC_A = 0x11223344;
      const SSRC_B = 0x55667788;
      for (let i = 0; i < 50; i++) {
        a.send(rtpPacket(0, i, i * 160, SSRC_A), toA);
        b.send(protect(bTx, rtpPacket(0, i, i * 160, SSRC_B)), toB);
      }
      await Promise.all([a.waitFor(50), b.waitFor(50)]);
      // As in quality.test.ts: two rounds of SR, then RR about the other's SR; B's RTCP is SRTCP.
      for (let round = 0; round < 2; round++) {
        if (round) await settle(1100);
        const t = Date.now();
        aRtcp.send(sr(SSRC_A, t), toA + 1);
        bRtcp.send(protect(bTx, sr(SSRC_B, t), true), toB + 1);
        await settle(60);
        bRtcp.send(protect(bTx, rr(SSRC_B, SSRC_A, 25, 3, 160, t, 20), true), toB + 1);
        aRtcp.send(rr(SSRC_A, SSRC_B, 0, 0, 40, t, 20), toA + 1);
      }
      await Promise.all([aRtcp.waitFor(4), bRtcp.waitFor(4)]);
      await settle(50);
      expect(aRtcp.received[0]!.data[1]).toBe(200); // decrypted: the SR as B sent it before protecting
      const q = await d.ng.request({ command: 'query', 'call-id': callId });
      const avgB = dict(dict(dict(q.get('SSRC')).get(String(SSRC_B))).get('average MOS'));
      expect(avgB.get('packet loss')).toBe(9);
      expect(avgB.get('jitter')).toBe(20);
      expect(avgB.get('MOS') as number).toBeGreaterThanOrEqual(33);
      expect(avgB.get('MOS') as number).toBeLessThanOrEqual(35);
    } finally {
      for (const p of [a, aRtcp, b, bRtcp]) p.close();
    }
  });
});
