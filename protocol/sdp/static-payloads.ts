// Static RTP payload types of RFC 3551 §6 (Tables 4 and 5). Used when an m=
// line lists a static payload type without an a=rtpmap (RFC 8866 §6.6 allows
// that), and to decide whether a codec is "static".

export interface StaticPayload {
  name: string;
  clock: number;
  channels?: number;
}

const TABLE: ReadonlyMap<number, StaticPayload> = new Map<number, StaticPayload>([
  [0, { name: 'PCMU', clock: 8000 }],
  [3, { name: 'GSM', clock: 8000 }],
  [4, { name: 'G723', clock: 8000 }],
  [5, { name: 'DVI4', clock: 8000 }],
  [6, { name: 'DVI4', clock: 16000 }],
  [7, { name: 'LPC', clock: 8000 }],
  [8, { name: 'PCMA', clock: 8000 }],
  [9, { name: 'G722', clock: 8000 }],
  [10, { name: 'L16', clock: 44100, channels: 2 }],
  [11, { name: 'L16', clock: 44100 }],
  [12, { name: 'QCELP', clock: 8000 }],
  [13, { name: 'CN', clock: 8000 }],
  [14, { name: 'MPA', clock: 90000 }],
  [15, { name: 'G728', clock: 8000 }],
  [16, { name: 'DVI4', clock: 11025 }],
  [17, { name: 'DVI4', clock: 22050 }],
  [18, { name: 'G729', clock: 8000 }],
  [25, { name: 'CelB', clock: 90000 }],
  [26, { name: 'JPEG', clock: 90000 }],
  [28, { name: 'nv', clock: 90000 }],
  [31, { name: 'H261', clock: 90000 }],
  [32, { name: 'MPV', clock: 90000 }],
  [33, { name: 'MP2T', clock: 90000 }],
  [34, { name: 'H263', clock: 90000 }],
]);

export function staticPayload(pt: number): StaticPayload | undefined {
  return TABLE.get(pt);
}
