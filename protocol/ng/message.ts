/**
 * ng datagram framing (rtpengine ng protocol, spec §1.1): `<cookie> SP <payload>`, payload a bencoded
 * dict (first byte `d`) or a JSON object (first byte `{`). The reply uses the same cookie and format.
 */
import { bdecode, bencodeWithPrefix, BencodeError, type BDict, type BEncodable } from './bencode.js';
import { jsonDecode, jsonEncode, JsonNgError } from './json.js';

export type NgFormat = 'bencode' | 'json';

export type FramedRequest =
  | { kind: 'no-cookie' } // no reply at all (rtpengine logs a warning)
  | { kind: 'error'; cookie: string; format: NgFormat; reason: string }
  | { kind: 'request'; cookie: string; format: NgFormat; dict: BDict };

/** Splits and decodes one datagram. Never throws. */
export function parseNgDatagram(data: Buffer): FramedRequest {
  const sp = data.indexOf(0x20);
  if (sp <= 0) return { kind: 'no-cookie' };
  const cookie = data.subarray(0, sp).toString('latin1');
  const payload = data.subarray(sp + 1);
  if (payload.length === 0) return { kind: 'error', cookie, format: 'bencode', reason: 'Invalid data (no payload)' };
  if (payload[0] === 0x7b /* { */) {
    try {
      return { kind: 'request', cookie, format: 'json', dict: jsonDecode(payload) };
    } catch (e) {
      if (e instanceof JsonNgError) return { kind: 'error', cookie, format: 'json', reason: e.message };
      throw e;
    }
  }
  if (payload[0] !== 0x64 /* d */) return { kind: 'error', cookie, format: 'bencode', reason: 'Invalid NG data format' };
  try {
    const v = bdecode(payload);
    if (!(v instanceof Map)) return { kind: 'error', cookie, format: 'bencode', reason: 'Invalid NG data format' };
    return { kind: 'request', cookie, format: 'bencode', dict: v };
  } catch (e) {
    if (e instanceof BencodeError) return { kind: 'error', cookie, format: 'bencode', reason: 'Could not decode bencode dictionary' };
    throw e;
  }
}

/** `<cookie> SP <payload>` (the cookie is latin1, as parsed). */
export function encodeNgReply(cookie: string, format: NgFormat, reply: BEncodable): Buffer {
  if (format === 'json') return Buffer.concat([Buffer.from(cookie + ' ', 'latin1'), jsonEncode(reply)]);
  return bencodeWithPrefix(cookie + ' ', reply);
}

export function errorReply(reason: string): Map<string, BEncodable> {
  return new Map<string, BEncodable>([['result', 'error'], ['error-reason', reason]]);
}
