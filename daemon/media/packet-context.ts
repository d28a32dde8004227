/**
 * The one packet a media worker is working on. There is exactly one of these per worker, reused for
 * every datagram (no allocation per packet): the receive path fills it, and every stage of the
 * pipeline (pipeline.ts) reads it and may rewrite it — a stage that decrypts, encrypts or transcodes
 * changes `buf`/`off`/`len` in place or points them at the I/O backend's output area (io.ts out()).
 *
 * Like rtpengine's packet handler context in media_socket.c (one struct through stream_packet()),
 * but with fields of fixed types so V8 keeps one hidden class and stores numbers unboxed.
 */
import { PKT_UNKNOWN } from '../../protocol/demux.js';
import type { Addr } from './io.js';

export class PacketContext {
  /** Slot (socket) the datagram arrived on. */
  slot = -1;
  /** Where the packet's bytes are now: the backend's receive area or datagram, or its output area. */
  buf: Buffer = Buffer.alloc(0);
  off = 0;
  len = 0;
  /** Source of the datagram, in the backend's address form (io.ts). */
  srcAddr: Addr = '';
  srcPort = 0;
  /** First-byte class (protocol/demux.ts: PKT_RTP, PKT_RTCP, PKT_STUN, ...). */
  cls = PKT_UNKNOWN;
  /** RTP payload type (RTP only, else -1). */
  pt = -1;
  /** RTP SSRC, or the RTCP sender's SSRC (u32; meaningful for PKT_RTP / PKT_RTCP). */
  ssrc = 0;
  /** Slot whose socket and endpoint the packet leaves through (-1: none chosen). */
  out = -1;

  /** Takes a new datagram; everything a stage may have set for the previous one is reset. */
  begin(slot: number, buf: Buffer, off: number, len: number, addr: Addr, port: number): void {
    this.slot = slot;
    this.buf = buf;
    this.off = off;
    this.len = len;
    this.srcAddr = addr;
    this.srcPort = port;
    this.cls = PKT_UNKNOWN;
    this.pt = -1;
    this.ssrc = 0;
    this.out = -1;
  }
}
