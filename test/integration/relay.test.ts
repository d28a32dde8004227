/**
 * The data plane through the real daemon: RTP and RTCP both ways between two UDP "phones", endpoint
 * latching for a NATed phone, and the counters query reports for it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../helpers/daemon-process.js';
import { dict, str, type Reply } from '../helpers/ng-client.js';
import { RtpPeer, rtcpRr, rtpPacket } from '../helpers/rtp-peer.js';
import { twoPartyCall } from '../helpers/calls.js';
import { cAddr, mPort, phoneSdp } from '../helpers/sdp-fixtures.js';
import { loadBatchNative } from '../../daemon/media/io.js';

let d: DaemonHandle;

async function setUp(callId: string, a: RtpPeer, b: RtpPeer): Promise<{ toA: number; toB: number }> {
  const { toA, toB, offer } = await twoPartyCall(d, callId, a.port, b.port, {
    offer: { flags: ['trust-address'], replace: ['origin', 'session-connection'] }, bPts: [8],
  });
  expect(cAddr(str(offer.get('sdp')))).toBe('127.0.0.1');
  expect(toA).not.toBe(toB);
  for (const p of [toA, toB]) {
    expect(p % 2).toBe(0);
    expect(p).toBeGreaterThanOrEqual(d.portMin);
    expect(p).toBeLessThanOrEqual(d.portMax);
  }
  return { toA, toB };
}

function streamsOf(q: Reply, tag: string): Map<string, unknown>[] {
  const media = (dict(dict(q.get('tags')).get(tag)).get('medias') as Map<string, unknown>[])[0]!;
  return media.get('streams') as Map<string, unknown>[];
}

// Both media I/O backends: with batch I/O the main thread binds the sockets and the worker adopts
// them; with node:dgram the worker binds (daemon/media/worker-pool.ts). Without the optional addon
// (its build failed) only node:dgram exists.
const backends = loadBatchNative().native !== null ? (['batch', 'dgram'] as const) : (['dgram'] as const);
describe.each(backends)('RTP/RTCP relay, %s media I/O', (io) => {
  beforeAll(async () => { d = await startDaemon([], { io }); });
  afterAll(async () => { await d.close(); });

  it(`runs the ${io} backend`, () => {
    expect(d.log()).toContain(`media worker 0: ${io} I/O`);
  });

  it('forwards RTP and RTCP both ways, from the ports in the SDP, and counts them', async () => {
    const [a, aRtcp] = await RtpPeer.pair();
    const [b, bRtcp] = await RtpPeer.pair();
    try {
      const { toA, toB } = await setUp('relay-1', a, b);
      for (let i = 0; i < 50; i++) {
        a.send(rtpPacket(0, i, i * 160, 0x1111), toA);
        b.send(rtpPacket(8, i, i * 160, 0x2222), toB);
      }
      aRtcp.send(rtcpRr(0x1111), toA + 1);
      bRtcp.send(rtcpRr(0x2222), toB + 1);
      await Promise.all([a.waitFor(50), b.waitFor(50), aRtcp.waitFor(1), bRtcp.waitFor(1)]);
      expect(b.received.length).toBe(50);
      expect(a.received.length).toBe(50);
      // B hears A from the port in the offer SDP B got; A hears B from the port in A's answer SDP.
      expect(new Set(b.received.map((r) => r.from.port))).toEqual(new Set([toB]));
      expect(new Set(a.received.map((r) => r.from.port))).toEqual(new Set([toA]));
      expect(b.received[7]!.data.readUInt32BE(8)).toBe(0x1111);
      expect(aRtcp.received[0]!.from.port).toBe(toA + 1);
      expect(bRtcp.received[0]!.data.readUInt32BE(4)).toBe(0x1111);

      const q = await d.ng.request({ command: 'query', 'call-id': 'relay-1' });
      const aStreams = streamsOf(q, 'a');
      expect(aStreams[0]!.get('local port')).toBe(toA);
      expect(dict(aStreams[0]!.get('stats') as Reply).get('packets')).toBe(50);
      expect(dict(aStreams[0]!.get('stats') as Reply).get('bytes')).toBe(50 * 172);
      expect(aStreams[0]!.get('SSRC')).toBe(0x1111);
      expect(dict(aStreams[1]!.get('stats') as Reply).get('packets')).toBe(1);
      const totals = dict(q.get('totals'));
      expect(dict(totals.get('RTP')).get('packets')).toBe(100);
      expect(dict(totals.get('RTCP')).get('packets')).toBe(2);
    } finally {
      for (const p of [a, aRtcp, b, bRtcp]) p.close();
    }
  });

  it('latches onto the real source of a NATed phone (endpoint learning)', async () => {
    const [a, aRtcp] = await RtpPeer.pair();
    const [b, bRtcp] = await RtpPeer.pair();
    const bNat = await RtpPeer.open(); // where B's packets really come from
    try {
      const { toA, toB } = await setUp('relay-nat', a, b);
      bNat.send(rtpPacket(8, 1, 160, 0x3333), toB);
      await a.waitFor(1);
      expect(a.received.length).toBe(1);
      a.send(rtpPacket(0, 1, 160, 0x4444), toA);
      await bNat.waitFor(1);
      expect(bNat.received.length).toBe(1);
      expect(b.received.length).toBe(0);
      const q = await d.ng.request({ command: 'query', 'call-id': 'relay-nat', 'from-tag': 'b' });
      const ep = dict(streamsOf(q, 'b')[0]!.get('endpoint') as Reply);
      expect(ep.get('port')).toBe(bNat.port);
      const adv = dict(streamsOf(q, 'b')[0]!.get('advertised endpoint') as Reply);
      expect(adv.get('port')).toBe(b.port);
    } finally {
      for (const p of [a, aRtcp, b, bRtcp, bNat]) p.close();
    }
  });

  it('drops packets towards a side whose SDP has not arrived yet and counts the drop', async () => {
    const [a, aRtcp] = await RtpPeer.pair();
    try {
      const offer = await d.ng.request({ command: 'offer', 'call-id': 'relay-early', 'from-tag': 'a', sdp: phoneSdp('a', a.port) });
      const toB = mPort(str(offer.get('sdp')));
      // Before the answer, media arriving on the callee-facing port is counted, not forwarded anywhere wrong.
      const stranger = await RtpPeer.open();
      stranger.send(rtpPacket(0, 1, 1, 0x5555), toB);
      await new Promise((r) => setTimeout(r, 100));
      stranger.close();
      expect(a.received.length).toBe(1); // A's endpoint is known from its SDP: early media reaches A
      const q = await d.ng.request({ command: 'query', 'call-id': 'relay-early' });
      expect(str(q.get('result'))).toBe('ok');
    } finally {
      a.close();
      aRtcp.close();
    }
  });

  it('re-INVITE keeps the ports and media keeps flowing', async () => {
    const [a, aRtcp] = await RtpPeer.pair();
    const [b, bRtcp] = await RtpPeer.pair();
    try {
      const { toA, toB } = await setUp('relay-reinvite', a, b);
      const reoffer = await d.ng.request({ command: 'offer', 'call-id': 'relay-reinvite', 'from-tag': 'a', 'to-tag': 'b', sdp: phoneSdp('a', a.port, { version: 2 }) });
      expect(mPort(str(reoffer.get('sdp')))).toBe(toB);
      const reanswer = await d.ng.request({ command: 'answer', 'call-id': 'relay-reinvite', 'from-tag': 'a', 'to-tag': 'b', sdp: phoneSdp('b', b.port, { pts: [8], version: 2 }) });
      expect(mPort(str(reanswer.get('sdp')))).toBe(toA);
      a.send(rtpPacket(0, 1, 1, 1), toA);
      await b.waitFor(1);
      expect(b.received.length).toBe(1);
    } finally {
      for (const p of [a, aRtcp, b, bRtcp]) p.close();
    }
  });

  it('delete with delete-delay 0 closes the sockets at once', async () => {
    const [a, aRtcp] = await RtpPeer.pair();
    const [b, bRtcp] = await RtpPeer.pair();
    try {
      const { toA } = await setUp('relay-del', a, b);
      const del = await d.ng.request({ command: 'delete', 'call-id': 'relay-del', 'from-tag': 'a', 'delete-delay': 0 });
      expect(str(del.get('result'))).toBe('ok');
      expect(dict(del.get('totals'))).toBeDefined();
      a.send(rtpPacket(0, 1, 1, 1), toA);
      await new Promise((r) => setTimeout(r, 150));
      expect(b.received.length).toBe(0);
      const q = await d.ng.request({ command: 'query', 'call-id': 'relay-del' });
      expect(str(q.get('error-reason'))).toBe('Unknown call-id');
    } finally {
      for (const p of [a, aRtcp, b, bRtcp]) p.close();
    }
  });
});
