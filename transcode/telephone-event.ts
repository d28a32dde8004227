/**
 * RFC 4733 telephone-event payload: parse and build (pure, no allocation).
 *
 * RFC 4733 §2.3 payload format (one event, 4 bytes):
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |     event     |E|R| volume    |          duration             |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * event (§2.3.1): 0-255; 0-15 are the DTMF digits 0-9 * # A-D (RFC 4733 §3.2), the others are
 * valid events that have no Q.23 tone pair. E (§2.3.2): end of event. R: reserved, sent 0, ignored.
 * volume (§2.3.4): power level in dBm0 with the sign dropped (0..63). duration (§2.3.5): in RTP
 * timestamp units of the payload's clock, since the event's start (the packet's RTP timestamp).
 */

export const TELEPHONE_EVENT_LEN = 4;

/** Parsed fields of one payload; the caller owns one and reuses it (no allocation per packet). */
export class TelephoneEvent {
  event = 0;
  end = false;
  volume = 0;
  duration = 0;
}

/** Parses buf[off, off + len) into out. false when shorter than 4 bytes (RFC 4733 §2.3). */
export function parseTelephoneEvent(buf: Uint8Array, off: number, len: number, out: TelephoneEvent): boolean {
  if (len < TELEPHONE_EVENT_LEN || off < 0 || off + TELEPHONE_EVENT_LEN > buf.length) return false;
  const b1 = buf[off + 1]!;
  out.event = buf[off]!;
  out.end = (b1 & 0x80) !== 0;
  out.volume = b1 & 0x3f;
  out.duration = (buf[off + 2]! << 8) | buf[off + 3]!;
  return true;
}

/** Writes one payload at buf[off]; returns its length (4). Values are masked to their field widths. */
export function writeTelephoneEvent(
  buf: Uint8Array, off: number, event: number, end: boolean, volume: number, duration: number,
): number {
  buf[off] = event & 0xff;
  buf[off + 1] = (end ? 0x80 : 0) | (volume & 0x3f);
  buf[off + 2] = (duration >>> 8) & 0xff;
  buf[off + 3] = duration & 0xff;
  return TELEPHONE_EVENT_LEN;
}

/** Highest DTMF event code (D); events 0..15 have a Q.23 frequency pair. */
export const DTMF_MAX_EVENT = 15;

/**
 * ITU-T Q.23 frequency pairs per RFC 4733 §3.2 event code: 0-9, 10 = *, 11 = #, 12-15 = A-D.
 * Low group (rows) 697 770 852 941 Hz, high group (columns) 1209 1336 1477 1633 Hz.
 */
export const DTMF_ROWS_HZ = [697, 770, 852, 941] as const;
export const DTMF_COLS_HZ = [1209, 1336, 1477, 1633] as const;
/** Row index (into DTMF_ROWS_HZ) and column index (into DTMF_COLS_HZ) per event 0..15. */
export const DTMF_EVENT_ROW = Uint8Array.of(3, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 0, 1, 2, 3);
export const DTMF_EVENT_COL = Uint8Array.of(1, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 2, 3, 3, 3, 3);
/** Event code per (row * 4 + col): the inverse of the two tables above. */
export const DTMF_EVENT_AT = Uint8Array.of(1, 2, 3, 12, 4, 5, 6, 13, 7, 8, 9, 14, 10, 0, 11, 15);

/** The character for an event code (0-9 * # A-D), '?' for the others. For logs and tests. */
export function dtmfEventChar(event: number): string {
  return event >= 0 && event <= DTMF_MAX_EVENT ? '0123456789*#ABCD'[event]! : '?';
}
