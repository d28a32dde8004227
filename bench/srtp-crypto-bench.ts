/**
 * `npm run bench:srtp`: ns per SrtpContext.protectRtp / unprotectRtp of one 172-byte RTP packet
 * (12-byte header + 160-byte payload, G.711 at 20 ms) for each suite on each set of primitives: `js`
 * (protocol/srtp/primitives.ts) and `native` (the addon on Node's OpenSSL, daemon/media/srtp-native.ts).
 * Single thread, in-process, no sockets: the crypto cost the media worker adds per packet.
 *
 * Each measured op includes copying the packet into the work buffer (protect works in place, and
 * unprotect needs a fresh protected packet each time because of the replay list); that copy is timed
 * alone as the `copy` row and NOT subtracted. Every rep runs `--ops` packets with consecutive
 * sequence numbers through fresh contexts (made, and each given its SSRC's first packet, before the
 * clock starts) after a warm-up rep; the
 * figure is the median of `--reps` reps (min in brackets). Also printed: which primitives srtp-factory.ts would pick here.
 *
 * With `--contexts N` the packets go round-robin through N contexts (each its own key and SSRC), as
 * in a relay with N/2 SRTP calls where every packet finds its context's state out of cache; the
 * default runs 1 (all state hot) and 2000.
 *
 * Options: --ops 20000, --reps 5, --contexts 1,2000, --suite NAME (repeatable; default: one of each
 * cipher/tag kind).
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
    contexts: { type: 'string', default: '1,2000' },
  },
});
const CONTEXTS = values.contexts.split(',').map(Number);
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

function packet(seq: number, ssrc: number): Uint8Array {
  const p = new Uint8Array(PKT);
  p[0] = 0x80;
  p[1] = 0;
  p[2] = seq >>> 8;
  p[3] = seq & 0xff;
  p[8] = ssrc >>> 24;
  p[9] = (ssrc >>> 16) & 0xff;
  p[10] = (ssrc >>> 8) & 0xff;
  p[11] = ssrc & 0xff;
  for (let i = 12; i < PKT; i++) p[i] = (i * 31 + seq) & 0xff;
  return p;
}

/**
 * OPS plain packets (one flat array, PKT apart) for `nc` contexts in turn: packet i belongs to
 * context i % nc (SSRC 0x5eed0000 + that) and has its next sequence number.
 */
function plainPackets(nc: number): Uint8Array {
  const plain = new Uint8Array(OPS * PKT);
  for (let i = 0; i < OPS; i++) plain.set(packet((1000 + Math.floor(i / nc)) & 0xffff, 0x5eed0000 + (i % nc)), i * PKT);
  return plain;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Times run(setup()) (OPS ops) per rep after a warm-up rep; setup (e.g. making contexts) is not timed. */
function nsPerOp<T>(setup: () => T, run: (x: T) => void, done: (x: T) => void = () => {}): { med: number; min: number } {
  let x = setup();
  run(x); // warm-up
  done(x);
  const r: number[] = [];
  for (let k = 0; k < REPS; k++) {
    x = setup();
    // The previous rep's garbage (contexts, node:crypto output) is collected outside the clock.
    gc?.();
    const t0 = process.hrtime.bigint();
    run(x);
    r.push(Number(process.hrtime.bigint() - t0) / OPS);
    done(x);
  }
  return { med: median(r), min: Math.min(...r) };
}

type Stat = { med: number; min: number };
/** global.gc with `node --expose-gc` (npm run bench:srtp passes it); undefined otherwise. */
const gc = (globalThis as { gc?: () => void }).gc;

function measure(suite: string, prims: SrtpPrimitives, nc: number): { protect: Stat; unprotect: Stat } {
  const s = findSrtpSuite(suite)!;
  const keys = Array.from({ length: nc }, () => ({ key: randomBytes(s.masterKeyLen), salt: randomBytes(s.masterSaltLen) }));
  const contexts = () => keys.map((k) => new SrtpContext(suite, k.key, k.salt, { primitives: prims }));
  const plain = plainPackets(nc);
  const work = new Uint8Array(PKT + 64);
  // One packet per context (sequence number 999) run before the clock starts, so that the timed
  // packets find their SSRC's ROC and replay state made, as in a running call.
  const warm = Array.from({ length: nc }, (_, c) => packet(999, 0x5eed0000 + c));
  const warmedTx = () => {
    const tx = contexts();
    tx.forEach((c, i) => {
      work.set(warm[i]!);
      c.protectRtp(work, 0, PKT);
    });
    return tx;
  };
  const close = (cs: SrtpContext[]) => {
    for (const c of cs) c.close();
  };
  const protect = nsPerOp(warmedTx, (tx) => {
    for (let i = 0; i < OPS; i++) {
      work.set(plain.subarray(i * PKT, i * PKT + PKT));
      if (tx[i % nc]!.protectRtp(work, 0, PKT) < 0) throw new Error('protect failed');
    }
  }, close);
  // The protected streams, made once; each rep unprotects them with fresh (warmed) contexts.
  const tx = contexts();
  const stride = PKT + tx[0]!.srtpOverhead;
  const warmProt = warm.map((p, i) => {
    work.set(p);
    return work.slice(0, tx[i]!.protectRtp(work, 0, PKT));
  });
  const prot = new Uint8Array(OPS * stride);
  for (let i = 0; i < OPS; i++) {
    work.set(plain.subarray(i * PKT, i * PKT + PKT));
    prot.set(work.subarray(0, tx[i % nc]!.protectRtp(work, 0, PKT)), i * stride);
  }
  for (const c of tx) c.close();
  const warmedRx = () => {
    const rx = contexts();
    rx.forEach((c, i) => {
      work.set(warmProt[i]!);
      if (c.unprotectRtp(work, 0, stride) !== PKT) throw new Error('unprotect failed');
    });
    return rx;
  };
  const unprotect = nsPerOp(warmedRx, (rx) => {
    for (let i = 0; i < OPS; i++) {
      work.set(prot.subarray(i * stride, i * stride + stride));
      if (rx[i % nc]!.unprotectRtp(work, 0, stride) !== PKT) throw new Error('unprotect failed');
    }
  }, close);
  return { protect, unprotect };
}

const native = loadNativeSrtpPrimitives();
const impls: SrtpPrimitives[] = [jsPrimitives];
if (native.primitives) impls.push(native.primitives);
const pick = srtpPrimitives();
console.log(`node ${process.version}, ${OPS} ops × ${REPS} reps, ${PKT}-byte RTP packet; ns/op median [min]`);
console.log(`native primitives: ${native.primitives ? 'loaded' : `not loaded (${native.error})`}; srtp-factory picks: ${pick.primitives.name}`);

const work = new Uint8Array(PKT + 64);
const plain1 = plainPackets(1);
const copy = nsPerOp(() => null, () => {
  for (let i = 0; i < OPS; i++) work.set(plain1.subarray(i * PKT, i * PKT + PKT));
});
const fmt = (m: Stat) => `${m.med.toFixed(0).padStart(6)} [${m.min.toFixed(0).padStart(6)}]`;
const rows: string[] = [];
rows.push(`| suite | impl | contexts | protect ns | unprotect ns |`);
rows.push(`|---|---|---:|---:|---:|`);
rows.push(`| (copy of the packet alone, included in every row) | – | – | ${fmt(copy)} | ${fmt(copy)} |`);
for (const suite of SUITES) {
  for (const nc of CONTEXTS) {
    for (const p of impls) {
      const r = measure(suite, p, nc);
      rows.push(`| ${suite} | ${p.name} | ${nc} | ${fmt(r.protect)} | ${fmt(r.unprotect)} |`);
    }
  }
}
console.log(rows.join('\n'));
