// G.722 (transcode/g722.ts) bit for bit against spandsp (Debian libspandsp-dev) as an independent
// implementation: test/oracle/g722-oracle.c is compiled here. Signals: a speech-like mix of tones
// with amplitude sweeps, full-scale square waves (saturation paths), silence, and white noise.
// Without gcc or spandsp the comparison is skipped locally and fails under CI=true.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { G722Decoder, G722Encoder } from '../../transcode/g722.js';

const SRC = fileURLToPath(new URL('../oracle/g722-oracle.c', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'g722-oracle-'));
const BIN = join(dir, 'g722-oracle');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function build(): string | null {
  if (!existsSync('/usr/include/spandsp/g722.h')) return 'spandsp header missing (apt-get install libspandsp-dev)';
  const c = spawnSync('gcc', ['-O1', '-o', BIN, SRC, '-lspandsp'], { encoding: 'utf8' });
  if (c.error || c.status !== 0) return `gcc failed: ${c.error?.message ?? c.stderr}`;
  return null;
}
const buildError = build();
const inCi = process.env.CI === 'true';

function oracle(mode: 'enc' | 'dec', input: Buffer): Buffer {
  const r = spawnSync(BIN, [mode], { input, maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`oracle failed: ${r.stderr}`);
  return r.stdout;
}

/** 10 s at 16 kHz of varied material (deterministic). */
function signal(): Int16Array {
  const n = 160_000;
  const pcm = new Int16Array(n);
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  for (let i = 0; i < n; i++) {
    const t = i / 16000;
    const part = Math.floor(t / 2);
    let v: number;
    if (part === 0) v = 9000 * Math.sin(2 * Math.PI * 300 * t) + 5000 * Math.sin(2 * Math.PI * 2200 * t) * Math.sin(2 * Math.PI * 3 * t);
    else if (part === 1) v = (Math.floor(t * 440) % 2 === 0 ? 32767 : -32768);
    else if (part === 2) v = i % 16000 < 8000 ? 0 : 3 * rnd();
    else if (part === 3) v = 20000 * rnd();
    else v = 30000 * Math.sin(2 * Math.PI * (200 + 3000 * (t - 8)) * t);
    pcm[i] = Math.max(-32768, Math.min(32767, Math.round(v)));
  }
  return pcm;
}

describe('G.722 64 kbit/s against spandsp', () => {
  it.skipIf(buildError !== null && !inCi)('encoder output and decoder output are identical', () => {
    if (buildError) throw new Error(buildError);
    const pcm = signal();
    const ours = new Uint8Array(pcm.length / 2);
    // Encode in 20 ms frames (320 samples) as a stream does: state carries across frames.
    const enc = new G722Encoder();
    for (let off = 0; off < pcm.length; off += 320) enc.encode(pcm, off, 320, ours, off / 2);
    const theirs = oracle('enc', Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    expect(theirs.length).toBe(ours.length);
    let firstDiff = -1;
    for (let i = 0; i < ours.length && firstDiff < 0; i++) if (ours[i] !== theirs[i]) firstDiff = i;
    expect(firstDiff).toBe(-1);

    const dec = new G722Decoder();
    const out = new Int16Array(pcm.length);
    for (let off = 0; off < ours.length; off += 160) dec.decode(ours, off, 160, out, off * 2);
    const ref = oracle('dec', Buffer.from(ours));
    const refPcm = new Int16Array(ref.buffer, ref.byteOffset, ref.length / 2);
    // spandsp 0.0.6 casts the receive QMF output to int16 (it wraps on overload, a loud click);
    // G.722 saturates, as we do: there our sample must be the rail with the sign spandsp lost.
    let firstPcmDiff = -1;
    let railed = 0;
    for (let i = 0; i < out.length && firstPcmDiff < 0; i++) {
      if (out[i] === refPcm[i]) continue;
      if ((out[i] === 32767 && refPcm[i]! < 0) || (out[i] === -32768 && refPcm[i]! > 0)) railed++;
      else firstPcmDiff = i;
    }
    expect(firstPcmDiff).toBe(-1);
    expect(railed).toBeGreaterThan(0); // the square waves do overload the decoder
  });

  it('decoding its own encoding gives the signal back (22 samples of delay, high SNR for a chirp)', () => {
    const n = 16000;
    const pcm = new Int16Array(n);
    for (let i = 0; i < n; i++) pcm[i] = Math.round(8000 * Math.sin(2 * Math.PI * (300 + 0.05 * i) * i / 16000)); // a chirp: one lag fits
    const code = new Uint8Array(n / 2);
    new G722Encoder().encode(pcm, 0, n, code, 0);
    const out = new Int16Array(n);
    new G722Decoder().decode(code, 0, n / 2, out, 0);
    // Find the codec delay (QMF analysis + synthesis: 22 samples) and measure the SNR after it.
    let best = { lag: 0, snr: -Infinity };
    for (let lag = 0; lag < 40; lag++) {
      let sig = 0, err = 0;
      for (let i = 2000; i < n - 100; i++) { sig += pcm[i]! ** 2; err += (pcm[i]! - out[i + lag]!) ** 2; }
      const snr = 10 * Math.log10(sig / err);
      if (snr > best.snr) best = { lag, snr };
    }
    expect(best.lag).toBe(22);
    expect(best.snr).toBeGreaterThan(30);
  });
});
