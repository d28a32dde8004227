/**
 * The contract between signalling (daemon/call: which codecs each side uses, decided from the SDP
 * and the `codec` flags at offer/answer time) and the media workers (daemon/media: the packet path),
 * for one direction of one media section: what the sender may send us, what the recipient gets.
 *
 * Plain data, structured-clone safe (it travels main → worker once per signalling event, never per
 * packet). The engine that executes it is transcode/direction-transcoder.ts.
 */

/** One codec with the parameters that matter to an encoder or decoder. */
export interface CodecSpec {
  /** Encoding name as in a=rtpmap (PCMU, PCMA, G722, opus, L16, telephone-event, CN, ...). Case as written; compare case-insensitively. */
  name: string;
  /** RTP clock rate (G722: 8000 as RFC 3551 §4.5.2 says, though it samples at 16000). */
  clock: number;
  /** RTP channel count from a=rtpmap (opus always says 2, RFC 7587 §7); 1 when absent. */
  channels: number;
  /** Bit rate in bits/s for encoders that take one (opus); 0 = the codec's default. */
  bitrate: number;
  /** The a=fmtp value in effect ('' = none), e.g. opus `useinbandfec=1; stereo=0`. */
  fmtp: string;
  /** Packetization in ms: for the encoder what we send, for a decoder what the sender announced (0 = unknown). */
  ptime: number;
}

export interface PtCodec {
  pt: number;
  codec: CodecSpec;
}

/** RFC 4733 telephone-event payload type of one side, at its clock rate. */
export interface DtmfPt {
  pt: number;
  clock: number;
}

/**
 * One direction's transcoding: RTP from the sender (decrypted, on the slot facing it) becomes RTP
 * toward the recipient (before protection, out of the sink slot). A slot without one forwards as it
 * always did (passthrough is the trivial handler).
 */
export interface DirectionConfig {
  /** Audio payload types the sender may send us and what they carry; anything else is a counted drop. */
  decoders: PtCodec[];
  /** The one audio codec the recipient gets (the first codec of its answer, or of the offer it was sent). */
  encoder: PtCodec;
  /**
   * Payload types that go to the recipient unchanged (same PT number and codec on both sides, and no
   * ptime change): no decode, no encode, only the output sequencer. telephone-event when both sides
   * have it at the same clock and PT belongs here too.
   */
  passthrough: number[];
  /** The sender's telephone-event payload types (one per clock rate it offered/answered). */
  dtmfIn: DtmfPt[];
  /**
   * The recipient's telephone-event PT at the encoder's clock rate: events from the sender are
   * re-timed onto it (PT and clock translated). null: events become in-band tones in the encoded audio.
   */
  dtmfOut: DtmfPt | null;
  /**
   * Detect in-band DTMF in the sender's decoded audio and send RFC 4733 events on dtmfOut (when the
   * sender has no telephone-event but the recipient has; rtpengine 10.5 does this when transcoding).
   */
  detectInband: boolean;
  /** The sender's CN (RFC 3389) payload types: comfort noise is generated into the audio. */
  cnIn: number[];
  /** The recipient's CN payload type at the encoder's clock (-1 = none): silence stays audio. */
  cnOut: number;
}

/**
 * Where a DirectionTranscoder puts what it makes: one finished RTP packet (header and payload, not
 * yet protected) at buf[off, off + len). The implementer copies the bytes before returning (the
 * transcoder reuses its buffer). Set once per transcoder, never a closure per packet.
 */
export interface RtpOut {
  sendRtp(buf: Buffer, off: number, len: number): void;
}
