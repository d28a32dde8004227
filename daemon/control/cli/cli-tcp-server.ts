/**
 * `--listen-cli` (rtpengine's CLI port, what Debian's rtpengine-ctl connects to): TCP, one command
 * line per connection; the reply is written and the connection closed, which is how rtpengine-ctl
 * knows the reply is complete. More than 1024 bytes without a newline close the connection, as in
 * rtpengine 10.5.
 */
import * as net from 'node:net';
import type { ListenAddress } from '../../config/listen.js';
import type { Logger } from '../../log.js';
import { listenServer } from '../../net/listen-server.js';

const MAX_INPUT = 1024;

export class CliTcpServer {
  private readonly servers: net.Server[] = [];
  private readonly sockets = new Set<net.Socket>();
  private closed = false;

  constructor(
    private readonly listeners: readonly ListenAddress[],
    private readonly run: (line: string) => Promise<string>,
    private readonly log: Logger,
  ) {}

  async listen(): Promise<void> {
    for (const l of this.listeners) {
      const server = net.createServer((s) => this.onConnection(s));
      server.on('error', (err) => this.log.error({ err }, 'CLI listener error'));
      this.servers.push(server);
      await listenServer(server, l.address, l.port, l.ipv6Only);
      this.log.info({ address: l.address, port: l.port }, 'Listening for CLI commands (TCP)');
    }
  }

  private onConnection(s: net.Socket): void {
    const from = `${s.remoteAddress}:${s.remotePort}`;
    this.log.info(`New cli connection from ${from}`);
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => s.destroy());
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      const nl = buf.indexOf(0x0a);
      if (nl < 0) {
        if (buf.length > MAX_INPUT) {
          this.log.info(`Buffer length exceeded in CLI connection from ${from}`);
          s.destroy();
        }
        return;
      }
      s.off('data', onData);
      let line = buf.subarray(0, nl).toString('utf8');
      if (line.endsWith('\r')) line = line.slice(0, -1);
      this.log.info(`Got CLI command: ${line}`);
      void this.run(line).then(
        (reply) => { if (!s.destroyed) s.end(reply); },
        (err: unknown) => {
          this.log.error({ err, from }, 'CLI command failed');
          s.destroy();
        },
      );
    };
    s.on('data', onData);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.servers) s.close();
    for (const s of this.sockets) s.destroy();
  }
}
