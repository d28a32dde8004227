/**
 * The transcode stage of the media worker (pipeline.ts 5a) through the real WorkerPool: worker threads,
 * UDP on loopback, both I/O backends, with DirectionConfigs written by the test (the signalling side is
 * tested in codec-flags / golden replay). Checks what leaves the sink: payload type, sequence numbers,
 * SSRC, the audio itself, SRTP protection of transcoded output, and counted drops for what cannot be
 * transcoded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBatchNative } from '../../daemon/media/io.js';
import type { SlotConfig, SrtpParams } from '../../daemon/media/messages.js';
import { F_DROPPED, F_FORWARDED } from '../../daemon/media/stream-table.js';
import { SrtpContext } from '../../protocol/srtp/srtp-context.js';
import { ALAW_DECODE, encodeUlaw } from '../../transcode/g711.js';
import type { CodecSpec, DirectionConfig } from '../../transcode/types.js';
import { RtpPeer } from '../helpers/rtp-peer.js';
import { slotConfig, startPool, type Harness } from '../helpers/worker-harness.js';

const backends = loadBatchNative().native !== null ? (['batch', 'dgram'] as const) : (['dgram'] as const);

function spec(name: string, clock = 8000, ptime = 20): CodecSpec {
  return { name, clock, channels: 1, bitrate: 0, fmtp: '', ptime };
}

/** PCMU (PT 0) from the sender becomes PCMA (PT 8) toward the recipient. */
function ulawToAlaw(ptime = 20): DirectionConfig {
  return {
    decoders: [{ pt: 0, codec: spec('PCMU') }], encoder: { pt: 8, codec: spec('PCMA', 8000, ptime) }, passthrough: [],
    dtmfIn: [], dtmfOut: null, detectInband: false, cnIn: [], cnOut: -1,
  };
}

/** 20 ms of a 400 Hz tone at about -12 dBFS as a PCMU RTP packet, phase-continuous across packets. */
function tonePacket(pt: number, seq: number, ssrc: number, marker = false): Buffer {
  const pcm = new Int16Array(160);
  for (let i = 0; i < 160; i++) pcm[i] = Math.round(8000 * Math.sin((2 * Math.PI * 400 * (seq * 160 + i)) / 8000));
  const b = Buffer.alloc(12 + 160);
  b[0] = 0x80; b[1] = (marker ? 0x80 : 0) | pt;
  b.writeUInt16BE(seq & 0xffff, 2); b.writeUInt32BE((seq * 160) >>> 0, 4); b.writeUInt32BE(ssrc, 8);
  encodeUlaw(pcm, 0, 160, b, 12);
  return b;
}

/** Power of the 400 Hz tone fitted to the A-law payload over the residual, in dB. */
function alawToneSnr(payload: Buffer, firstSample: number): number {
  let ss = 0, cc = 0, sc = 0, ys = 0, yc = 0, yy = 0;
  const n = payload.length;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = ALAW_DECODE[payload[i]!]!;
    const w = (2 * Math.PI * 400 * (firstSample + i)) / 8000;
    const s = Math.sin(w), c = Math.cos(w);
    ss += s * s; cc += c * c; sc += s * c; ys += y[i]! * s; yc += y[i]! * c; yy += y[i]! * y[i]!;
  }
  const det = ss * cc - sc * sc;
  const a = (ys * cc - yc * sc) / det, b = (yc * ss - ys * sc) / det;
  let res = 0;
  for (let i = 0; i < n; i++) {
    const w = (2 * Math.PI * 400 * (firstSample + i)) / 8000;
    const e = y[i]! - a * Math.sin(w) - b * Math.cos(w);
    res += e * e;
  }
  return 10 * Math.log10((yy - res) / Math.max(res, 1e-9));
}

async function settle(ms = 150): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

describe.each(backends)('transcode stage, %s media I/O', (io) => {
  let h: Harness;
  beforeAll(async () => { h = await startPool(io); });
  afterAll(async () => { await h.close(); });

  /**
   * Two phones and the two slots between them, configured (A's RTP transcoded with `aCfg`, B's slot
   * with `bMore`); runs `body`, then closes the phones.
   */
  async function withPair(
    aCfg: DirectionConfig, bMore: Partial<SlotConfig>,
    body: (a: RtpPeer, b: RtpPeer, sa: { slot: number; port: number }, sb: { slot: number; port: number }) => Promise<void>,
  ): Promise<void> {
    const a = await RtpPeer.open();
    const b = await RtpPeer.open();
    try {
      const sa = await h.open();
      const sb = await h.open();
      await h.configure([slotConfig(sa.slot, sb.slot, a.port, { transcode: aCfg }), slotConfig(sb.slot, sa.slot, b.port, bMore)]);
      await body(a, b, sa, sb);
    } finally {
      a.close(); b.close();
    }
  }

  it('turns PCMU into PCMA frame for frame: PT 8, same sequence numbers and timestamps, an SSRC of its own, the tone intact', async () => {
    await withPair(ulawToAlaw(), {}, async (a, b, sa) => {
      for (let seq = 100; seq < 150; seq++) a.send(tonePacket(0, seq, 0xabcdef01, seq === 100), sa.port);
      await b.waitFor(50);
      const got = b.received.map((r) => r.data);
      expect(got.map((p) => p[1]! & 0x7f)).toEqual(new Array(50).fill(8));
      expect(got.map((p) => p.readUInt16BE(2))).toEqual(Array.from({ length: 50 }, (_, i) => 100 + i));
      expect(got.map((p) => p.readUInt32BE(4))).toEqual(Array.from({ length: 50 }, (_, i) => (100 + i) * 160));
      // One SSRC of our own for the transcoded stream, as rtpengine 10.5 does (measured).
      const ssrcs = new Set(got.map((p) => p.readUInt32BE(8)));
      expect(ssrcs.size).toBe(1);
      expect(ssrcs.has(0xabcdef01)).toBe(false);
      expect(got[0]![1]! & 0x80).toBe(0x80);
      for (const p of got) {
        expect(p.length).toBe(172);
        expect(alawToneSnr(p.subarray(12), p.readUInt32BE(4))).toBeGreaterThan(30);
      }
      expect(h.table().get(sa.slot, F_FORWARDED)).toBe(50);
    });
  });

  it('repacketizes 20 ms PCMU into 40 ms PCMA (ptime), with sequence numbers of its own and no held audio lost', async () => {
    await withPair(ulawToAlaw(40), {}, async (a, b, sa) => {
      for (let seq = 0; seq < 20; seq++) a.send(tonePacket(0, seq, 0x1111), sa.port);
      await b.waitFor(10);
      await settle();
      const got = b.received.map((r) => r.data);
      expect(got.length).toBe(10);
      for (const p of got) expect(p.length).toBe(12 + 320);
      const seqs = got.map((p) => p.readUInt16BE(2));
      for (let i = 1; i < seqs.length; i++) expect((seqs[i]! - seqs[i - 1]! + 65536) % 65536).toBe(1);
      const ts = got.map((p) => p.readUInt32BE(4));
      for (let i = 1; i < ts.length; i++) expect((ts[i]! - ts[i - 1]! + 2 ** 32) % 2 ** 32).toBe(320);
      for (const p of got) expect(alawToneSnr(p.subarray(12), p.readUInt32BE(4))).toBeGreaterThan(30);
    });
  });

  it('drops (counted) payload types it has no decoder for and malformed RTP, and goes on transcoding', async () => {
    await withPair(ulawToAlaw(), {}, async (a, b, sa) => {
      a.send(tonePacket(18, 1, 0x2222), sa.port); // G729: not among the decoders
      const shortCsrc = tonePacket(0, 2, 0x2222).subarray(0, 20);
      shortCsrc[0] = 0x8f; // 15 CSRCs announced, 8 bytes there
      a.send(shortCsrc, sa.port);
      a.send(tonePacket(0, 3, 0x2222), sa.port);
      await b.waitFor(1);
      await settle();
      expect(b.received.length).toBe(1);
      expect(b.received[0]!.data[1]! & 0x7f).toBe(8);
      expect(h.table().get(sa.slot, F_DROPPED)).toBe(2);
      expect(h.table().get(sa.slot, F_FORWARDED)).toBe(1);
    });
  });

  it('protects transcoded output with the sink slot SRTP keys (RTP/AVP PCMU in, SRTP PCMA out)', async () => {
    const key: SrtpParams = {
      suite: 'AES_CM_128_HMAC_SHA1_80', key: new Uint8Array(16).fill(7), salt: new Uint8Array(14).fill(9), mki: null, kdr: 0,
      unencryptedSrtp: false, unencryptedSrtcp: false, unauthenticatedSrtp: false,
    };
    await withPair(ulawToAlaw(), { srtp: { rx: null, tx: key } }, async (a, b, sa) => {
      for (let seq = 0; seq < 5; seq++) a.send(tonePacket(0, seq, 0x3333), sa.port);
      await b.waitFor(5);
      const rx = new SrtpContext('AES_CM_128_HMAC_SHA1_80', Buffer.from(key.key), Buffer.from(key.salt));
      for (const r of b.received) {
        const p = Buffer.from(r.data);
        const n = rx.unprotectRtp(p, 0, p.length);
        expect(n).toBe(172);
        expect(p[1]! & 0x7f).toBe(8);
        expect(alawToneSnr(p.subarray(12, n), p.readUInt32BE(4))).toBeGreaterThan(30);
      }
    });
  });

  it('a slot whose transcoding is removed relays unchanged again', async () => {
    await withPair(ulawToAlaw(), {}, async (a, b, sa, sb) => {
      a.send(tonePacket(0, 1, 0x4444), sa.port);
      await b.waitFor(1);
      await h.configure([slotConfig(sa.slot, sb.slot, a.port, { transcode: null }), slotConfig(sb.slot, sa.slot, b.port)]);
      const sent = tonePacket(0, 2, 0x4444);
      a.send(sent, sa.port);
      await b.waitFor(2);
      expect(b.received[0]!.data[1]! & 0x7f).toBe(8);
      expect(Buffer.compare(b.received[1]!.data, sent)).toBe(0);
    });
  });
});
