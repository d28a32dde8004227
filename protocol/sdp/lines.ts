// Line splitting / joining for SDP bodies.
//
// RFC 8866 §5: lines are `<type>=<value>` terminated by CRLF; parsers SHOULD
// also accept a bare LF. We keep the terminator of every line so that copied
// lines can be written back exactly as received.

import type { SdpLine } from './types.js';

export const CRLF = '\r\n';

/** Octets -> latin1 string (one char per byte, lossless). */
export function bufferToBinary(buf: Buffer): string {
  return buf.toString('latin1');
}

/** latin1 string -> octets (inverse of bufferToBinary). */
export function binaryToBuffer(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

export interface RawLine {
  text: string;
  eol: string;
}

/**
 * Split a body into lines with their terminators. Splitting happens on LF; a
 * CR immediately before the LF belongs to the terminator. A final fragment
 * without LF is returned with eol '' (a trailing lone CR is treated as its
 * terminator). A body ending in a terminator produces no trailing empty line.
 */
export function splitLines(body: string): RawLine[] {
  const out: RawLine[] = [];
  let pos = 0;
  while (pos < body.length) {
    const lf = body.indexOf('\n', pos);
    if (lf < 0) {
      let text = body.slice(pos);
      let eol = '';
      if (text.endsWith('\r')) {
        text = text.slice(0, -1);
        eol = '\r';
      }
      out.push({ text, eol });
      break;
    }
    if (lf > pos && body.charCodeAt(lf - 1) === 0x0d) {
      out.push({ text: body.slice(pos, lf - 1), eol: '\r\n' });
    } else {
      out.push({ text: body.slice(pos, lf), eol: '\n' });
    }
    pos = lf + 1;
  }
  return out;
}

/** A generated line: always CRLF-terminated. */
export function genLine(type: string, value: string): SdpLine {
  return { type, value, eol: CRLF };
}

/** `a=<value>` generated attribute line. */
export function genAttr(value: string): SdpLine {
  return genLine('a', value);
}

/**
 * Serialise lines. A line without a full terminator ('' or a lone CR) that is
 * followed by more output gets CRLF, otherwise the next line would be glued on.
 */
export function joinLines(lines: readonly SdpLine[]): string {
  let s = '';
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    let eol = l.eol;
    if (i < lines.length - 1 && eol !== '\r\n' && eol !== '\n') eol = CRLF;
    s += l.type + '=' + l.value + eol;
  }
  return s;
}

/** Split `name:rest` of an attribute value; name is everything before the first ':'. */
export function attrName(value: string): { name: string; rest: string | undefined } {
  const colon = value.indexOf(':');
  if (colon < 0) return { name: value, rest: undefined };
  return { name: value.slice(0, colon), rest: value.slice(colon + 1) };
}
