import bencodeOracle from 'bencode';
import { describe, expect, it } from 'vitest';
import { bdecode, bencode, bencodeWithPrefix, BencodeError, type BValue } from '../../protocol/ng/bencode.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('bencode codec', () => {
  it('keeps dictionary insertion order on encode (rtpengine: sdp before result)', () => {
    expect(bencode(new Map([['sdp', 'x'], ['result', 'ok']])).toString()).toBe('d3:sdp1:x6:result2:oke');
    expect(bencode({ sdp: 'x', result: 'ok' }).toString()).toBe('d3:sdp1:x6:result2:oke');
  });

  it('keeps integer-like keys in insertion order (SSRC dicts)', () => {
    expect(bencode(new Map([['9', 1], ['10', 2]])).toString()).toBe('d1:9i1e2:10i2ee');
  });

  it('encodes numbers, booleans, long and short strings, nesting and growth like the oracle', () => {
    const long = 'v=0\r\n'.repeat(20000); // 100 KB: past the encoder's scratch buffer
    const value = { a: 0, b: -7, c: 1234567890123, d: 3.9, e: -0, f: [1, [2, ['x', 'y'.repeat(49)]]], g: long, h: Buffer.from([0, 255]) };
    const wire = Buffer.from(bencodeOracle.encode({ ...value, d: 3, e: 0 }));
    // The oracle sorts keys; ours keeps insertion order, which is sorted here.
    expect(bencode(value).equals(wire)).toBe(true);
    expect(bencode(true).toString()).toBe('i1e');
    expect(bencode(false).toString()).toBe('i0e');
    expect(bencode(NaN).toString()).toBe('iNaNe');
    expect(bencode({ skipped: undefined, kept: 'x' }).toString()).toBe('d4:kept1:xe');
    // latin1: one byte per char, as Buffer.from(s, 'latin1') writes it
    const wide = '\u00e9\u0101' + '\u00ff'.repeat(60);
    expect(bencode(wide).equals(Buffer.concat([Buffer.from('62:'), Buffer.from(wide, 'latin1')]))).toBe(true);
    expect(bencodeWithPrefix('c1 ', new Map([['result', 'pong']])).toString()).toBe('c1 d6:result4:ponge');
    // the reused scratch buffer never leaks into an earlier result
    const first = bencode('first');
    bencode('second!!');
    expect(first.toString()).toBe('5:first');
  });

  it('round-trips arbitrary octets in byte strings', () => {
    const sdp = Buffer.from([0x76, 0x3d, 0x30, 0x0d, 0x0a, 0xff, 0xfe, 0x00, 0x80]);
    const d = bdecode(bencode(new Map([['sdp', sdp]]))) as Map<string, BValue>;
    expect(Buffer.compare(d.get('sdp') as Buffer, sdp)).toBe(0);
  });

  it('decodes what the bencode package encodes (oracle), lists, negatives and nesting', () => {
    const value = { command: 'offer', flags: ['trust-address', 'symmetric'], n: -42, nested: { a: [1, 2, { z: 'y' }] } };
    const wire = Buffer.from(bencodeOracle.encode(value));
    const d = bdecode(wire) as Map<string, BValue>;
    expect((d.get('command') as Buffer).toString()).toBe('offer');
    expect((d.get('flags') as Buffer[]).map(String)).toEqual(['trust-address', 'symmetric']);
    expect(d.get('n')).toBe(-42);
    // Re-encoding our decode of a sorted dict gives the oracle's bytes back.
    expect(bencode(d).equals(wire)).toBe(true);
  });

  it('accepts a dictionary without its final e and ignores trailing garbage (golden 02)', () => {
    expect((bdecode(b('d7:command4:ping')) as Map<string, BValue>).get('command')!.toString()).toBe('ping');
    expect((bdecode(b('d7:command4:pingeGARBAGE')) as Map<string, BValue>).size).toBe(1);
  });

  it('rejects truncated strings and leading zeros', () => {
    expect(() => bdecode(b('d7:command4:pin'))).toThrow(BencodeError);
    expect(() => bdecode(b('i05e'))).toThrow(BencodeError);
    expect(() => bdecode(b('05:abcde'))).toThrow(BencodeError);
    expect(bdecode(b('i0e'))).toBe(0);
  });
});

describe('bencode codec against hostile input', () => {
  it('refuses absurd nesting instead of exhausting the stack', () => {
    expect(() => bdecode(Buffer.from('l'.repeat(100000)))).toThrow(BencodeError);
    expect(() => bdecode(Buffer.from('d1:a'.repeat(50000)))).toThrow(BencodeError);
  });

  it('never throws anything but BencodeError on random bytes', () => {
    let seed = 12345;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const alphabet = 'dlie0123456789:-x';
    for (let i = 0; i < 5000; i++) {
      const len = Math.floor(rnd() * 40);
      let s = '';
      for (let k = 0; k < len; k++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      try {
        bdecode(Buffer.from(s, 'latin1'));
      } catch (e) {
        expect(e).toBeInstanceOf(BencodeError);
      }
    }
  });
});
