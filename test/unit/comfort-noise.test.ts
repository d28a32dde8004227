// transcode/comfort-noise.ts (RFC 3389): the level byte, noise generated at that level, the level
// measured back for a recipient that takes CN.
import { describe, expect, it } from 'vitest';
import { ComfortNoise, measureLevelDbov, parseCnLevel, writeCnPayload } from '../../transcode/comfort-noise.js';

describe('comfort noise (RFC 3389)', () => {
  it('parses the level byte (§3: 7 bits, -dBov), ignores coefficients, rejects empty payloads', () => {
    expect(parseCnLevel(Uint8Array.of(40), 0, 1)).toBe(40);
    expect(parseCnLevel(Uint8Array.of(0xff, 1, 2, 3), 0, 4)).toBe(127); // MSB unused
    expect(parseCnLevel(Uint8Array.of(9, 64), 1, 1)).toBe(64);
    expect(parseCnLevel(new Uint8Array(0), 0, 0)).toBe(-1);
    expect(parseCnLevel(Uint8Array.of(5), 1, 1)).toBe(-1); // offset past the buffer
  });

  it('writes the level byte, clamped to 0..127', () => {
    const b = new Uint8Array(3);
    expect(writeCnPayload(b, 1, 55)).toBe(1);
    expect(b[1]).toBe(55);
    writeCnPayload(b, 0, 300);
    writeCnPayload(b, 2, -4);
    expect([...b]).toEqual([127, 55, 0]);
  });

  for (const level of [20, 40, 60, 80]) {
    it(`generates white noise at -${level} dBov, measured back within 0.5 dB`, () => {
      const cn = new ComfortNoise(8000);
      cn.setLevel(level);
      const pcm = new Int16Array(8000);
      cn.fill(pcm, 0, 4000);
      cn.fill(pcm, 4000, 4000);
      const e = pcm.reduce((a, x) => a + x * x, 0) / pcm.length;
      const db = -10 * Math.log10(e / (32767 * 32767));
      expect(Math.abs(db - level)).toBeLessThan(level >= 80 ? 1.5 : 0.5); // -80 dBov is a few LSBs
      expect(measureLevelDbov(pcm, 0, pcm.length)).toBeGreaterThanOrEqual(level - 1);
      expect(measureLevelDbov(pcm, 0, pcm.length)).toBeLessThanOrEqual(level + 1);
      // White: neighbouring samples uncorrelated, mean about 0, not a repeating pattern.
      let c = 0;
      for (let i = 1; i < pcm.length; i++) c += pcm[i]! * pcm[i - 1]!;
      expect(Math.abs(c / (pcm.length - 1) / e)).toBeLessThan(0.05);
      expect(Math.abs(pcm.reduce((a, x) => a + x, 0) / pcm.length)).toBeLessThan(Math.sqrt(e) * 0.05);
      expect(pcm.subarray(0, 100)).not.toEqual(pcm.subarray(4000, 4100));
    });
  }

  it('127 dBov is silence; digital silence measures 127', () => {
    const cn = new ComfortNoise(16000);
    cn.setLevel(127);
    const pcm = new Int16Array(320).fill(5);
    cn.fill(pcm, 0, 320);
    expect(pcm.every((x) => x === 0)).toBe(true);
    expect(measureLevelDbov(pcm, 0, 320)).toBe(127);
    expect(measureLevelDbov(pcm, 0, 0)).toBe(127);
  });
});
