/**
 * Bencode codec for the ng protocol (BEP 3 format, rtpengine's dialect).
 *
 * Why not the `bencode` npm package: its encoder sorts dictionary keys (rtpengine emits insertion
 * order, e.g. `sdp` before `result`), and its decoder rejects a dictionary missing the final `e`,
 * which rtpengine 10.5 accepts (golden 02). The package stays a devDependency as a test oracle.
 *
 * Values: byte strings are Buffers (SDP may carry any octet), integers are numbers, lists are
 * arrays, dictionaries are Maps with latin1 keys (byte-exact, insertion ordered — a plain object
 * would move integer-like keys such as SSRCs to the front).
 */

export type BValue = Buffer | number | BValue[] | BDict;
export type BDict = Map<string, BValue>;

/** What the encoder takes: decoded values plus JS strings (written as latin1) and plain objects. */
export type BEncodable =
  | BValue
  | string
  | boolean
  | BEncodable[]
  | Map<string, BEncodable>
  | { [key: string]: BEncodable | undefined };

export class BencodeError extends Error {}

const D = 0x64, L = 0x6c, I = 0x69, E = 0x65, COLON = 0x3a, MINUS = 0x2d;

/**
 * Decodes one value at the start of `buf`. Trailing bytes after it are ignored, and containers cut
 * off by the end of the buffer are closed there (both as rtpengine does).
 */
export function bdecode(buf: Buffer): BValue {
  const state = { pos: 0, depth: 0 };
  return decodeValue(buf, state);
}

/** Nesting limit: ng messages nest 3–4 deep; a hostile `llll…` must not exhaust the stack. */
const MAX_DEPTH = 64;

interface DecodeState { pos: number; depth: number }

function decodeValue(buf: Buffer, st: DecodeState): BValue {
  if (st.pos >= buf.length) throw new BencodeError('unexpected end of data');
  if (st.depth >= MAX_DEPTH) throw new BencodeError('nesting too deep');
  const c = buf[st.pos]!;
  if (c === D) {
    st.pos++;
    st.depth++;
    const dict: BDict = new Map();
    while (st.pos < buf.length && buf[st.pos] !== E) {
      const key = decodeKey(buf, st);
      // A later duplicate overrides: rtpengine's option parsing walks entries in order.
      dict.set(key, decodeValue(buf, st));
    }
    st.pos++;
    st.depth--;
    return dict;
  }
  if (c === L) {
    st.pos++;
    st.depth++;
    const list: BValue[] = [];
    while (st.pos < buf.length && buf[st.pos] !== E) list.push(decodeValue(buf, st));
    st.pos++;
    st.depth--;
    return list;
  }
  if (c === I) {
    st.pos++;
    const end = buf.indexOf(E, st.pos);
    if (end < 0) throw new BencodeError('unterminated integer');
    const n = parseNumber(buf, st.pos, end, true);
    st.pos = end + 1;
    return n;
  }
  return decodeString(buf, st);
}

function decodeString(buf: Buffer, st: DecodeState): Buffer {
  const start = skipString(buf, st);
  return buf.subarray(start, st.pos);
}

/** A dictionary key: read straight into a latin1 JS string (no Buffer view in between). */
function decodeKey(buf: Buffer, st: DecodeState): string {
  const start = skipString(buf, st);
  return buf.toString('latin1', start, st.pos);
}

/** Moves past `<len>:<bytes>` and returns where the bytes start (they end at st.pos). */
function skipString(buf: Buffer, st: DecodeState): number {
  const colon = buf.indexOf(COLON, st.pos);
  if (colon < 0) throw new BencodeError('missing string length delimiter');
  const len = parseNumber(buf, st.pos, colon, false);
  const start = colon + 1;
  if (start + len > buf.length) throw new BencodeError('string exceeds data');
  st.pos = start + len;
  return start;
}

/** A number that starts with 0 must be exactly 0 (`i05e` and `05:` are errors). */
function parseNumber(buf: Buffer, from: number, to: number, signed: boolean): number {
  let p = from;
  let neg = false;
  if (signed && buf[p] === MINUS) { neg = true; p++; }
  if (p >= to) throw new BencodeError('empty number');
  if (buf[p] === 0x30 && to - p > 1) throw new BencodeError('leading zero');
  let n = 0;
  for (; p < to; p++) {
    const d = buf[p]! - 0x30;
    if (d < 0 || d > 9) throw new BencodeError('bad digit');
    n = n * 10 + d;
  }
  return neg ? -n : n;
}

/**
 * The encoder writes straight into one reused scratch buffer and copies the result out once: no
 * string ropes to flatten and no native call per short token (the encoder was the ng control path's
 * top cost; this is ~3x cheaper than concatenating a latin1 string). Strings are written as latin1,
 * one byte per char (the low 8 bits, as Buffer's latin1 encoding does); Buffers byte for byte.
 */
let scratch = Buffer.allocUnsafe(16 * 1024);

export function bencode(value: BEncodable): Buffer {
  return copyOut(writeValue(value, 0));
}

/** `prefix` (latin1) followed by the encoding of `value`, as one Buffer: an ng reply is `<cookie> SP <payload>`. */
export function bencodeWithPrefix(prefix: string, value: BEncodable): Buffer {
  return copyOut(writeValue(value, writeLatin1(prefix, 0)));
}

function copyOut(end: number): Buffer {
  const out = Buffer.allocUnsafe(end);
  scratch.copy(out, 0, 0, end);
  return out;
}

/** Room for n more bytes at p (the writers below take the position and return the new one). */
function reserve(p: number, n: number): void {
  if (p + n <= scratch.length) return;
  let size = scratch.length * 2;
  while (size < p + n) size *= 2;
  const bigger = Buffer.allocUnsafe(size);
  scratch.copy(bigger, 0, 0, p);
  scratch = bigger;
}

/** Short strings (keys, flags) byte by byte in JS; long ones (SDP) with one native write. */
function writeLatin1(s: string, p: number): number {
  const n = s.length;
  reserve(p, n);
  const b = scratch;
  if (n > 48) return p + b.write(s, p, n, 'latin1');
  // A Uint8Array store keeps the low 8 bits, as latin1 encoding does.
  for (let i = 0; i < n; i++) b[p + i] = s.charCodeAt(i);
  return p + n;
}

/** A non-negative integer in decimal (string lengths, most numbers). */
function writeUint(n: number, p: number): number {
  reserve(p, 16);
  const b = scratch;
  if (n < 10) {
    b[p] = 0x30 + n;
    return p + 1;
  }
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  for (let i = p + digits - 1; i >= p; i--) {
    b[i] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  return p + digits;
}

function writeByte(c: number, p: number): number {
  reserve(p, 1);
  scratch[p] = c;
  return p + 1;
}

function writeString(s: string, p: number): number {
  return writeLatin1(s, writeByte(COLON, writeUint(s.length, p)));
}

function writeNumber(v: number, p: number): number {
  const n = Math.trunc(v);
  p = writeByte(I, p);
  p = n >= 0 && n <= Number.MAX_SAFE_INTEGER ? writeUint(n, p) : writeLatin1(String(n), p);
  return writeByte(E, p);
}

function writeValue(v: BEncodable, p: number): number {
  if (typeof v === 'string') return writeString(v, p);
  if (typeof v === 'number') return writeNumber(v, p);
  if (typeof v === 'boolean') return writeLatin1(v ? 'i1e' : 'i0e', p);
  if (Buffer.isBuffer(v)) {
    p = writeByte(COLON, writeUint(v.length, p));
    reserve(p, v.length);
    v.copy(scratch, p);
    return p + v.length;
  }
  if (Array.isArray(v)) {
    p = writeByte(L, p);
    for (let i = 0; i < v.length; i++) p = writeValue(v[i]!, p);
    return writeByte(E, p);
  }
  p = writeByte(D, p);
  if (v instanceof Map) {
    for (const [k, x] of v) p = writeValue(x, writeString(k, p));
  } else {
    for (const k of Object.keys(v)) {
      const x = v[k];
      if (x !== undefined) p = writeValue(x, writeString(k, p));
    }
  }
  return writeByte(E, p);
}
