/**
 * One media section (m= line, by 1-based index) of one participant: what that participant said in
 * its SDP, and the local streams that face it (their ports are the ones written into SDP sent to it).
 */
import type { Codec, Direction } from '../../protocol/sdp/types.js';
import type { RtcpMuxOption } from '../../protocol/ng/call-options.js';
import type { MediaIce } from '../../protocol/sdp/ice.js';
import type { SlotSrtp } from '../media/messages.js';
import type { SdesCrypto } from '../../protocol/sdp/crypto.js';
import type { Fingerprint, SetupRole } from '../../protocol/sdp/dtls-attrs.js';
import type { DirectionConfig } from '../../transcode/types.js';
import type { CodecOffer } from '../../protocol/sdp/codec-flags.js';
import { PacketStream, type Endpoint, type StreamReleaser } from './stream.js';

/** Shared by every media without rtcp-mux options (a Set each was ~150 bytes per media). */
export const NO_MUX_OPTIONS: ReadonlySet<RtcpMuxOption> = new Set();

/** Shared by every media without SDES (most of them). Never mutated: replaced by a new array. */
export const NO_CRYPTO: readonly SdesCrypto[] = Object.freeze([]) as readonly SdesCrypto[];

/** See CallMedia.dtls. */
export interface DtlsMediaState {
  /** Our role: `active` = we are the DTLS client (RFC 5763 §5, a=setup:active written by us). */
  role: 'active' | 'passive';
  /** a=fingerprint of this participant (hash function name as in SDP, lower case; value as written). */
  peerFingerprint: { hash: string; value: string } | null;
}

/** ICE toward one participant (daemon/call/ice-negotiate.ts). */
export interface IceMediaState {
  /** Our credentials toward it (RFC 8839 §5.4), kept until an ICE restart. */
  ufrag: string;
  pwd: string;
  /** We act as an ICE-lite agent toward it (`ICE-lite`). */
  lite: boolean;
  /**
   * Our agent's initial role (RFC 8445 §6.1.1): controlling toward the participant we offered to,
   * controlled toward the one that offered to us; a lite peer makes us controlling (the agent does).
   */
  controlling: boolean;
}

export class CallMedia {
  type = '';
  protocol = '';
  /** The protocol of the last offer we wrote to this participant (for `transport-protocol=accept`). */
  offeredProtocol = '';
  /** This participant's own SDP for this section has been seen (rtpengine's "initialized"). */
  initialized = false;
  /** Codecs this participant offered/answered, after codec operations. */
  codecs: Codec[] = [];
  /** Codecs in the last SDP we sent to this participant (an answer from it may only use those PTs). */
  sentCodecs: Codec[] | null = null;
  /**
   * The codec flags' outcome of the last offer made *to* this participant (and that offer's `ptime` /
   * `ptime-reverse`, and the codecs of its first answer to it): its answer is handled with it
   * (daemon/call/codec-negotiate.ts).
   */
  codecOffer: (CodecOffer & { ptime: number | undefined; ptimeReverse: number | undefined; answered: Codec[] | null }) | null = null;
  direction: Direction = 'sendrecv';
  /** Participant sent c=0.0.0.0 (old-style hold). */
  zeroAddress = false;
  /** Participant's SDP offered or accepted rtcp-mux. */
  rtcpMuxOffered = false;
  /** rtcp-mux in effect towards this participant (single socket). */
  rtcpMux = false;
  /**
   * rtcp-mux options given with the last offer made *to* this participant; its answer is handled with
   * them. Per answering branch, as rtpengine 10.5 does: when one from-tag offers to two via-branches
   * with different options, an answer from either branch follows the offer that branch got.
   */
  muxOptionsOfferedToIt: ReadonlySet<RtcpMuxOption> = NO_MUX_OPTIONS;
  /** The last offer we wrote to this participant offered rtcp-mux. */
  muxOfferedToIt = false;
  /** ptime-reverse requested with this participant's offer: written into the answer to it. */
  ptimeReverse: number | undefined;
  ptime: number | undefined;
  mid: string | undefined;
  /**
   * `media-echo` (rtpengine's ECHO / BLACKHOLE media flags): what becomes of the media this
   * participant sends — relayed to the other side, sent back to it, or dropped. Set by the offer or
   * answer that carries the key and kept until another one does.
   */
  echo: 'relay' | 'echo' | 'blackhole' = 'relay';
  /**
   * SRTP keys of this participant's streams (SlotSrtp: `rx` = what it sends us, `tx` = what we send
   * it), set by SDES negotiation or a finished DTLS handshake; null = plain RTP both ways.
   */
  srtp: SlotSrtp | null = null;
  /**
   * DTLS-SRTP without rtcp-mux: the keys of the RTCP socket's own handshake (RFC 5764 §4, one DTLS
   * association per component, as rtpengine does), null until it completes; `srtp` then serves
   * the RTCP socket. SDES never sets it.
   */
  rtcpSrtp: SlotSrtp | null = null;
  /**
   * DTLS-SRTP towards this participant (RFC 5763): our role on its socket and the certificate
   * fingerprint its SDP announced; null = no DTLS with it. Set by SDP negotiation, read by the DTLS
   * layer (MediaContext.dtls) which runs the handshake and then sets `srtp`.
   */
  dtls: DtlsMediaState | null = null;
  /** The SRTP keys of this media's finished DTLS handshake (RTP component), null until then. */
  dtlsKeys: SlotSrtp | null = null;
  /** SDES (RFC 4568): the valid a=crypto lines of this participant's last SDP (its keys), in its order. */
  sdesIn: readonly SdesCrypto[] = NO_CRYPTO;
  /**
   * SDES: the a=crypto lines we wrote to this participant (our keys): every suite we offered until
   * its answer picks one, then that one (kept for re-offers, as rtpengine does); in an answer to it
   * the one we chose.
   */
  sdesOut: readonly SdesCrypto[] = NO_CRYPTO;
  /** a=setup and a=fingerprint of this participant's last SDP (RFC 5763 §5). */
  peerSetup: SetupRole | undefined;
  peerFingerprint: Fingerprint | null = null;
  /**
   * Its DTLS role is open: we offered it a=setup:actpass, or it offered us actpass, and the answer
   * has not come yet (query reports both roles then, as rtpengine does).
   */
  dtlsPending = false;
  /** Its SRTP SDP had a=crypto but no a=fingerprint: no DTLS is offered to it (rtpengine 10.5). */
  dtlsRefused = false;
  /** Its own SRTP offer had no a=crypto (DTLS only): no SDES is offered to it (rtpengine 10.5). */
  sdesDeclined = false;
  /** DTLS role asked for towards this participant (`DTLS` / `DTLS-reverse`), kept until changed. */
  dtlsWanted: 'active' | 'passive' | undefined;
  /** Our ICE toward this participant (we wrote our credentials and candidates to it); null = none. */
  ice: IceMediaState | null = null;
  /** This participant's own ICE from its last SDP (credentials, candidates, lite, trickle); null = none. */
  iceRemote: MediaIce | null = null;
  /** The remote transport address ICE selected per component (RTP, RTCP), null until nominated. */
  readonly iceSelected: [Endpoint | null, Endpoint | null] = [null, null];
  /** `reject-ICE` in this participant's offer: the answer to it gets no ICE by default. */
  iceRejected = false;
  /** `ICE-lite=backward|both` in this participant's offer: we act lite toward it in the answer. */
  iceLiteBackward = false;
  /**
   * What becomes of the RTP this participant sends on its way to the other side when the two do not
   * share a codec (or a flag forces transcoding, or ptime changes): set by codec negotiation once both
   * sides' codecs are known (daemon/call/codec-negotiate.ts), carried to the worker with the RTP
   * slot's configuration. null = relayed unchanged.
   */
  transcode: DirectionConfig | null = null;
  /**
   * Either direction of this section is transcoded (this media's `transcode` or its peer's): query's
   * `transcoding` media flag and `statistics` transcodedmedia, as rtpengine marks both medias.
   */
  transcoding = false;
  /** Port 0 in this participant's SDP: rejected, no sockets. */
  rejected = false;
  /** Where this participant said it receives RTP and RTCP (null: zero address or not yet known). */
  remote: { rtp: Endpoint; rtcp: Endpoint } | null = null;
  readonly rtp: PacketStream;
  readonly rtcp: PacketStream;

  constructor(readonly index: number, now: number, private readonly releaser: StreamReleaser) {
    this.rtp = new PacketStream(1, now);
    this.rtcp = new PacketStream(2, now);
  }

  /**
   * Closes both sockets (idempotent). The media stays with its frozen counters (query lists it
   * without local port) and gets new sockets if a later SDP needs them.
   */
  close(): void {
    this.releaser.release(this.streams());
  }

  streams(): PacketStream[] {
    return [this.rtp, this.rtcp];
  }

  get hasSockets(): boolean {
    return this.rtp.sock !== null;
  }
}
