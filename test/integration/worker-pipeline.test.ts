/**
 * The media worker's pipeline driven through the real WorkerPool (test/helpers/worker-harness.ts):
 * real worker threads, real UDP on loopback, both I/O backends, with SlotConfigs the signalling side
 * cannot produce yet. Here: the dispatch of packets that are neither RTP nor RTCP (RFC 7983).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBatchNative } from '../../daemon/media/io.js';
import type { SrtpParams } from '../../daemon/media/messages.js';
import { F_DROPPED, F_ERRORS, F_FORWARDED, W_DTLS_RECORDS, W_NON_MEDIA_DROPS } from '../../daemon/media/stream-table.js';
import { SrtpContext } from '../../protocol/srtp/srtp-context.js';
import { RtpPeer, rtpPacket } from '../helpers/rtp-peer.js';
import { slotConfig, startPool, type Harness } from '../helpers/worker-harness.js';

const backends = loadBatchNative().native !== null ? (['batch', 'dgram'] as const) : (['dgram'] as const);

/** A DTLS 1.2 record header (RFC 6347 §4.1): handshake (22), version 254.253, epoch, seq, length. */
function dtlsRecord(body = 20): Buffer {
  const b = Buffer.alloc(13 + body, 0x5a);
  b[0] = 22; b[1] = 254; b[2] = 253;
  b.writeUInt16BE(body, 11);
  return b;
}

/** A STUN binding request (RFC 5389 §6): type 0x0001, length 0, magic cookie, transaction id. */
function stunRequest(): Buffer {
  const b = Buffer.alloc(20, 0x11);
  b.writeUInt16BE(0x0001, 0); b.writeUInt16BE(0, 2); b.writeUInt32BE(0x2112a442, 4);
  return b;
}

async function settle(ms = 150): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

describe.each(backends)('non-media dispatch, %s media I/O', (io) => {
  let h: Harness;
  beforeAll(async () => { h = await startPool(io, { RTPENGINE_TS_TEST_HOOKS: '1', RTPENGINE_TS_TEST_DTLS_ECHO: '1' }); });
  afterAll(async () => { await h.close(); });

  it('relays STUN on plain slots as before, drops DTLS there (counted), still relays RTP', async () => {
    const a = await RtpPeer.open();
    const b = await RtpPeer.open();
    try {
      const sa = await h.open();
      const sb = await h.open();
      await h.configure([slotConfig(sa.slot, sb.slot, a.port), slotConfig(sb.slot, sa.slot, b.port)]);
      const drops0 = h.table().workerCounter(W_NON_MEDIA_DROPS);
      a.send(stunRequest(), sa.port);
      a.send(dtlsRecord(), sa.port);
      a.send(rtpPacket(0, 1, 160, 0x1234), sa.port);
      await b.waitFor(2);
      await settle();
      expect(b.received.map((r) => r.data[0])).toEqual([0x00, 0x80]);
      expect(h.table().get(sa.slot, F_FORWARDED)).toBe(2);
      expect(h.table().get(sa.slot, F_DROPPED)).toBe(1);
      expect(h.table().workerCounter(W_NON_MEDIA_DROPS) - drops0).toBe(1);
    } finally {
      a.close(); b.close();
    }
  });

  it('hands DTLS on a DTLS slot to the DTLS sink (test hook: echo to the source), never to the other leg', async () => {
    const a = await RtpPeer.open();
    const b = await RtpPeer.open();
    try {
      const sa = await h.open();
      const sb = await h.open();
      await h.configure([slotConfig(sa.slot, sb.slot, a.port, { dtls: true }), slotConfig(sb.slot, sa.slot, b.port)]);
      const records0 = h.table().workerCounter(W_DTLS_RECORDS);
      const rec = dtlsRecord(40);
      a.send(rec, sa.port);
      await a.waitFor(1);
      await settle();
      expect(a.received.length).toBe(1);
      expect(a.received[0]!.data.equals(rec)).toBe(true);
      expect(a.received[0]!.from.port).toBe(sa.port); // out of the slot's own socket
      expect(b.received.length).toBe(0);
      expect(h.table().workerCounter(W_DTLS_RECORDS) - records0).toBe(1);
      expect(h.table().get(sa.slot, F_FORWARDED)).toBe(0);
    } finally {
      a.close(); b.close();
    }
  });

  it('a DTLS-SRTP slot with keys: DTLS still reaches the sink, SRTP is relayed decrypted, STUN is dropped', async () => {
    const a = await RtpPeer.open();
    const b = await RtpPeer.open();
    try {
      const sa = await h.open();
      const sb = await h.open();
      const keys = (): SrtpParams => ({
        suite: 'AES_CM_128_HMAC_SHA1_80', key: randomBytes(16), salt: randomBytes(14), mki: null, kdr: 0,
        unencryptedSrtp: false, unencryptedSrtcp: false, unauthenticatedSrtp: false,
      });
      const fromB = keys();
      await h.configure([
        slotConfig(sa.slot, sb.slot, a.port),
        slotConfig(sb.slot, sa.slot, b.port, { dtls: true, srtp: { rx: fromB, tx: keys() } }),
      ]);
      const bTx = new SrtpContext(fromB.suite, fromB.key, fromB.salt);
      const plain = rtpPacket(0, 7, 1120, 0xb0b);
      const srtp = Buffer.alloc(plain.length + 10);
      plain.copy(srtp);
      const n = bTx.protectRtp(srtp, 0, plain.length);
      const rec = dtlsRecord(30);
      b.send(rec, sb.port);
      b.send(srtp.subarray(0, n), sb.port);
      b.send(stunRequest(), sb.port);
      await Promise.all([a.waitFor(1), b.waitFor(1)]);
      await settle();
      expect(b.received.map((r) => r.data.equals(rec))).toEqual([true]); // the echo sink's answer
      expect(a.received.map((r) => r.data.equals(plain))).toEqual([true]);
      expect(h.table().get(sb.slot, F_ERRORS)).toBe(1); // the STUN request
    } finally {
      a.close(); b.close();
    }
  });
});
