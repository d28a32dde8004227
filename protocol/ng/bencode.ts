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
      const key = decodeString(buf, st).toString('latin1');
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
  const colon = buf.indexOf(COLON, st.pos);
  if (colon < 0) throw new BencodeError('missing string length delimiter');
  const len = parseNumber(buf, st.pos, colon, false);
  const start = colon + 1;
  if (start + len > buf.length) throw new BencodeError('string exceeds data');
  st.pos = start + len;
  return buf.subarray(start, start + len);
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
 * Encodes into one latin1 string (V8 concatenates with ropes) converted to bytes once: a reply costs
 * one native call instead of one per token (the encoder was the ng control path's top cost).
 * Strings are latin1 (one byte per char); Buffers are taken as their latin1 text, byte for byte.
 */
export function bencode(value: BEncodable): Buffer {
  return Buffer.from(bencodeText(value), 'latin1');
}

/** The encoding as a latin1 string (one char per byte), for callers that prepend to it. */
export function bencodeText(v: BEncodable): string {
  if (typeof v === 'string') return `${v.length}:${v}`;
  if (Buffer.isBuffer(v)) return `${v.length}:${v.toString('latin1')}`;
  if (typeof v === 'number') return `i${Math.trunc(v)}e`;
  if (typeof v === 'boolean') return v ? 'i1e' : 'i0e';
  let s: string;
  if (Array.isArray(v)) {
    s = 'l';
    for (const x of v) s += bencodeText(x);
  } else if (v instanceof Map) {
    s = 'd';
    for (const [k, x] of v) s += `${k.length}:${k}${bencodeText(x)}`;
  } else {
    s = 'd';
    for (const k of Object.keys(v)) {
      const x = v[k];
      if (x !== undefined) s += `${k.length}:${k}${bencodeText(x)}`;
    }
  }
  return `${s}e`;
}
