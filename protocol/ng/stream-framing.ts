/**
 * Message boundaries of ng over a byte stream (`--listen-tcp-ng`), as rtpengine 10.5 finds them:
 * a message is everything up to the first space (the cookie), the space, and then exactly one complete
 * bencoded value. There is no other delimiter, so JSON payloads cannot be framed on TCP (the real
 * daemon never answers them) and bytes between messages (e.g. a CRLF) become part of the next cookie.
 *
 * The structural check mirrors what the real daemon's stream validator accepts (checked by
 * experiment): integers `i-?[0-9]+e` with no leading zero and no `-0`; strings `<digits>:<bytes>` where
 * the length *may* have leading zeros (the full decoder rejects them later); lists; dicts whose keys are
 * strings and which hold complete key/value pairs. Key order and duplicates are not checked here.
 * Nesting is tracked iteratively, so depth costs no stack.
 */

export type FrameScan =
  | { kind: 'message'; length: number } // bytes [0, length) are one message
  // A valid prefix: no message before `needed` bytes are buffered. `inCookie`: no space seen yet.
  | { kind: 'incomplete'; needed: number; inCookie?: boolean }
  | { kind: 'invalid' }; // can never become a message (rtpengine would wait forever)

const SP = 0x20;
const CH_E = 0x65;
const CH_I = 0x69;
const CH_L = 0x6c;
const CH_D = 0x64;
const CH_COLON = 0x3a;
const CH_MINUS = 0x2d;

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** Container states on the scan stack. */
const LIST = 0;
const DICT_KEY = 1; // dict expecting a key or its end
const DICT_VALUE = 2; // dict expecting the value of a key

/** Finds the first complete ng message at the start of `buf`. */
export function scanNgFrame(buf: Buffer): FrameScan {
  const sp = buf.indexOf(SP);
  if (sp < 0) return { kind: 'incomplete', needed: buf.length + 1, inCookie: true };
  const r = scanBencodeValue(buf, sp + 1);
  if (r.kind === 'message') return { kind: 'message', length: sp + 1 + r.length };
  return r;
}

/** Length of the one complete bencoded value starting at `start`. */
export function scanBencodeValue(buf: Buffer, start: number): FrameScan {
  const end = buf.length;
  const stack: number[] = [];
  let i = start;
  const incomplete = (needed = end + 1): FrameScan => ({ kind: 'incomplete', needed });
  for (;;) {
    if (i >= end) return incomplete();
    const c = buf[i]!;
    const top = stack.length > 0 ? stack[stack.length - 1]! : -1;
    if (c === CH_E && (top === LIST || top === DICT_KEY)) {
      stack.pop();
      i++;
    } else if (top === DICT_KEY && !isDigit(c)) {
      return { kind: 'invalid' };
    } else if (c === CH_L || c === CH_D) {
      stack.push(c === CH_L ? LIST : DICT_KEY);
      i++;
      continue;
    } else if (c === CH_I) {
      let j = i + 1;
      if (j < end && buf[j] === CH_MINUS) j++;
      const digits = j;
      while (j < end && isDigit(buf[j]!)) j++;
      if (j >= end) {
        // Still a possible prefix unless the digits seen so far are already malformed.
        if (j > digits && buf[digits] === 0x30 && (j - digits > 1 || buf[digits - 1] === CH_MINUS)) return { kind: 'invalid' };
        return incomplete();
      }
      if (buf[j] !== CH_E || j === digits) return { kind: 'invalid' };
      if (buf[digits] === 0x30 && (j - digits > 1 || buf[digits - 1] === CH_MINUS)) return { kind: 'invalid' };
      i = j + 1;
    } else if (isDigit(c)) {
      let j = i;
      let len = 0;
      while (j < end && isDigit(buf[j]!)) {
        len = len * 10 + (buf[j]! - 0x30);
        j++;
      }
      if (j >= end) return incomplete();
      if (buf[j] !== CH_COLON) return { kind: 'invalid' };
      const next = j + 1 + len;
      if (next > end) return incomplete(next + (stack.length > 0 ? 1 : 0));
      i = next;
    } else {
      return { kind: 'invalid' };
    }
    // A value is complete here.
    if (stack.length === 0) return { kind: 'message', length: i - start };
    const t = stack.length - 1;
    if (stack[t] === DICT_KEY) stack[t] = DICT_VALUE;
    else if (stack[t] === DICT_VALUE) stack[t] = DICT_KEY;
  }
}
