/**
 * One media section (m= line, by 1-based index) of one participant: what that participant said in
 * its SDP, and the local streams that face it (their ports are the ones written into SDP sent to it).
 */
import type { Codec, Direction, SdpMedia } from '../../protocol/sdp/types.js';
import type { Endpoint, PacketStream } from './stream.js';

export class CallMedia {
  type = '';
  protocol = '';
  /** Codecs this participant offered/answered, after codec operations. */
  codecs: Codec[] = [];
  /** Codecs in the last SDP we sent to this participant (an answer from it may only use those PTs). */
  sentCodecs: Codec[] | null = null;
  direction: Direction = 'sendrecv';
  /** Participant sent c=0.0.0.0 (old-style hold). */
  zeroAddress = false;
  /** Participant's SDP offered or accepted rtcp-mux. */
  rtcpMuxOffered = false;
  /** rtcp-mux in effect towards this participant (single socket). */
  rtcpMux = false;
  ptime: number | undefined;
  mid: string | undefined;
  /** Port 0 in this participant's SDP: rejected, no sockets. */
  rejected = false;
  /** Where this participant said it receives RTP and RTCP (null: zero address or not yet known). */
  remote: { rtp: Endpoint; rtcp: Endpoint } | null = null;
  rtp: PacketStream | null = null;
  rtcp: PacketStream | null = null;
  lastSdp: SdpMedia | null = null;

  constructor(readonly index: number) {}

  streams(): PacketStream[] {
    const s: PacketStream[] = [];
    if (this.rtp) s.push(this.rtp);
    if (this.rtcp) s.push(this.rtcp);
    return s;
  }
}
