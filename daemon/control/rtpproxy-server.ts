/**
 * rtpengine 10.5's two non-ng control listeners:
 *
 * - `--listen-udp` (RtpproxyUdpServer): the rtpproxy protocol, one command per datagram, the reply
 *   to its source. Replies to U/L/D/Q are kept in a cookie cache of this listener's own (a
 *   retransmission gets the same reply without running the command again), as rtpengine keeps one
 *   per UDP control socket, apart from the ng one.
 * - `--listen-tcp` (TcpControlServer): rtpengine's old line protocol (protocol/rtpproxy/tcp-line.ts),
 *   one command per connection.
 *
 * Control traffic, not media: node:dgram and node:net are fine here.
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { parseRtpproxyRequest, MAX_REQUEST_BYTES } from '../../protocol/rtpproxy/request.js';
import { MAX_TCP_LINE, parseTcpControlLine } from '../../protocol/rtpproxy/tcp-line.js';
import type { BEncodable } from '../../protocol/ng/bencode.js';
import { parseCallOptions } from '../../protocol/ng/call-options.js';
import type { CallManager } from '../call/call-manager.js';
import { ipLiteralLookup } from '../net/ip-literal-lookup.js';
import type { Logger } from '../log.js';
import { VERSION } from '../version.js';
import { CookieCache } from './cookie-cache.js';
import type { RtpproxyCommands } from './rtpproxy-commands.js';
import { listenServer } from '../net/listen-server.js';

export class RtpproxyUdpServer {
  private socket: dgram.Socket | null = null;
  private readonly cache = new CookieCache();
  private closed = false;

  constructor(
    private readonly address: string,
    private readonly port: number,
    private readonly ipv6Only: boolean,
    private readonly commands: RtpproxyCommands,
    private readonly log: Logger,
  ) {}

  listen(): Promise<void> {
    const socket = dgram.createSocket({ type: this.address.includes(':') ? 'udp6' : 'udp4', ipv6Only: this.ipv6Only, lookup: ipLiteralLookup });
    this.socket = socket;
    socket.on('message', (msg, rinfo) => this.answer(msg, rinfo.address, rinfo.port));
    socket.on('error', (err) => this.log.error({ err }, 'rtpproxy control socket error'));
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: this.address, port: this.port, exclusive: true }, () => {
        socket.off('error', reject);
        this.log.info({ address: this.address, port: this.port }, 'Listening for rtpproxy commands (UDP)');
        resolve();
      });
    });
  }

  private answer(msg: Buffer, address: string, port: number): void {
    const from = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
    if (msg.length > MAX_REQUEST_BYTES) {
      this.log.warn({ from, bytes: msg.length }, 'rtpproxy command too long, ignored');
      return;
    }
    const line = msg.toString('latin1');
    const req = parseRtpproxyRequest(line);
    const send = (reply: Buffer): void => {
      if (!this.closed) this.socket?.send(reply, port, address);
    };
    const cached = 'callId' in req ? this.cache.get(req.cookie) : undefined;
    if (cached) {
      this.log.info({ from, cookie: 'cookie' in req ? req.cookie : '' }, 'Detected rtpproxy command as a duplicate');
      cached.then(send, () => undefined);
      return;
    }
    if (req.kind !== 'none') this.log.info({ from, line: line.trimEnd() }, 'Got rtpproxy command');
    const result = this.commands.handle(req, from);
    const bytes = result.then((r) => {
      if (!r) throw new Error('no reply');
      return Buffer.from(r.reply, 'latin1');
    });
    if ('callId' in req && !this.closed) this.cache.set(req.cookie, bytes);
    bytes.then(send, () => undefined);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket?.close();
    this.cache.close();
  }
}

/** A connection with nothing read or written this long is closed (rtpengine: 60 s). */
const TCP_IDLE_MS = 60_000;

export class TcpControlServer {
  private server: net.Server | null = null;
  private readonly conns = new Set<net.Socket>();
  private closed = false;

  constructor(
    private readonly address: string,
    private readonly port: number,
    private readonly ipv6Only: boolean,
    private readonly calls: CallManager,
    private readonly log: Logger,
  ) {}

  async listen(): Promise<void> {
    const server = net.createServer((sock) => this.accept(sock));
    this.server = server;
    await listenServer(server, this.address, this.port, this.ipv6Only);
    server.on('error', (err) => this.log.error({ err }, 'TCP control socket error'));
    this.log.info({ address: this.address, port: this.port }, 'Listening for TCP control commands');
  }

  private accept(sock: net.Socket): void {
    const from = `${sock.remoteAddress}:${sock.remotePort}`;
    this.log.info({ from }, 'New TCP control connection');
    this.conns.add(sock);
    sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
    sock.on('close', () => {
      this.conns.delete(sock);
      this.log.info({ from }, 'TCP control connection closed');
    });
    sock.on('error', () => undefined);
    let buf = '';
    let busy = false;
    sock.on('data', (chunk: Buffer) => {
      if (busy) return;
      buf += chunk.toString('latin1');
      const nl = buf.indexOf('\n');
      if (nl < 0) {
        if (buf.length > MAX_TCP_LINE) {
          this.log.warn({ from }, 'Buffer length exceeded in TCP control connection');
          sock.destroy();
        }
        return;
      }
      // Every line rtpengine handles ends the connection, so only the first one counts.
      busy = true;
      void this.run(buf.slice(0, nl), from).then((out) => sock.end(out), () => sock.destroy());
    });
  }

  private async run(line: string, from: string): Promise<string> {
    const cmd = parseTcpControlLine(line);
    if (cmd.kind === 'invalid') {
      this.log.warn({ from, line }, 'Unable to parse TCP control command line');
      return '';
    }
    this.log.info({ from, line }, 'Got TCP control command');
    switch (cmd.kind) {
      case 'version': return `Version: ${VERSION}\n`;
      case 'controls': return `${[...this.conns].map((s) => `${s.remoteAddress}:${s.remotePort}\n`).join('')}End.\n`;
      case 'status': return this.status();
      case 'delete':
        await this.calls.delete(parseCallOptions(new Map([['call-id', Buffer.from(cmd.callId)]])));
        return '';
      case 'request': case 'lookup':
        // The mediaproxy-ng era request/lookup (several streams, `info=` tags) is not implemented;
        // rtpengine 10.5 itself accepts these lines but answers nothing.
        this.log.warn({ from }, `TCP control '${cmd.kind}' is not supported`);
        return '';
      default: return '';
    }
  }

  /** `proxy <calls> <bytes>/0/0` then `session <call-id> - - - - <age>` per call, as rtpengine. */
  private status(): string {
    const ids = this.calls.list(Infinity);
    const now = Math.floor(Date.now() / 1000);
    let bytes = 0;
    const sessions: string[] = [];
    for (const id of ids) {
      let q: Map<string, BEncodable>;
      try {
        q = this.calls.query(parseCallOptions(new Map([['call-id', Buffer.from(id)]])));
      } catch {
        continue;
      }
      const created = q.get('created');
      const totals = q.get('totals') as Map<string, BEncodable> | undefined;
      for (const k of ['RTP', 'RTCP']) {
        const b = (totals?.get(k) as Map<string, BEncodable> | undefined)?.get('bytes');
        if (typeof b === 'number') bytes += b;
      }
      sessions.push(`session ${id} - - - - ${typeof created === 'number' ? now - created : 0}\n`);
    }
    return `proxy ${sessions.length} ${bytes}/0/0\n${sessions.join('')}`;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.conns) s.destroy();
    this.server?.close();
  }
}
