// G.711 tables (transcode/g711.ts) against spandsp (Debian libspandsp-dev) as an independent
// oracle: test/oracle/g711-oracle.c is compiled here and prints every code. Without gcc or the header
// the comparison is skipped locally and fails under CI=true. One known difference: ITU-T G.191's
// µ-law encoder takes the one's complement (~x) of a negative sample, spandsp 0.0.6 the two's (-x),
// so G.191's code for a negative s equals spandsp's for s + 1 (s = -1: µ-law's negative zero, 0x7f).
// A-law (one's complement in both) and both decoders must match exactly.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ALAW_DECODE, ALAW_ENCODE, ALAW_TO_ULAW, decodeAlaw, decodeUlaw, encodeAlaw, encodeUlaw, mapBytes, ULAW_DECODE,
  ULAW_ENCODE, ULAW_TO_ALAW,
} from '../../transcode/g711.js';

const SRC = fileURLToPath(new URL('../oracle/g711-oracle.c', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'g711-oracle-'));
const BIN = join(dir, 'g711-oracle');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function oracleOutput(): Map<string, string> | string {
  if (!existsSync('/usr/include/spandsp/g711.h')) return 'spandsp header missing (apt-get install libspandsp-dev)';
  const c = spawnSync('gcc', ['-O1', '-o', BIN, SRC], { encoding: 'utf8' });
  if (c.error || c.status !== 0) return `gcc failed: ${c.error?.message ?? c.stderr}`;
  const r = spawnSync(BIN, [], { encoding: 'utf8', maxBuffer: 1 << 20 });
  const m = new Map<string, string>();
  for (const line of r.stdout.trim().split('\n')) m.set(line[0]!, line.slice(2));
  return m;
}
const oracle = oracleOutput();
const haveOracle = typeof oracle !== 'string';
const inCi = process.env.CI === 'true';

describe('G.711 against spandsp (ITU-T G.191)', () => {
  it.skipIf(!haveOracle && !inCi)('encodes every 16-bit sample and decodes every code identically', () => {
    if (typeof oracle === 'string') throw new Error(oracle);
    const order = (t: Uint8Array) => {
      const out = Buffer.alloc(65536);
      for (let s = -32768; s < 32768; s++) out[s + 32768] = t[s & 0xffff]!;
      return out.toString('hex');
    };
    const spandspU = Buffer.from(oracle.get('U')!, 'hex');
    const g191U = Buffer.alloc(65536);
    for (let s = -32768; s < 32768; s++) g191U[s + 32768] = s === -1 ? 0x7f : spandspU[(s < 0 ? s + 1 : s) + 32768]!;
    expect(order(ULAW_ENCODE)).toBe(g191U.toString('hex'));
    expect(order(ALAW_ENCODE)).toBe(oracle.get('A'));
    expect([...ULAW_DECODE].join(' ')).toBe(oracle.get('u'));
    expect([...ALAW_DECODE].join(' ')).toBe(oracle.get('a'));
  });
});

describe('G.711 codec functions', () => {
  it('re-encoding a decoded code gives the code back (both laws; µ-law 0x7f/0xff both mean 0)', () => {
    for (let b = 0; b < 256; b++) {
      expect(ALAW_ENCODE[ALAW_DECODE[b]! & 0xffff]).toBe(b);
      if (b !== 0x7f) expect(ULAW_ENCODE[ULAW_DECODE[b]! & 0xffff]).toBe(b);
    }
  });

  it('frame encode/decode and the µ↔A byte maps agree with the tables', () => {
    const pcm = new Int16Array(160);
    for (let i = 0; i < 160; i++) pcm[i] = Math.round(12000 * Math.sin(i / 5));
    const u = new Uint8Array(160);
    const a = new Uint8Array(160);
    encodeUlaw(pcm, 0, 160, u, 0);
    encodeAlaw(pcm, 0, 160, a, 0);
    const back = new Int16Array(160);
    decodeUlaw(u, 0, 160, back, 0);
    for (let i = 0; i < 160; i++) expect(Math.abs(back[i]! - pcm[i]!)).toBeLessThanOrEqual(Math.max(8, Math.abs(pcm[i]!) / 16));
    decodeAlaw(a, 0, 160, back, 0);
    for (let i = 0; i < 160; i++) expect(Math.abs(back[i]! - pcm[i]!)).toBeLessThanOrEqual(Math.max(16, Math.abs(pcm[i]!) / 16));
    const mapped = Uint8Array.from(u);
    mapBytes(ULAW_TO_ALAW, mapped, 0, 160);
    for (let i = 0; i < 160; i++) expect(mapped[i]).toBe(ALAW_ENCODE[ULAW_DECODE[u[i]!]! & 0xffff]);
    mapBytes(ALAW_TO_ULAW, mapped, 0, 160);
    for (let i = 0; i < 160; i++) expect(mapped[i]).toBe(ULAW_ENCODE[ALAW_DECODE[ULAW_TO_ALAW[u[i]!]!]! & 0xffff]);
  });
});
