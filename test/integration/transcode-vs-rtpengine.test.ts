/**
 * Transcoding quality against rtpengine 10.5 (/usr/bin/rtpengine, or REFERENCE_RTPENGINE): the same
 * RTP stream (a 400 Hz tone or speech-like audio, test/helpers/audio-quality.ts) goes through
 * rtpengine, transcoded by its `codec-transcode`, and through our DirectionTranscoder in-process;
 * both outputs are decoded and measured against the signal. G.711 and G.722 must be as good as
 * rtpengine's within 1.5 dB of waveform SNR (issue 14: "G.711 re-companding and G.722 as good as
 * rtpengine's output for the same input"); the Opus rows are printed (waveform SNR is no measure of
 * a perceptual codec) and only checked for sanity. Without rtpengine installed the file is skipped
 * (under CI=true it fails).
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initCodecWasm } from '../../transcode/wasm-init.js';
import {
  CODECS, depacketize, directionConfig, makeSignal, measureSnr, measureSpectralSnr, packetize, transcodeAll,
  type CodecName, type SignalKind,
} from '../helpers/audio-quality.js';
import type { DaemonHandle } from '../helpers/daemon-process.js';
import { str } from '../helpers/ng-client.js';
import { RtpPeer } from '../helpers/rtp-peer.js';
import { mPort } from '../helpers/sdp-fixtures.js';

const BIN = process.env.REFERENCE_RTPENGINE ?? '/usr/bin/rtpengine';
const HAVE = existsSync(BIN);

const RTPMAP: Record<string, string> = { PCMU: '0 PCMU/8000', PCMA: '8 PCMA/8000', G722: '9 G722/8000', opus: '96 opus/48000/2' };

function sdp(user: string, port: number, c: CodecName): string {
  const [pt, map] = RTPMAP[c]!.split(' ');
  return ['v=0', `o=${user} 1 1 IN IP4 127.0.0.1`, 's=t', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP ${pt}`,
    `a=rtpmap:${pt} ${map}`, 'a=sendrecv', ''].join('\r\n');
}

const pcmRate = (c: CodecName): number => (c === 'PCMU' || c === 'PCMA' ? 8000 : c === 'opus' ? 48000 : 16000);

const PAIRS: [CodecName, CodecName][] = [['PCMU', 'PCMA'], ['PCMA', 'PCMU'], ['PCMU', 'G722'], ['G722', 'PCMU'], ['PCMU', 'opus'], ['opus', 'PCMU']];
const SIGNALS: SignalKind[] = ['tone400', 'speech'];

describe.skipIf(!HAVE && process.env.CI !== 'true')('transcoding quality: ours against rtpengine 10.5 for the same input', () => {
  let ref: DaemonHandle;

  beforeAll(async () => {
    await initCodecWasm();
    process.env.REFERENCE_RTPENGINE = BIN;
    const { startEither } = await import('../helpers/reference-daemon.js');
    ref = await startEither([], { ports: 100 });
  }, 30_000);

  afterAll(async () => {
    await ref?.close();
  });

  it.each(PAIRS.flatMap(([a, b]) => SIGNALS.map((k) => [`${a} → ${b}`, k, a, b] as const)))('%s, %s', async (_n, kind, from, to) => {
    const a = await RtpPeer.open();
    const b = await RtpPeer.open();
    try {
      const callId = `xq-${from}-${to}-${kind}-${process.pid}`;
      const offer = await ref.ng.request({ command: 'offer', 'call-id': callId, 'from-tag': 'a', sdp: sdp('a', a.port, from), codec: { transcode: [to] } });
      expect(str(offer.get('result'))).toBe('ok');
      const answer = await ref.ng.request({ command: 'answer', 'call-id': callId, 'from-tag': 'a', 'to-tag': 'b', sdp: sdp('b', b.port, to) });
      expect(str(answer.get('result'))).toBe('ok');
      const toA = mPort(str(answer.get('sdp')));

      const seconds = 1.2;
      const packets = packetize(CODECS[from], makeSignal(kind, pcmRate(from), seconds), 0x5eed0001);
      for (const p of packets) {
        a.send(p, toA);
        await new Promise((r) => setTimeout(r, 18)); // about real time: rtpengine paces transcoded output
      }
      await b.waitFor(packets.length - 1, 2000);
      await ref.ng.request({ command: 'delete', 'call-id': callId, 'from-tag': 'a' });

      const got = b.received.map((r) => r.data).filter((x) => (x[1]! & 0x7f) === CODECS[to].pt)
        .sort((x, y) => ((x.readUInt16BE(2) - y.readUInt16BE(2)) << 16) >> 16);
      expect(got.length).toBeGreaterThanOrEqual(packets.length - 2); // rtpengine holds a frame with G.722 and opus

      const rate = pcmRate(to);
      const reference = makeSignal(kind, rate, seconds);
      const theirs = depacketize(CODECS[to], got);
      const ours = depacketize(CODECS[to], transcodeAll(directionConfig(CODECS[from], CODECS[to]), packets));
      const maxLag = Math.round(rate * 0.06);
      const skip = Math.round(rate * 0.1);
      const t = measureSnr(reference, theirs, maxLag, skip).snrDb, o = measureSnr(reference, ours, maxLag, skip).snrDb;
      const ts = measureSpectralSnr(reference, theirs, maxLag, skip), os = measureSpectralSnr(reference, ours, maxLag, skip);
      console.log(`${from}→${to} ${kind}: SNR rtpengine ${t.toFixed(1)} ours ${o.toFixed(1)} dB; spectral rtpengine ${ts.toFixed(1)} ours ${os.toFixed(1)} dB`);
      if (from === 'opus' || to === 'opus') {
        expect(os).toBeGreaterThan(10);
      } else {
        expect(o).toBeGreaterThanOrEqual(t - 1.5);
        expect(os).toBeGreaterThanOrEqual(ts - 1.5);
      }
    } finally {
      a.close();
      b.close();
    }
  }, 30_000);
});
