/**
 * The ng control socket over UDP (`--listen-ng`): one datagram per request, reply to its source with
 * the same cookie. Garbage gets rtpengine's error reply (or, without a cookie, nothing) and never
 * takes the daemon down. Framing, cookie cache and dispatch live in the shared NgProcessor.
 */
import * as dgram from 'node:dgram';
import { ipLiteralLookup } from '../net/ip-literal-lookup.js';
import type { Logger } from '../log.js';
import type { NgProcessor } from './ng-processor.js';

export class NgUdpServer {
  private readonly socket: dgram.Socket;
  private closed = false;

  constructor(
    private readonly address: string,
    private readonly port: number,
    ipv6Only: boolean,
    private readonly processor: NgProcessor,
    private readonly log: Logger,
  ) {
    // A bare port listens on 0.0.0.0 and on :: (IPv6 only), as rtpengine binds it.
    // Replies go to rinfo addresses (IP literals): no dns.lookup round per reply.
    this.socket = dgram.createSocket({ type: address.includes(':') ? 'udp6' : 'udp4', reuseAddr: false, ipv6Only, lookup: ipLiteralLookup });
    this.socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
    this.socket.on('error', (err) => this.log.error({ err }, 'ng socket error'));
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind({ address: this.address, port: this.port, exclusive: true }, () => {
        this.socket.off('error', reject);
        this.socket.setRecvBufferSize(4 * 1024 * 1024);
        this.log.info({ address: this.address, port: this.port }, 'Listening for ng commands (UDP)');
        resolve();
      });
    });
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    void this.processor.process(msg, `${rinfo.address}:${rinfo.port}`).then((reply) => {
      if (reply) this.send(reply, rinfo);
    });
  }

  private send(reply: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.closed) return;
    try {
      this.socket.send(reply, rinfo.port, rinfo.address);
    } catch (err) {
      this.log.error({ err }, 'ng reply send failed');
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
  }
}
