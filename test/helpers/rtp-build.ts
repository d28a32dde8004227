/** Builds RTP packets (RFC 3550 §5.1) with every optional part, for the transcoder tests. */
export interface RtpOpts {
  marker?: boolean;
  csrcs?: number[];
  /** Header extension: profile and 32-bit words (RFC 3550 §5.3.1). */
  ext?: { profile: number; words: number };
  /** Padding octets (the last one holds the count). */
  pad?: number;
  version?: number;
}

export function rtp(pt: number, seq: number, ts: number, ssrc: number, payload: Uint8Array, o: RtpOpts = {}): Buffer {
  const cc = o.csrcs?.length ?? 0;
  const extLen = o.ext ? 4 + 4 * o.ext.words : 0;
  const pad = o.pad ?? 0;
  const b = Buffer.alloc(12 + 4 * cc + extLen + payload.length + pad);
  b[0] = ((o.version ?? 2) << 6) | (pad > 0 ? 0x20 : 0) | (o.ext ? 0x10 : 0) | cc;
  b[1] = (o.marker ? 0x80 : 0) | pt;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  let p = 12;
  for (const c of o.csrcs ?? []) { b.writeUInt32BE(c >>> 0, p); p += 4; }
  if (o.ext) {
    b.writeUInt16BE(o.ext.profile, p);
    b.writeUInt16BE(o.ext.words, p + 2);
    p += extLen;
  }
  b.set(payload, p);
  p += payload.length;
  if (pad > 0) b[p + pad - 1] = pad;
  return b;
}

export interface RtpView {
  version: number; marker: boolean; pt: number; seq: number; ts: number; ssrc: number; cc: number; x: boolean; p: boolean;
  payload: Buffer;
}

export function parseRtp(b: Buffer): RtpView {
  return {
    version: b[0]! >> 6, p: (b[0]! & 0x20) !== 0, x: (b[0]! & 0x10) !== 0, cc: b[0]! & 15,
    marker: (b[1]! & 0x80) !== 0, pt: b[1]! & 0x7f, seq: b.readUInt16BE(2), ts: b.readUInt32BE(4), ssrc: b.readUInt32BE(8),
    payload: b.subarray(12),
  };
}
