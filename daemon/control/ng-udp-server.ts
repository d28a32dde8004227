/**
 * The ng control socket over UDP (`--listen-ng`): one datagram per request, reply to its source with
 * the same cookie. Garbage gets rtpengine's error reply (or, without a cookie, nothing) and never
 * takes the daemon down.
 */
import * as dgram from 'node:dgram';
import { encodeNgReply, errorReply, parseNgDatagram } from '../../protocol/ng/message.js';
import type { Logger } from '../log.js';
import { CookieCache } from './cookie-cache.js';
import type { NgCommands } from './ng-commands.js';

export class NgUdpServer {
  private readonly socket: dgram.Socket;
  private readonly cache = new CookieCache();
  private closed = false;

  constructor(
    private readonly address: string,
    private readonly port: number,
    ipv6Only: boolean,
    private readonly commands: NgCommands,
    private readonly log: Logger,
  ) {
    // A bare port listens on 0.0.0.0 and on :: (IPv6 only), as rtpengine binds it.
    this.socket = dgram.createSocket({ type: address.includes(':') ? 'udp6' : 'udp4', reuseAddr: false, ipv6Only });
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
    try {
      this.process(msg, rinfo);
    } catch (err) {
      // Last line of defence: a bad datagram must never take the control socket down.
      this.log.error({ err, from: `${rinfo.address}:${rinfo.port}` }, 'Failed to process ng datagram');
    }
  }

  private process(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const req = parseNgDatagram(msg);
    if (req.kind === 'no-cookie') {
      this.log.warn({ from: `${rinfo.address}:${rinfo.port}` }, 'Received invalid ng data (no cookie)');
      return;
    }
    const cached = this.cache.get(req.cookie);
    if (cached) {
      this.log.debug({ cookie: req.cookie }, 'Detected command from cookie cache');
      void cached.then((reply) => this.send(reply, rinfo));
      return;
    }
    const reply: Promise<Buffer> = req.kind === 'error'
      ? Promise.resolve(encodeNgReply(req.cookie, req.format, errorReply(req.reason)))
      : this.commands.handle(req.dict).then((d) => encodeNgReply(req.cookie, req.format, d));
    this.cache.set(req.cookie, reply);
    reply.then((r) => this.send(r, rinfo), (err: unknown) => this.log.error({ err }, 'ng reply failed'));
  }

  private send(reply: Buffer, rinfo: dgram.RemoteInfo): void {
    if (!this.closed) this.socket.send(reply, rinfo.port, rinfo.address);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cache.close();
    this.socket.close();
  }
}
