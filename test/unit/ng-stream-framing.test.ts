/**
 * TCP ng message boundaries. The accept/wait table comes from probing rtpengine 10.5.3.5's TCP listener
 * with `<cookie> d7:command<X>e`: "message" = the real daemon answered, "wait" = it kept waiting.
 */
import { describe, expect, it } from 'vitest';
import { scanBencodeValue, scanNgFrame } from '../../protocol/ng/stream-framing.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('scanNgFrame', () => {
  it('cuts one message: cookie, space, one bencoded value', () => {
    expect(scanNgFrame(b('c1 d7:command4:pinge'))).toEqual({ kind: 'message', length: 20 });
    expect(scanNgFrame(b('c1 d7:command4:pingec2 d7:command4:pinge'))).toEqual({ kind: 'message', length: 20 });
    expect(scanNgFrame(b('c1 d7:command4:pinge\r\n'))).toEqual({ kind: 'message', length: 20 });
  });

  it('waits for the rest of a split message', () => {
    const r = scanNgFrame(b('c3 d7:comm'));
    expect(r.kind).toBe('incomplete');
    expect(scanNgFrame(b('c3 d7:command4:ping')).kind).toBe('incomplete');
    expect(scanNgFrame(b('cookie-without-space'))).toMatchObject({ kind: 'incomplete', inCookie: true });
    expect(scanNgFrame(b('c6 ')).kind).toBe('incomplete');
  });

  it('hints how many bytes a long string still needs', () => {
    const r = scanNgFrame(b('c d3:sdp1000:abc'));
    expect(r).toEqual({ kind: 'incomplete', needed: 'c d3:sdp1000:'.length + 1000 + 1 });
  });

  it('never frames JSON or garbage (rtpengine does not answer them on TCP)', () => {
    expect(scanNgFrame(b('c4 {"command":"ping"}')).kind).toBe('invalid');
    expect(scanNgFrame(b('c8 xyz')).kind).toBe('invalid');
    expect(scanNgFrame(b('e1  d7:command4:pinge')).kind).toBe('invalid'); // payload starts with a space
  });

  it('frames non-dict values too (the decoder then says "Invalid NG data format")', () => {
    expect(scanNgFrame(b('c5 l4:pinge'))).toEqual({ kind: 'message', length: 11 });
    expect(scanNgFrame(b('c5 i5e'))).toEqual({ kind: 'message', length: 6 });
    expect(scanNgFrame(b('c5 5:hello'))).toEqual({ kind: 'message', length: 10 });
  });

  it('frames a message with an empty cookie (consumed silently by the processor)', () => {
    expect(scanNgFrame(b(' d7:command4:pinge'))).toEqual({ kind: 'message', length: 18 });
  });

  it.each([
    ['i-5e', 'message'], ['i0e', 'message'], ['00:', 'message'], ['0:', 'message'], ['1:x', 'message'],
    ['le', 'message'], ['de', 'message'], ['d1:b1:x1:a1:ye', 'message'], ['d1:a1:x1:a1:ye', 'message'],
    ['i99999999999999999999999e', 'message'], ['l1:xi1ee', 'message'], ['04:ping', 'message'],
    ['i-0e', 'wait'], ['ie', 'wait'], ['i-e', 'wait'], ['i00e', 'wait'], ['i05e', 'wait'], ['i+5e', 'wait'],
    ['i 5e', 'wait'], ['-1:', 'wait'], ['l', 'wait'], ['x', 'wait'], ['99999999999:x', 'wait'],
  ])('value %j after "command": %s (as rtpengine 10.5)', (x, expected) => {
    const r = scanNgFrame(b(`cz d7:command${x}e`));
    expect(r.kind === 'message' ? 'message' : 'wait').toBe(expected);
  });

  it('rejects dicts with non-string keys or a key without value', () => {
    expect(scanNgFrame(b('c d7:command4:pingi1ee')).kind).toBe('invalid');
    expect(scanNgFrame(b('c di1e4:pinge')).kind).toBe('invalid');
    expect(scanNgFrame(b('c d7:command4:ping3:keye')).kind).toBe('invalid');
  });

  it('handles deep nesting without recursion', () => {
    const deep = 'l'.repeat(200_000) + 'e'.repeat(200_000);
    expect(scanBencodeValue(b(deep), 0)).toEqual({ kind: 'message', length: 400_000 });
    expect(scanBencodeValue(b('l'.repeat(200_000)), 0).kind).toBe('incomplete');
  });

  it('stops at the first complete value', () => {
    expect(scanBencodeValue(b('xx d1:ai1eetrailing'), 3)).toEqual({ kind: 'message', length: 8 });
  });
});
