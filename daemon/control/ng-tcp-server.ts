/**
 * ng over TCP (`--listen-tcp-ng`, spec §1.1/§1.5): the same `<cookie> SP <bencode>` messages as over
 * UDP, back to back on a stream, delimited only by the bencode structure (protocol/ng/stream-framing.ts).
 * Replies are written to the connection in request order.
 *
 * Behaviour of rtpengine 10.5 reproduced (checked against the real daemon on loopback):
 * * several messages in one read, or a message split over several reads, are fine; a CRLF or other
 *   bytes between messages become part of the next cookie;
 * * JSON payloads are never framed, so they get no reply; neither does garbage;
 * * a message with an empty cookie is consumed silently, like on UDP;
 * * the connection is closed (no reply) once more than 1024 bytes that cannot yet be cut into a message
 *   are buffered — garbage, JSON, a cookie with no space, malformed bencode;
 * * no idle timeout, one shared cookie cache with the other transports.
 *
 * Deliberate difference: the real daemon also closes the connection when a *well-formed* message is still
 * incomplete and more than 1024 bytes of it have arrived (a large SDP that reaches it in two TCP reads
 * some time apart). Here a valid message prefix may grow up to MAX_MESSAGE_BYTES, so large offers survive
 * TCP segmentation (the real daemon loses a 10 MB message sent in one write this way; 1 MB passes).
 * After the client half-closes, replies to what it sent are still written before closing (the real
 * daemon does this too unless the request bytes and the FIN arrive in the same read, a race).
 */
import * as net from 'node:net';
import { scanNgFrame } from '../../protocol/ng/stream-framing.js';
import type { Logger } from '../log.js';
import type { NgProcessor } from './ng-processor.js';
import { listenServer } from '../net/listen-server.js';

/** rtpengine's limit for buffered bytes that do not (yet) form a message. */
export const MAX_UNFRAMED_BYTES = 1024;
/** Upper bound for one well-formed message still being received. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** A client that does not read its replies is dropped beyond this much queued output. */
const MAX_QUEUED_OUTPUT = 16 * 1024 * 1024;

class NgTcpConnection {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** No message can be complete before this many bytes are buffered. */
  private needed = 0;
  /** Whether the buffered bytes can still become a message. */
  private validPrefix = true;
  private scheduled = false;
  private tail: Promise<void> = Promise.resolve();
  private ended = false;
  private readonly from: string;

  constructor(
    private readonly socket: net.Socket,
    private readonly processor: NgProcessor,
    private readonly log: Logger,
  ) {
    this.from = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('end', () => this.onEnd());
    socket.on('error', (err) => this.log.debug({ err, from: this.from }, 'TCP control ng connection error'));
  }

  private onData(d: Buffer): void {
    if (this.ended) return;
    this.chunks.push(d);
    this.buffered += d.length;
    // Cut messages once per batch of reads (as rtpengine does after reading all that is available),
    // not once per chunk.
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.drain();
      });
    }
  }

  private drain(): void {
    if (this.socket.destroyed || this.ended) return;
    if (this.buffered < this.needed) {
      this.checkLimit();
      return;
    }
    let buf = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    for (;;) {
      const r = scanNgFrame(buf);
      if (r.kind === 'message') {
        this.dispatch(Buffer.from(buf.subarray(0, r.length)));
        buf = buf.subarray(r.length);
        continue;
      }
      if (r.kind === 'incomplete') {
        this.needed = r.needed;
        this.validPrefix = !r.inCookie && r.needed <= MAX_MESSAGE_BYTES;
      } else {
        this.needed = Infinity;
        this.validPrefix = false;
      }
      break;
    }
    this.chunks = buf.length > 0 ? [buf] : [];
    this.buffered = buf.length;
    this.checkLimit();
  }

  private checkLimit(): void {
    const limit = this.validPrefix ? MAX_MESSAGE_BYTES : MAX_UNFRAMED_BYTES;
    if (this.buffered > limit) {
      this.log.warn({ from: this.from, buffered: this.buffered }, 'Buffer length exceeded in control connection');
      this.closeAfterReplies();
    }
  }

  /** Stops reading; replies to the messages already cut are still sent, then the connection closes. */
  private closeAfterReplies(): void {
    if (this.ended) return;
    this.ended = true;
    this.chunks = [];
    this.buffered = 0;
    this.socket.pause();
    void this.tail.then(() => {
      if (!this.socket.destroyed) this.socket.end(() => this.socket.destroy());
    });
  }

  private dispatch(msg: Buffer): void {
    this.log.debug({ from: this.from, bytes: msg.length }, 'Got control ng message (TCP)');
    const reply = this.processor.process(msg, this.from);
    this.tail = this.tail.then(() => reply).then((r) => {
      if (r) this.write(r);
    });
  }

  private write(data: Buffer): void {
    const s = this.socket;
    if (s.destroyed || !s.writable) return;
    s.write(data);
    if (s.writableLength > MAX_QUEUED_OUTPUT) {
      this.log.warn({ from: this.from }, 'TCP control ng client does not read its replies; closing');
      s.destroy();
    }
  }

  private onEnd(): void {
    if (this.ended) return;
    if (this.buffered > 0) {
      this.needed = 0;
      this.drain();
    }
    this.closeAfterReplies();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export class NgTcpServer {
  private readonly server: net.Server;
  private readonly connections = new Set<NgTcpConnection>();
  private closed = false;

  constructor(
    private readonly address: string,
    private readonly port: number,
    private readonly ipv6Only: boolean,
    private readonly processor: NgProcessor,
    private readonly log: Logger,
  ) {
    this.server = net.createServer({ allowHalfOpen: true }, (socket) => this.onConnection(socket));
    this.server.on('error', (err) => this.log.error({ err }, 'TCP ng listener error'));
  }

  async listen(): Promise<void> {
    await listenServer(this.server, this.address, this.port, this.ipv6Only);
    this.log.info({ address: this.address, port: this.port }, 'Listening for ng commands (TCP)');
  }

  private onConnection(socket: net.Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    const conn = new NgTcpConnection(socket, this.processor, this.log);
    this.connections.add(conn);
    this.log.info({ from: `${socket.remoteAddress}:${socket.remotePort}` }, 'New TCP control ng connection');
    socket.on('close', () => this.connections.delete(conn));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.close();
    for (const c of this.connections) c.destroy();
    this.connections.clear();
  }
}
