/** A UDP endpoint standing in for a phone: sends RTP/RTCP and collects what arrives. */
import * as dgram from 'node:dgram';

export class RtpPeer {
  readonly sock = dgram.createSocket('udp4');
  readonly received: { data: Buffer; from: dgram.RemoteInfo }[] = [];

  static async open(port = 0): Promise<RtpPeer> {
    const p = new RtpPeer();
    p.sock.on('message', (data, from) => p.received.push({ data, from }));
    await new Promise<void>((resolve, reject) => {
      p.sock.once('error', reject);
      p.sock.bind(port, '127.0.0.1', () => { p.sock.off('error', reject); resolve(); });
    });
    return p;
  }

  /**
   * A peer on a fixed port named by a golden transcript's SDP. Such ports lie in Linux's ephemeral
   * range (32768–60999), where any socket bound to port 0 may hold one for a moment: retry briefly.
   */
  static async openFixed(port: number): Promise<RtpPeer> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await RtpPeer.open(port);
      } catch (e) {
        if (attempt >= 40) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Two peers on consecutive ports (RTP even, RTCP = RTP + 1), as a phone binds them. */
  static async pair(): Promise<[RtpPeer, RtpPeer]> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const base = 20000 + 2 * Math.floor(Math.random() * 4000);
      try {
        const rtp = await RtpPeer.open(base);
        try {
          return [rtp, await RtpPeer.open(base + 1)];
        } catch {
          rtp.close();
        }
      } catch { /* taken, try another */ }
    }
    throw new Error('no free port pair');
  }

  get port(): number {
    return this.sock.address().port;
  }

  send(data: Buffer, port: number, host = '127.0.0.1'): void {
    this.sock.send(data, port, host);
  }

  async waitFor(count: number, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }

  close(): void {
    this.sock.close();
  }
}

/** An RTP packet (RFC 3550 §5.1): V=2, given PT, seq, timestamp, SSRC, and a payload. */
export function rtpPacket(pt: number, seq: number, ts: number, ssrc: number, payloadLen = 160): Buffer {
  const b = Buffer.alloc(12 + payloadLen, 0xd5);
  b[0] = 0x80;
  b[1] = pt & 0x7f;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  return b;
}

/** An empty RTCP receiver report (RFC 3550 §6.4.2): V=2, RC=0, PT=201, length 1. */
export function rtcpRr(ssrc: number): Buffer {
  const b = Buffer.alloc(8);
  b[0] = 0x80;
  b[1] = 201;
  b.writeUInt16BE(1, 2);
  b.writeUInt32BE(ssrc >>> 0, 4);
  return b;
}
