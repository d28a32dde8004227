/**
 * A small bencode codec for the bench's ng client (kept apart from the daemon's codec, so the bench
 * does not share its bugs). Byte strings decode to latin1 strings, which round-trip every byte.
 */
export type BValue = string | number | BValue[] | { [key: string]: BValue };

export function bencode(v: BValue): Buffer {
  const parts: Buffer[] = [];
  const put = (x: BValue): void => {
    if (typeof x === 'string') {
      const b = Buffer.from(x, 'latin1');
      parts.push(Buffer.from(`${b.length}:`, 'latin1'), b);
    } else if (typeof x === 'number') {
      parts.push(Buffer.from(`i${Math.trunc(x)}e`, 'latin1'));
    } else if (Array.isArray(x)) {
      parts.push(Buffer.from('l'));
      for (const e of x) put(e);
      parts.push(Buffer.from('e'));
    } else {
      parts.push(Buffer.from('d'));
      for (const k of Object.keys(x).sort()) {
        put(k);
        put(x[k]!);
      }
      parts.push(Buffer.from('e'));
    }
  };
  put(v);
  return Buffer.concat(parts);
}

export function bdecode(buf: Buffer, start = 0): BValue {
  let i = start;
  const val = (): BValue => {
    const c = buf[i];
    if (c === 0x69) { // i
      const e = buf.indexOf(0x65, i);
      if (e < 0) throw new Error('bencode: unterminated integer');
      const n = Number(buf.toString('latin1', i + 1, e));
      i = e + 1;
      return n;
    }
    if (c === 0x6c) { // l
      i++;
      const out: BValue[] = [];
      while (buf[i] !== 0x65) {
        if (i >= buf.length) throw new Error('bencode: unterminated list');
        out.push(val());
      }
      i++;
      return out;
    }
    if (c === 0x64) { // d
      i++;
      const out: { [key: string]: BValue } = {};
      while (buf[i] !== 0x65) {
        if (i >= buf.length) throw new Error('bencode: unterminated dict');
        const k = val();
        if (typeof k !== 'string') throw new Error('bencode: non-string key');
        out[k] = val();
      }
      i++;
      return out;
    }
    const colon = buf.indexOf(0x3a, i);
    if (colon < 0) throw new Error('bencode: bad string');
    const len = Number(buf.toString('latin1', i, colon));
    if (!Number.isInteger(len) || len < 0 || colon + 1 + len > buf.length) throw new Error('bencode: bad string length');
    const s = buf.toString('latin1', colon + 1, colon + 1 + len);
    i = colon + 1 + len;
    return s;
  };
  return val();
}
