/**
 * `npx tsc -p . && node dist/bench/dtmf-bench.js`: CPU cost of the DTMF stages of a transcoded
 * direction (transcode/dtmf*.ts), per second of audio: in-band detection (DtmfDetector through
 * DtmfProcessor.processPcm with detectInband) on speech-like noise at 8, 16 and 48 kHz, and tone
 * generation (an event held for the whole second). 20 ms frames; median of 5 runs of 10 s of audio.
 */
import { DtmfProcessor, type EventWriter } from '../transcode/dtmf.js';
import { writeTelephoneEvent } from '../transcode/telephone-event.js';
import type { DirectionConfig } from '../transcode/types.js';

const sink: EventWriter = { sendEvent: () => {} };

function cfg(clock: number, detect: boolean): DirectionConfig {
  return {
    decoders: [], passthrough: [], cnIn: [], cnOut: -1,
    encoder: { pt: 96, codec: { name: 'X', clock, channels: 1, bitrate: 0, fmtp: '', ptime: 20 } },
    dtmfIn: [{ pt: 101, clock: 8000 }],
    dtmfOut: detect ? { pt: 101, clock } : null,
    detectInband: detect,
  };
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
}

function run(rate: number, detect: boolean): number {
  const p = new DtmfProcessor(cfg(rate, detect), rate, sink);
  const frame = rate / 50;
  const src = new Int16Array(rate);
  let s = 1;
  for (let i = 0; i < src.length; i++) { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; src[i] = (s % 4000) + Math.round(3000 * Math.sin(i / 7)); }
  const pcm = new Int16Array(frame);
  const ev = new Uint8Array(4);
  const times: number[] = [];
  for (let rep = 0; rep < 5; rep++) {
    const t0 = process.hrtime.bigint();
    for (let sec = 0; sec < 10; sec++) {
      for (let f = 0; f < 50; f++) {
        const now = (rep * 10 + sec) * 1000 + f * 20;
        if (!detect && f % 2 === 0) {
          writeTelephoneEvent(ev, 0, 5, false, 10, Math.min(0xffff, (f + 1) * 160));
          p.onEventPacket(ev, 0, 4, 101, (rep * 10 + sec) * 8000, f === 0, now);
        }
        pcm.set(src.subarray(f * frame, (f + 1) * frame));
        p.processPcm(pcm, 0, frame, (f * frame) >>> 0, now);
      }
    }
    times.push(Number(process.hrtime.bigint() - t0) / 1e6 / 10);
  }
  p.close();
  return median(times);
}

for (const rate of [8000, 16000, 48000]) {
  console.log(`${rate} Hz  detection ${run(rate, true).toFixed(2)} ms/s of audio   tone generation ${run(rate, false).toFixed(2)} ms/s of audio`);
}
