import { describe, expect, it } from 'vitest';
import { encodeNgReply, errorReply, parseNgDatagram } from '../../protocol/ng/message.js';

const dg = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('ng datagram framing (spec §1.1, golden 02)', () => {
  it('splits the cookie at the first space', () => {
    const r = parseNgDatagram(dg('0_123_4 d7:command4:pinge'));
    expect(r.kind).toBe('request');
    if (r.kind === 'request') expect(r.cookie).toBe('0_123_4');
  });

  it('ignores datagrams without a cookie', () => {
    expect(parseNgDatagram(dg('d7:command4:pinge')).kind).toBe('no-cookie');
    expect(parseNgDatagram(dg(' d7:command4:pinge')).kind).toBe('no-cookie');
  });

  it.each([
    ['c1 ', 'Invalid data (no payload)'],
    ['c1 hello world', 'Invalid NG data format'],
    ['c1 l4:pinge', 'Invalid NG data format'],
    ['c1 d7:command4:pin', 'Could not decode bencode dictionary'],
  ])('%j gets error %j', (input, reason) => {
    const r = parseNgDatagram(dg(input));
    expect(r).toMatchObject({ kind: 'error', cookie: 'c1', reason });
  });

  it('answers JSON requests in JSON, keys in order', () => {
    const r = parseNgDatagram(dg('j1 {"command": "ping"'));
    expect(r).toMatchObject({ kind: 'error', format: 'json', reason: 'Failed to parse JSON document' });
    if (r.kind !== 'error') throw new Error('unreachable');
    expect(encodeNgReply(r.cookie, r.format, errorReply(r.reason)).toString())
      .toBe('j1 {"result":"error","error-reason":"Failed to parse JSON document"}');
    const ok = parseNgDatagram(dg('j2 {"command":"ping","n":5}'));
    expect(ok.kind).toBe('request');
    if (ok.kind === 'request') {
      expect(ok.dict.get('n')).toBe(5);
      expect(encodeNgReply('j2', 'json', new Map([['20', 1], ['3', 2]])).toString()).toBe('j2 {"20":1,"3":2}');
    }
  });

  it('rejects JSON floats and nulls like rtpengine', () => {
    expect(parseNgDatagram(dg('j {"command":"ping","x":1.5}')).kind).toBe('error');
    expect(parseNgDatagram(dg('j {"command":null}')).kind).toBe('error');
  });
});
