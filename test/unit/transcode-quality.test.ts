// Round trips A → B → A through two DirectionTranscoders for every ordered codec pair, measured
// against the input (test/helpers/audio-quality.ts has the signals, the measures and the thresholds).
import { beforeAll, expect, test } from 'vitest';
import { initResamplerWasm } from '../../transcode/resampler.js';
import { initCodecWasm } from '../../transcode/wasm-init.js';
import {
  CODECS, QUALITY_PAIRS, depacketize, makeSignal, measureSnr, measureSpectralSnr, packetize, roundTrip, type SignalKind,
} from '../helpers/audio-quality.js';

beforeAll(async () => {
  await Promise.all([initCodecWasm(), initResamplerWasm()]);
});

const SIGNALS: SignalKind[] = ['tone1k', 'tone400', 'speech'];

test.each(QUALITY_PAIRS.map((q) => [`${q.a} → ${q.b} → ${q.a}`, q] as const))('%s', (_name, q) => {
  const got: string[] = [];
  for (const kind of SIGNALS) {
    const r = roundTrip(q.a, q.b, kind);
    const db = q.metric === 'snr' ? r.snrDb : r.spectralDb;
    got.push(`${kind} ${db.toFixed(1)} dB (min ${q.min[kind]})`);
    expect(db, got.join(', ')).toBeGreaterThanOrEqual(q.min[kind]);
  }
}, 60_000);

test('the measures can fail: PCMA read as PCMU, and noise at a known level', () => {
  const input = makeSignal('speech', 8000, 1);
  const wrong = depacketize(CODECS.PCMU, packetize(CODECS.PCMA, input));
  expect(measureSnr(input, wrong, 480, 800).snrDb).toBeLessThan(10);
  expect(measureSpectralSnr(input, wrong, 480, 800)).toBeLessThan(10);
  let x = 1;
  const noisy = input.map((v) => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return v + ((x >>> 16) % 2001) - 1000; });
  // uniform noise of ±1000: 577 rms against the signal's rms → about 15 dB
  const m = measureSnr(input, noisy, 480, 800);
  expect(m.lag).toBe(0);
  expect(m.snrDb).toBeGreaterThan(12);
  expect(m.snrDb).toBeLessThan(18);
});
