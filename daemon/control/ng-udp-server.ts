/**
 * The ng control socket over UDP (`--listen-ng`): one datagram per request, reply to its source with
 * the same cookie. Garbage gets rtpengine's error reply (or, without a cookie, nothing) and never
 * takes the daemon down. Framing, cookie cache and dispatch live in the shared NgProcessor.
 *
 * IPv4 listeners use the batch I/O addon when it loads (ng-udp-batch.ts: recvmmsg/sendmmsg, one JS
 * callback per batch); IPv6 ones, all of them with RTPENGINE_TS_IO=dgram, and any the addon cannot
 * serve (other than for a bind error) use node:dgram.
 */
import * as dgram from 'node:dgram';
import { isIPv4 } from 'node:net';
import { ipLiteralLookup } from '../net/ip-literal-lookup.js';
import { u32ToIpv4 } from '../media/addr.js';
import { wantedBatchNative } from '../media/io.js';
import type { Logger } from '../log.js';
import { NgBatchSocket } from './ng-udp-batch.js';
import type { NgProcessor } from './ng-processor.js';

export class NgUdpServer {
  private socket: dgram.Socket | null = null;
  private batch: NgBatchSocket | null = null;
  private closed = false;

  constructor(
    private readonly address: string,
    private readonly port: number,
    private readonly ipv6Only: boolean,
    private readonly processor: NgProcessor,
    private readonly log: Logger,
  ) {}

  async listen(): Promise<void> {
    const native = isIPv4(this.address) ? wantedBatchNative().native : null;
    if (native) {
      try {
        this.batch = NgBatchSocket.open(native, this.address, this.port, {
          onMessage: (msg, addr, port) => this.answer(msg, `${u32ToIpv4(addr)}:${port}`, (reply) => this.batch!.send(reply, addr, port)),
          onSendError: (code) => this.log.error({ code }, 'ng reply send failed'),
        });
        this.log.info({ address: this.address, port: this.port }, 'Listening for ng commands (UDP)');
        return;
      } catch (err) {
        if ((err as { syscall?: string }).syscall === 'bind') throw err;
        this.log.warn({ err }, 'ng socket: batch I/O unavailable, using node:dgram');
      }
    }
    await this.listenDgram();
  }

  private listenDgram(): Promise<void> {
    // A bare port listens on 0.0.0.0 and on :: (IPv6 only), as rtpengine binds it.
    // Replies go to rinfo addresses (IP literals): no dns.lookup round per reply.
    const socket = dgram.createSocket({ type: this.address.includes(':') ? 'udp6' : 'udp4', reuseAddr: false, ipv6Only: this.ipv6Only, lookup: ipLiteralLookup });
    this.socket = socket;
    socket.on('message', (msg, rinfo) => this.answer(msg, `${rinfo.address}:${rinfo.port}`, (reply) => {
      socket.send(reply, rinfo.port, rinfo.address);
      return true;
    }));
    socket.on('error', (err) => this.log.error({ err }, 'ng socket error'));
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: this.address, port: this.port, exclusive: true }, () => {
        socket.off('error', reject);
        socket.setRecvBufferSize(4 * 1024 * 1024);
        this.log.info({ address: this.address, port: this.port }, 'Listening for ng commands (UDP)');
        resolve();
      });
    });
  }

  /** Runs one request and hands its reply (if any) to `send`, which returns false for one too large. */
  private answer(msg: Buffer, from: string, send: (reply: Buffer) => boolean): void {
    void this.processor.process(msg, from).then((reply) => {
      if (!reply || this.closed) return;
      try {
        if (!send(reply)) this.log.error({ bytes: reply.length }, 'ng reply too large to send');
      } catch (err) {
        this.log.error({ err }, 'ng reply send failed');
      }
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket?.close();
    this.batch?.close();
  }
}
