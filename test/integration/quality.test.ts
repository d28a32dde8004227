/**
 * Call quality through the real daemon (issue 5): RTCP SR/RR exchanged across the relay give RTT,
 * jitter, loss and MOS in the SSRC block of query/delete (spec §5.2/5.3); RTP without RTCP gets an
 * estimated quality from the packets that reached us.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../helpers/daemon-process.js';
import { dict, type Reply } from '../helpers/ng-client.js';
import { RtpPeer, rtpPacket } from '../helpers/rtp-peer.js';
import { twoPartyCall } from '../helpers/calls.js';

const SSRC_A = 0x11223344;
const SSRC_B = 0x55667788;

/** NTP timestamp (RFC 3550 §4) of a wall-clock ms value, as [seconds, fraction]. */
function ntp(ms: number): [number, number] {
  const sec = Math.floor(ms / 1000) + 2208988800;
  const frac = Math.floor(((ms % 1000) / 1000) * 2 ** 32);
  return [sec >>> 0, frac >>> 0];
}

/** RTCP SR without report blocks (RFC 3550 §6.4.1), 28 bytes. */
function sr(ssrc: number, ms: number): Buffer {
  const b = Buffer.alloc(28);
  b[0] = 0x80; b[1] = 200; b.writeUInt16BE(6, 2); b.writeUInt32BE(ssrc, 4);
  const [s, f] = ntp(ms);
  b.writeUInt32BE(s, 8); b.writeUInt32BE(f, 12);
  return b;
}

/** RTCP RR with one report block (RFC 3550 §6.4.2), 32 bytes. */
function rr(reporter: number, source: number, fraction: number, cumLost: number, jitter: number, lsrOfMs: number, dlsrMs: number): Buffer {
  const b = Buffer.alloc(32);
  b[0] = 0x81; b[1] = 201; b.writeUInt16BE(7, 2); b.writeUInt32BE(reporter, 4);
  b.writeUInt32BE(source, 8);
  b[12] = fraction; b.writeUIntBE(cumLost, 13, 3);
  b.writeUInt32BE(100, 16); b.writeUInt32BE(jitter, 20);
  const [s, f] = ntp(lsrOfMs);
  b.writeUInt32BE((((s & 0xffff) << 16) | (f >>> 16)) >>> 0, 24); // LSR: middle 32 bits of the SR's NTP time
  b.writeUInt32BE(Math.round((dlsrMs / 1000) * 65536), 28);
  return b;
}

let d: DaemonHandle;
beforeAll(async () => { d = await startDaemon(); });
afterAll(async () => { await d.close(); });

describe('RTCP-based quality (MOS)', () => {
  it('computes RTT, jitter, loss and MOS per SSRC as rtpengine does, in query and delete', async () => {
    const [a, aRtcp] = await RtpPeer.pair();
    const [b, bRtcp] = await RtpPeer.pair();
    try {
      const { toA, toB } = await twoPartyCall(d, 'q-1', a.port, b.port, { offer: { label: 'caller' }, answer: { label: 'callee' } });
      for (let i = 0; i < 50; i++) {
        a.send(rtpPacket(0, i, i * 160, SSRC_A), toA);
        b.send(rtpPacket(0, i, i * 160, SSRC_B), toB);
      }
      await Promise.all([a.waitFor(50), b.waitFor(50)]);
      // Two rounds, > 1 s apart (rtpengine discards a block within 1 s of the previous one for an SSRC).
      // Each round: both send an SR, 60 ms later each reports on the other's SR with DLSR = 20 ms, so
      // each leg RTT is about 40 ms and the end-to-end RTT about 80 ms.
      // B reports A with fraction lost 25/256 (9 %) and jitter 160 units (20 ms at 8 kHz).
      for (let round = 0; round < 2; round++) {
        if (round) await new Promise((r) => setTimeout(r, 1100));
        const t = Date.now();
        aRtcp.send(sr(SSRC_A, t), toA + 1);
        bRtcp.send(sr(SSRC_B, t), toB + 1);
        await new Promise((r) => setTimeout(r, 60));
        bRtcp.send(rr(SSRC_B, SSRC_A, 25, 3, 160, t, 20), toB + 1);
        aRtcp.send(rr(SSRC_A, SSRC_B, 0, 0, 40, t, 20), toA + 1);
      }
      await Promise.all([aRtcp.waitFor(4), bRtcp.waitFor(4)]);
      await new Promise((r) => setTimeout(r, 50));

      const q = await d.ng.request({ command: 'query', 'call-id': 'q-1' });
      const ssrc = dict(q.get('SSRC'));
      // The block describes what the reporter receives: B's report about A sits under B's SSRC.
      const bEntry = dict(ssrc.get(String(SSRC_B)));
      const avgB = dict(bEntry.get('average MOS'));
      expect(avgB.get('packet loss')).toBe(9); // 25 * 100 / 256 = 9.77 → 9
      expect(avgB.get('jitter')).toBe(20); // 160 * 1000 / 8000
      const rtt = avgB.get('round-trip time') as number;
      expect(rtt).toBeGreaterThan(60_000);
      expect(rtt).toBeLessThan(200_000);
      const mos = avgB.get('MOS') as number;
      // eff = 80 + 2*20 + 10 = 130 → R = 93.2 - 3.25 - 2.5*9 = 67.45 → MOS ≈ 3.47 (±RTT noise)
      expect(mos).toBeGreaterThanOrEqual(33);
      expect(mos).toBeLessThanOrEqual(35);
      expect(bEntry.get('cumulative loss')).toBe(3);
      const aEntry = dict(ssrc.get(String(SSRC_A)));
      expect(dict(aEntry.get('average MOS')).get('packet loss')).toBe(0);
      expect(dict(aEntry.get('highest MOS')).get('MOS') as number).toBeGreaterThanOrEqual(42);

      const del = await d.ng.request({ command: 'delete', 'call-id': 'q-1', 'from-tag': 'a', 'delete-delay': 0 });
      const delSsrc = dict(del.get('SSRC'));
      expect([...delSsrc.keys()].sort()).toEqual([String(SSRC_A), String(SSRC_B)].sort());
      const st = await d.ng.request({ command: 'statistics' });
      const mosStats = dict(dict(st.get('statistics')).get('mos'));
      expect(mosStats.get('mos_samples_total') as number).toBeGreaterThanOrEqual(2);
    } finally {
      for (const p of [a, aRtcp, b, bRtcp]) p.close();
    }
  });

  it('estimates quality from RTP alone when no RTCP is sent, marked as estimated', async () => {
    const [a, aRtcp] = await RtpPeer.pair();
    const [b, bRtcp] = await RtpPeer.pair();
    try {
      const { toB } = await twoPartyCall(d, 'q-2', a.port, b.port);
      // 100 packets expected (seq 0..99), 10 never sent: 10 % loss.
      let sent = 0;
      for (let i = 0; i < 100; i++) {
        if (i % 10 === 5) continue;
        b.send(rtpPacket(0, i, i * 160, SSRC_B), toB);
        sent++;
      }
      await a.waitFor(sent);
      const q: Reply = await d.ng.request({ command: 'query', 'call-id': 'q-2' });
      expect(dict(q.get('SSRC')).size).toBe(0); // no RTCP: rtpengine's own block stays empty
      const est = dict(dict(q.get('estimated MOS')).get(String(SSRC_B)));
      expect(est.get('estimated')).toBe(1);
      // RFC 3550 A.1: seq 0 only starts probation, base_seq is seq 1, so seq 1..99 are expected.
      expect(est.get('packets expected')).toBe(99);
      expect(est.get('packets lost')).toBe(10);
      expect(est.get('packet loss')).toBe(9); // fraction 25/256 as an RR would carry it
      expect(est.get('MOS') as number).toBeGreaterThan(10);
    } finally {
      for (const p of [a, aRtcp, b, bRtcp]) p.close();
    }
  });
});

// generate-RTCP (our own SR + SDES to each leg) is tested in flag-media.test.ts, also against rtpengine 10.5.
