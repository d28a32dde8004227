/**
 * `npm run bench:srtp`: ns per SrtpContext.protectRtp / unprotectRtp of one 172-byte RTP packet
 * (12-byte header + 160-byte payload, G.711 at 20 ms) for each suite on each set of primitives: `js`
 * (protocol/srtp/primitives.ts) and `native` (the addon on Node's OpenSSL, daemon/media/srtp-native.ts).
 * Single thread, in-process, no sockets: the crypto cost the media worker adds per packet.
 *
 * Each measured op includes copying the packet into the work buffer (protect works in place, and
 * unprotect needs a fresh protected packet each time because of the replay list); that copy is timed
 * alone as the `copy` row and NOT subtracted. Every rep runs `--ops` packets with consecutive
 * sequence numbers through a fresh context after a warm-up rep; the figure is the median of
 * `--reps` reps (min in brackets). Also printed: which primitives srtp-factory.ts would pick here.
 *
 * Options: --ops 20000, --reps 5, --suite NAME (repeatable; default: one of each cipher/tag kind).
 * Pin it for stable numbers: `taskset -c 0 npm run bench:srtp`.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { srtpPrimitives } from '../daemon/media/srtp-factory.js';
import { loadNativeSrtpPrimitives } from '../daemon/media/srtp-native.js';
import { jsPrimitives, type SrtpPrimitives } from '../protocol/srtp/primitives.js';
import { SrtpContext } from '../protocol/srtp/srtp-context.js';
import { findSrtpSuite } from '../protocol/srtp/suites.js';

const { values } = parseArgs({
  options: {
    ops: { type: 'string', default: '20000' },
    reps: { type: 'string', default: '5' },
    suite: { type: 'string', multiple: true },
  },
});
const OPS = Number(values.ops);
const REPS = Math.max(3, Number(values.reps));
const SUITES = values.suite ?? [
  'AES_CM_128_HMAC_SHA1_80',
  'AES_CM_128_HMAC_SHA1_32',
  'AES_256_CM_HMAC_SHA1_80',
  'AEAD_AES_128_GCM',
  'AEAD_AES_256_GCM',
  'F8_128_HMAC_SHA1_80',
  'NULL_HMAC_SHA1_80',
];
const PKT = 172;
const SSRC = 0x5eed1234;

function packet(seq: number): Uint8Array {
  const p = new Uint8Array(PKT);
  p[0] = 0x80;
  p[1] = 0;
  p[2] = seq >>> 8;
  p[3] = seq & 0xff;
  p[8] = SSRC >>> 24;
  p[9] = (SSRC >>> 16) & 0xff;
  p[10] = (SSRC >>> 8) & 0xff;
  p[11] = SSRC & 0xff;
  for (let i = 12; i < PKT; i++) p[i] = (i * 31 + seq) & 0xff;
  return p;
}

/** OPS plain packets (as one flat array, PKT apart) with consecutive sequence numbers. */
const plain = new Uint8Array(OPS * PKT);
for (let i = 0; i < OPS; i++) plain.set(packet((1000 + i) & 0xffff), i * PKT);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function nsPerOp(fn: () => void): { med: number; min: number } {
  fn(); // warm-up
  const r: number[] = [];
  for (let k = 0; k < REPS; k++) {
    const t0 = process.hrtime.bigint();
    fn();
    r.push(Number(process.hrtime.bigint() - t0) / OPS);
  }
  return { med: median(r), min: Math.min(...r) };
}

function measure(suite: string, prims: SrtpPrimitives): { protect: { med: number; min: number }; unprotect: { med: number; min: number } } {
  const s = findSrtpSuite(suite)!;
  const key = randomBytes(s.masterKeyLen);
  const salt = randomBytes(s.masterSaltLen);
  const work = new Uint8Array(PKT + 64);
  const protect = nsPerOp(() => {
    const tx = new SrtpContext(suite, key, salt, { primitives: prims });
    for (let i = 0; i < OPS; i++) {
      work.set(plain.subarray(i * PKT, i * PKT + PKT));
      if (tx.protectRtp(work, 0, PKT) < 0) throw new Error('protect failed');
    }
    tx.close();
  });
  // The protected stream, made once; each rep unprotects it with a fresh context.
  const tx = new SrtpContext(suite, key, salt, { primitives: prims });
  const stride = PKT + tx.srtpOverhead;
  const prot = new Uint8Array(OPS * stride);
  for (let i = 0; i < OPS; i++) {
    work.set(plain.subarray(i * PKT, i * PKT + PKT));
    prot.set(work.subarray(0, tx.protectRtp(work, 0, PKT)), i * stride);
  }
  tx.close();
  const unprotect = nsPerOp(() => {
    const rx = new SrtpContext(suite, key, salt, { primitives: prims });
    for (let i = 0; i < OPS; i++) {
      work.set(prot.subarray(i * stride, i * stride + stride));
      if (rx.unprotectRtp(work, 0, stride) !== PKT) throw new Error('unprotect failed');
    }
    rx.close();
  });
  return { protect, unprotect };
}

const native = loadNativeSrtpPrimitives();
const impls: SrtpPrimitives[] = [jsPrimitives];
if (native.primitives) impls.push(native.primitives);
const pick = srtpPrimitives();
console.log(`node ${process.version}, ${OPS} ops × ${REPS} reps, ${PKT}-byte RTP packet; ns/op median [min]`);
console.log(`native primitives: ${native.primitives ? 'loaded' : `not loaded (${native.error})`}; srtp-factory picks: ${pick.primitives.name}`);

const work = new Uint8Array(PKT + 64);
const copy = nsPerOp(() => {
  for (let i = 0; i < OPS; i++) work.set(plain.subarray(i * PKT, i * PKT + PKT));
});
const fmt = (m: { med: number; min: number }) => `${m.med.toFixed(0).padStart(6)} [${m.min.toFixed(0).padStart(6)}]`;
const rows: string[] = [];
rows.push(`| suite | impl | protect ns | unprotect ns |`);
rows.push(`|---|---|---:|---:|`);
rows.push(`| (copy of the packet alone, included in every row) | – | ${fmt(copy)} | ${fmt(copy)} |`);
for (const suite of SUITES) {
  for (const p of impls) {
    const r = measure(suite, p);
    rows.push(`| ${suite} | ${p.name} | ${fmt(r.protect)} | ${fmt(r.unprotect)} |`);
  }
}
console.log(rows.join('\n'));
