/**
 * SRTP in the media worker's pipeline, through the real WorkerPool (test/helpers/worker-harness.ts):
 * real worker threads and UDP on loopback, both I/O backends, SlotConfigs carrying SlotSrtp as the
 * SDES and DTLS layers will produce them. The phones' SRTP is protocol/srtp's SrtpContext, which the
 * oracle test checks byte for byte against libsrtp2.
 *
 * Layout of a call: phone A (plain) ↔ slot a … slot b ↔ phone B (SRTP). On slot b, `rx` holds B's
 * keys (unprotects what B sends) and `tx` ours to B (protects what we send B).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBatchNative } from '../../daemon/media/io.js';
import type { SlotConfig, SrtpParams } from '../../daemon/media/messages.js';
import {
  F_BYTES, F_ERRORS, F_FORWARDED, F_PACKETS, W_NON_MEDIA_DROPS, W_SRTP_AUTH_FAILURES, W_SRTP_MALFORMED, W_SRTP_PROTECTED,
  W_SRTP_REPLAY_DROPS, W_SRTP_UNPROTECTED,
} from '../../daemon/media/stream-table.js';
import { SrtpContext } from '../../protocol/srtp/srtp-context.js';
import { findSrtpSuite } from '../../protocol/srtp/suites.js';
import { RtpPeer, rtcpRr, rtpPacket } from '../helpers/rtp-peer.js';
import { slotConfig, startPool, type Harness } from '../helpers/worker-harness.js';

const backends = loadBatchNative().native !== null ? (['batch', 'dgram'] as const) : (['dgram'] as const);

function keys(suite: string): SrtpParams {
  const s = findSrtpSuite(suite)!;
  return {
    suite, key: randomBytes(s.masterKeyLen), salt: randomBytes(s.masterSaltLen), mki: null, kdr: 0,
    unencryptedSrtp: false, unencryptedSrtcp: false, unauthenticatedSrtp: false,
  };
}

function ctxOf(p: SrtpParams): SrtpContext {
  return new SrtpContext(p.suite, p.key, p.salt);
}

/** RTP with a recognisable payload (seq in its first two bytes), protected when a context is given. */
function rtp(seq: number, ssrc: number, ctx: SrtpContext | null = null, payloadLen = 160): Buffer {
  const p = rtpPacket(0, seq, seq * 160, ssrc, payloadLen);
  p.writeUInt16BE(seq & 0xffff, 12);
  if (ctx === null) return p;
  const b = Buffer.alloc(p.length + 32);
  p.copy(b);
  return b.subarray(0, ctx.protectRtp(b, 0, p.length));
}

function srtcp(ssrc: number, ctx: SrtpContext): Buffer {
  const p = rtcpRr(ssrc);
  const b = Buffer.alloc(p.length + 32);
  p.copy(b);
  return b.subarray(0, ctx.protectRtcp(b, 0, p.length));
}

async function settle(ms = 150): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Packet `i` a peer got, unprotected with `ctx` (RTP; once per packet: a second time is a replay). */
function unprotected(peer: RtpPeer, i: number, ctx: SrtpContext): Buffer {
  const b = Buffer.from(peer.received[i]!.data);
  const n = ctx.unprotectRtp(b, 0, b.length);
  if (n < 0) throw new Error(`a packet that does not authenticate (${n}), ${b.length} bytes`);
  return b.subarray(0, n);
}

function unprotectAll(peer: RtpPeer, ctx: SrtpContext): Buffer[] {
  return peer.received.map((_, i) => unprotected(peer, i, ctx));
}

interface Call {
  a: RtpPeer; b: RtpPeer;
  sa: { slot: number; port: number }; sb: { slot: number; port: number };
  close(): void;
}

async function call(h: Harness): Promise<Call> {
  const a = await RtpPeer.open();
  const b = await RtpPeer.open();
  const sa = await h.open();
  const sb = await h.open();
  return { a, b, sa, sb, close: () => { a.close(); b.close(); } };
}

describe.each(backends)('SRTP in the worker pipeline, %s media I/O', (io) => {
  let h: Harness;
  beforeAll(async () => { h = await startPool(io); });
  afterAll(async () => { await h.close(); });
  const w = (f: number): number => h.table().workerCounter(f);

  describe.each(['AES_CM_128_HMAC_SHA1_80', 'AEAD_AES_128_GCM'])('%s', (suite) => {
    it('bridges plain RTP/RTCP ↔ SRTP/SRTCP both ways, counting decrypted bytes', async () => {
      const c = await call(h);
      try {
        const fromB = keys(suite);
        const toB = keys(suite);
        await h.configure([
          slotConfig(c.sa.slot, c.sb.slot, c.a.port),
          slotConfig(c.sb.slot, c.sa.slot, c.b.port, { srtp: { rx: fromB, tx: toB } }),
        ]);
        const bTx = ctxOf(fromB);
        const bRx = ctxOf(toB);
        const prot0 = w(W_SRTP_PROTECTED);
        const unprot0 = w(W_SRTP_UNPROTECTED);
        for (let i = 1; i <= 20; i++) {
          c.a.send(rtp(i, 0xa), c.sa.port);
          c.b.send(rtp(i, 0xb, bTx), c.sb.port);
        }
        c.b.send(srtcp(0xb, bTx), c.sb.port);
        c.a.send(rtcpRr(0xa), c.sa.port);
        await Promise.all([c.a.waitFor(21), c.b.waitFor(21)]);
        await settle();
        // A gets B's RTP decrypted, byte for byte what B protected, and its RTCP as plain RTCP.
        expect(c.a.received.length).toBe(21);
        const aRtp = c.a.received.filter((r) => r.data[1] !== 201);
        expect(aRtp.map((r) => r.data.equals(rtp(r.data.readUInt16BE(2), 0xb)))).toEqual(new Array(20).fill(true));
        expect(c.a.received.find((r) => r.data[1] === 201)!.data.equals(rtcpRr(0xb))).toBe(true);
        // B gets SRTP and SRTCP it can unprotect with the keys we gave it.
        expect(c.b.received.length).toBe(21);
        const bRtcp = c.b.received.find((r) => r.data[1] === 201)!;
        const rr = Buffer.from(bRtcp.data);
        expect(bRx.unprotectRtcp(rr, 0, rr.length)).toBe(8);
        expect(rr.subarray(0, 8).equals(rtcpRr(0xa))).toBe(true);
        c.b.received.splice(c.b.received.indexOf(bRtcp), 1);
        const plain = unprotectAll(c.b, bRx);
        expect(plain.map((p) => p.equals(rtp(p.readUInt16BE(2), 0xa)))).toEqual(new Array(20).fill(true));
        // Stream counters: packets as received, bytes of the decrypted packets (rtpengine 10.5 does so).
        const t = h.table();
        expect(t.get(c.sb.slot, F_PACKETS)).toBe(21);
        expect(t.get(c.sb.slot, F_BYTES)).toBe(20 * 172 + 8);
        expect(t.get(c.sb.slot, F_ERRORS)).toBe(0);
        expect(t.get(c.sa.slot, F_BYTES)).toBe(20 * 172 + 8);
        expect(w(W_SRTP_PROTECTED) - prot0).toBe(21);
        expect(w(W_SRTP_UNPROTECTED) - unprot0).toBe(21);
      } finally {
        c.close();
      }
    });
  });

  it('SRTP ↔ SRTP: keeps contexts across re-sent configs (replay state survives), re-keys when keys change', async () => {
    const c = await call(h);
    try {
      const fromA = keys('AES_CM_128_HMAC_SHA1_80');
      const toA = keys('AEAD_AES_128_GCM'); // each side's suite is its own
      const fromB = keys('AES_CM_128_HMAC_SHA1_32');
      const toB = keys('AES_CM_128_HMAC_SHA1_80');
      const configs = (bRx: SrtpParams): SlotConfig[] => [
        slotConfig(c.sa.slot, c.sb.slot, c.a.port, { srtp: { rx: fromA, tx: toA } }),
        slotConfig(c.sb.slot, c.sa.slot, c.b.port, { srtp: { rx: bRx, tx: toB } }),
      ];
      await h.configure(configs(fromB));
      const aTx = ctxOf(fromA);
      const aRx = ctxOf(toA);
      const bTx = ctxOf(fromB);
      const bRx = ctxOf(toB);
      const first = rtp(1, 0xb, bTx);
      c.b.send(first, c.sb.port);
      c.a.send(rtp(1, 0xa, aTx), c.sa.port);
      await Promise.all([c.a.waitFor(1), c.b.waitFor(1)]);
      expect(unprotected(c.a, 0, aRx).equals(rtp(1, 0xb))).toBe(true);
      expect(unprotected(c.b, 0, bRx).equals(rtp(1, 0xa))).toBe(true);

      // A re-INVITE that keeps the keys (configs re-sent, equal params, fresh objects): same contexts,
      // so B's first packet replayed now is still a replay.
      const replays0 = w(W_SRTP_REPLAY_DROPS);
      await h.configure(configs({ ...fromB, key: Buffer.from(fromB.key) }));
      c.b.send(first, c.sb.port);
      await settle();
      expect(c.a.received.length).toBe(1);
      expect(w(W_SRTP_REPLAY_DROPS) - replays0).toBe(1);

      // B re-keys: packets with its old key fail authentication, the new key works.
      const fromB2 = keys('AES_CM_128_HMAC_SHA1_80');
      await h.configure(configs(fromB2));
      const auth0 = w(W_SRTP_AUTH_FAILURES);
      c.b.send(rtp(2, 0xb, bTx), c.sb.port);
      await settle();
      expect(c.a.received.length).toBe(1);
      expect(w(W_SRTP_AUTH_FAILURES) - auth0).toBe(1);
      c.b.send(rtp(3, 0xb, ctxOf(fromB2)), c.sb.port);
      await c.a.waitFor(2);
      expect(unprotected(c.a, 1, aRx).equals(rtp(3, 0xb))).toBe(true);

      // Back to plain on B's side (a clear): B's plain RTP passes, and A's reaches B in clear.
      await h.configure([configs(fromB2)[0]!, slotConfig(c.sb.slot, c.sa.slot, c.b.port)]);
      c.b.send(rtp(4, 0xb), c.sb.port);
      c.a.send(rtp(2, 0xa, aTx), c.sa.port);
      await Promise.all([c.a.waitFor(3), c.b.waitFor(2)]);
      expect(unprotected(c.a, 2, aRx).equals(rtp(4, 0xb))).toBe(true);
      expect(c.b.received[1]!.data.equals(rtp(2, 0xa))).toBe(true);
    } finally {
      c.close();
    }
  });

  it('rtcp-mux with SRTP: SRTCP on the RTP port reaches the plain side\'s RTCP socket, plain RTCP leaves as SRTCP', async () => {
    const a = await RtpPeer.open();
    const aRtcp = await RtpPeer.open();
    const b = await RtpPeer.open();
    try {
      const sa = await h.open();
      const saRtcp = await h.open();
      const sb = await h.open(); // B runs rtcp-mux: RTP and RTCP on this one slot
      const fromB = keys('AES_CM_128_HMAC_SHA1_80');
      const toB = keys('AES_CM_128_HMAC_SHA1_80');
      await h.configure([
        slotConfig(sa.slot, sb.slot, a.port),
        slotConfig(saRtcp.slot, sb.slot, aRtcp.port, { component: 2 }),
        slotConfig(sb.slot, sa.slot, b.port, { rtcpSink: saRtcp.slot, srtp: { rx: fromB, tx: toB } }),
      ]);
      const bTx = ctxOf(fromB);
      const bRx = ctxOf(toB);
      b.send(srtcp(0xb, bTx), sb.port);
      b.send(rtp(1, 0xb, bTx), sb.port);
      aRtcp.send(rtcpRr(0xa), saRtcp.port);
      await Promise.all([aRtcp.waitFor(1), a.waitFor(1), b.waitFor(1)]);
      await settle();
      expect(aRtcp.received.map((r) => r.data.equals(rtcpRr(0xb)))).toEqual([true]);
      expect(aRtcp.received[0]!.from.port).toBe(saRtcp.port);
      expect(a.received.map((r) => r.data.equals(rtp(1, 0xb)))).toEqual([true]);
      expect(b.received.length).toBe(1);
      const got = Buffer.from(b.received[0]!.data);
      expect(got.length).toBe(8 + 4 + 10);
      expect(bRx.unprotectRtcp(got, 0, got.length)).toBe(8);
      expect(got.subarray(0, 8).equals(rtcpRr(0xa))).toBe(true);
    } finally {
      a.close(); aRtcp.close(); b.close();
    }
  });

  it('generate-RTCP toward an SRTP participant sends SRTCP it can unprotect (SR + SDES)', async () => {
    const a = await RtpPeer.open();
    const b = await RtpPeer.open();
    const bRtcp = await RtpPeer.open();
    try {
      const sa = await h.open();
      const sb = await h.open();
      const sbRtcp = await h.open();
      const fromB = keys('AEAD_AES_128_GCM');
      const toB = keys('AEAD_AES_128_GCM');
      const srtp = { rx: fromB, tx: toB };
      await h.configure([
        slotConfig(sa.slot, sb.slot, a.port),
        slotConfig(sb.slot, sa.slot, b.port, { srtp, generateRtcp: true, rtcpSlot: sbRtcp.slot }),
        slotConfig(sbRtcp.slot, -1, bRtcp.port, { srtp, generateRtcp: true, component: 2 }),
      ]);
      const bTx = ctxOf(fromB);
      const bRx = ctxOf(toB);
      // Media both ways so the worker has sent RTP to B (an SR needs it) and received some from B.
      for (let i = 1; i <= 5; i++) {
        a.send(rtp(i, 0xa), sa.port);
        b.send(rtp(i, 0xb, bTx), sb.port);
      }
      // B's own RTCP is consumed (generate-RTCP), after being decrypted.
      bRtcp.send(srtcp(0xb, bTx), sbRtcp.port);
      await Promise.all([a.waitFor(5), b.waitFor(5)]);
      // First report: 5 s + up to 1 s after generate-RTCP was switched on (rtcp-generator.ts).
      await bRtcp.waitFor(1, 8000);
      expect(bRtcp.received.length).toBeGreaterThanOrEqual(1);
      const got = Buffer.from(bRtcp.received[0]!.data);
      expect(got.readUInt32BE(4)).toBe(0xa); // sender SSRC in clear: the RTP we send B is A's
      const n = bRx.unprotectRtcp(got, 0, got.length);
      expect(n).toBeGreaterThan(28);
      expect(got[1]).toBe(200); // SR
      const srLen = (got.readUInt16BE(2) + 1) * 4;
      expect(got[srLen + 1]).toBe(202); // SDES
      expect(h.table().get(sbRtcp.slot, F_PACKETS)).toBe(1);
      expect(h.table().get(sbRtcp.slot, F_FORWARDED)).toBe(0);
      expect(h.table().get(sbRtcp.slot, F_ERRORS)).toBe(0);
    } finally {
      a.close(); b.close(); bRtcp.close();
    }
  }, 15000);

  it('drops replayed, tampered, wrong-key, truncated, garbage and non-media packets on an SRTP slot, counted, never relayed', async () => {
    const c = await call(h);
    try {
      const fromB = keys('AES_CM_128_HMAC_SHA1_80');
      const toB = keys('AES_CM_128_HMAC_SHA1_80');
      await h.configure([
        slotConfig(c.sa.slot, c.sb.slot, c.a.port),
        slotConfig(c.sb.slot, c.sa.slot, c.b.port, { srtp: { rx: fromB, tx: toB } }),
      ]);
      const bTx = ctxOf(fromB);
      const w0 = [W_SRTP_AUTH_FAILURES, W_SRTP_REPLAY_DROPS, W_SRTP_MALFORMED, W_NON_MEDIA_DROPS].map(w);
      const good = rtp(1, 0xb, bTx);
      c.b.send(good, c.sb.port);
      await c.a.waitFor(1);
      const bad: Buffer[] = [];
      bad.push(good); // replayed
      const rtcp1 = srtcp(0xb, bTx);
      bad.push(rtcp1, rtcp1); // SRTCP: the first passes, then its replay
      const tampered = Buffer.from(rtp(2, 0xb, bTx));
      tampered[40]! ^= 0x01;
      bad.push(tampered);
      const tag = Buffer.from(rtp(3, 0xb, bTx));
      tag[tag.length - 1]! ^= 0x80;
      bad.push(tag);
      bad.push(rtp(4, 0xb, ctxOf(keys('AES_CM_128_HMAC_SHA1_80')))); // wrong key
      const wrong = ctxOf(keys('AES_CM_128_HMAC_SHA1_80'));
      wrong.setTxRtcpIndex(0xb, 5); // an index not seen yet, so it is the tag that fails
      bad.push(srtcp(0xb, wrong));
      bad.push(rtp(5, 0xb)); // plain RTP where SRTP is due: fails authentication
      bad.push(rtp(6, 0xb, bTx).subarray(0, 21)); // truncated: header + 9 bytes, no room for the tag
      bad.push(rtp(7, 0xb, bTx).subarray(0, 14));
      bad.push(Buffer.from([0x80, 0x00, 0x00, 0x08, 0, 0, 0, 0]));
      bad.push(Buffer.from('garbage that is nothing at all'));
      bad.push(Buffer.alloc(40, 0x16)); // DTLS first byte on a slot without DTLS
      const stun = Buffer.alloc(20, 0x11);
      stun.writeUInt16BE(1, 0); stun.writeUInt16BE(0, 2); stun.writeUInt32BE(0x2112a442, 4);
      bad.push(stun);
      for (const p of bad) c.b.send(p, c.sb.port);
      await settle(300);
      // Only the first SRTCP (a valid packet) reached A besides the first RTP.
      expect(c.a.received.length).toBe(2);
      expect(c.a.received[1]!.data.equals(rtcpRr(0xb))).toBe(true);
      const t = h.table();
      expect(t.get(c.sb.slot, F_PACKETS)).toBe(2);
      expect(t.get(c.sb.slot, F_ERRORS)).toBe(bad.length - 1);
      const d = [W_SRTP_AUTH_FAILURES, W_SRTP_REPLAY_DROPS, W_SRTP_MALFORMED, W_NON_MEDIA_DROPS].map((f, i) => w(f) - w0[i]!);
      expect(d).toEqual([5, 2, 2, 4]);
      // Plain non-media from A never reaches the SRTP side either.
      c.a.send(stun, c.sa.port);
      c.a.send(Buffer.alloc(30, 0x55), c.sa.port);
      await settle();
      expect(c.b.received.length).toBe(0);
    } finally {
      c.close();
    }
  });

  it('drops every packet both ways when keys are unusable (no plain fallback), and says so', async () => {
    const c = await call(h);
    try {
      const broken: SrtpParams = { ...keys('AES_CM_128_HMAC_SHA1_80'), key: new Uint8Array(5) };
      await h.configure([
        slotConfig(c.sa.slot, c.sb.slot, c.a.port),
        slotConfig(c.sb.slot, c.sa.slot, c.b.port, { srtp: { rx: broken, tx: broken } }),
      ]);
      c.a.send(rtp(1, 0xa), c.sa.port);
      c.b.send(rtp(1, 0xb), c.sb.port);
      await settle(300);
      expect(c.a.received.length).toBe(0);
      expect(c.b.received.length).toBe(0);
      expect(h.table().get(c.sb.slot, F_ERRORS)).toBe(1);
      expect(h.logs.join('\n')).toMatch(/unusable SRTP keys on slot \d+/);
    } finally {
      c.close();
    }
  });

  it('fuzz: random and mutated SRTP/SRTCP into an SRTP slot — worker lives, nothing leaks, counts add up', async () => {
    const c = await call(h);
    try {
      const fromB = keys('AES_CM_128_HMAC_SHA1_80');
      const toB = keys('AES_CM_128_HMAC_SHA1_80');
      await h.configure([
        slotConfig(c.sa.slot, c.sb.slot, c.a.port),
        slotConfig(c.sb.slot, c.sa.slot, c.b.port, { srtp: { rx: fromB, tx: toB } }),
      ]);
      const bTx = ctxOf(fromB);
      // A deterministic generator, so a failure can be replayed.
      let seed = 0x5eed1234;
      const rnd = (n: number): number => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return (seed >>> 8) % n;
      };
      let valid = 0;
      let sent = 0;
      const total = 3000;
      for (let i = 0; i < total; i++) {
        let p: Buffer;
        const kind = rnd(6);
        if (kind === 0) {
          p = randomBytes(rnd(300));
        } else if (kind === 1) {
          // Random bytes that look like RTP/RTCP (first byte 0x80, any second byte).
          p = randomBytes(1 + rnd(300));
          p[0] = 0x80 | rnd(64);
        } else {
          // A valid packet, then mutated: a flipped bit, truncated, extended, or header fields changed.
          const base = kind === 5 ? srtcp(0xb, bTx) : rtp(1000 + i, 0xb, bTx, 2 + rnd(200));
          p = Buffer.from(base);
          const m = rnd(4);
          if (m === 0) p[rnd(p.length)]! ^= 1 << rnd(8);
          else if (m === 1) p = p.subarray(0, rnd(p.length));
          else if (m === 2) p = Buffer.concat([p, randomBytes(1 + rnd(20))]);
          else { p[0] = rnd(256); p[1] = rnd(256); }
        }
        c.b.send(p, c.sb.port);
        sent++;
        if (i % 100 === 99) {
          // Valid packets between the bursts: they must keep flowing.
          c.b.send(rtp(20000 + i, 0xb, bTx), c.sb.port);
          sent++;
          valid++;
          await settle(15);
        }
      }
      await settle(300);
      const t = h.table();
      // Every datagram is either a received packet or an error; only the valid ones reached A, decrypted.
      expect(t.get(c.sb.slot, F_PACKETS) + t.get(c.sb.slot, F_ERRORS)).toBe(sent);
      expect(c.a.received.length).toBe(t.get(c.sb.slot, F_FORWARDED));
      expect(c.a.received.length).toBeGreaterThanOrEqual(valid);
      for (const r of c.a.received) {
        const seq = r.data.readUInt16BE(2);
        expect(r.data.readUInt32BE(8)).toBe(0xb);
        if (r.data[1] !== 201) expect(r.data.subarray(12).equals(rtp(seq, 0xb, null, r.data.length - 12).subarray(12))).toBe(true);
      }
      // The worker is alive: a fresh packet still goes through.
      c.b.send(rtp(30000, 0xb, bTx), c.sb.port);
      await c.a.waitFor(c.a.received.length + 1);
      expect(c.a.received.at(-1)!.data.equals(rtp(30000, 0xb))).toBe(true);
      expect(h.logs.filter((l) => /died|pipeline error/.test(l))).toEqual([]);
    } finally {
      c.close();
    }
  }, 30000);
});
