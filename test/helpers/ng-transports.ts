/** Test clients for ng over TCP, HTTP and WebSocket (the UDP one is ng-client.ts). */
import * as http from 'node:http';
import * as net from 'node:net';
import WebSocket from 'ws';
import { bdecode, bencodeWithPrefix, type BEncodable } from '../../protocol/ng/bencode.js';
import type { Reply } from './ng-client.js';

export async function freeTcpPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export function ngBytes(cookie: string, dict: Record<string, BEncodable>): Buffer {
  return bencodeWithPrefix(`${cookie} `, dict);
}

/** Splits `<cookie> SP <bencode dict>` and decodes the dict. */
export function decodeReply(msg: Buffer, cookie: string): Reply {
  const prefix = `${cookie} `;
  const head = msg.subarray(0, prefix.length).toString('latin1');
  if (head !== prefix) throw new Error(`reply for another cookie: ${msg.toString('latin1').slice(0, 80)}`);
  const v = bdecode(msg.subarray(prefix.length));
  if (!(v instanceof Map)) throw new Error('reply is not a dict');
  return v;
}

/** A raw TCP connection that records everything received and whether the server closed it. */
export class TcpConn {
  private data = Buffer.alloc(0);
  closed = false;
  private waiters: (() => void)[] = [];

  private constructor(readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => { this.data = Buffer.concat([this.data, d]); this.wake(); });
    sock.on('close', () => { this.closed = true; this.wake(); });
    sock.on('error', () => undefined);
  }

  static async open(port: number, host = '127.0.0.1'): Promise<TcpConn> {
    const sock = net.connect({ port, host, noDelay: true });
    await new Promise<void>((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
    return new TcpConn(sock);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  write(b: Buffer | string): Promise<void> {
    return new Promise((resolve) => this.sock.write(typeof b === 'string' ? Buffer.from(b, 'latin1') : b, () => resolve()));
  }

  received(): Buffer {
    return this.data;
  }

  /** Waits until `pred` holds for the bytes received so far (or the connection closed). */
  async until(pred: (b: Buffer) => boolean, ms = 3000): Promise<Buffer> {
    const deadline = Date.now() + ms;
    while (!pred(this.data)) {
      if (this.closed) throw new Error(`connection closed; got ${JSON.stringify(this.data.toString('latin1').slice(0, 200))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout; got ${JSON.stringify(this.data.toString('latin1').slice(0, 200))}`);
      await new Promise<void>((r) => { const t = setTimeout(r, left); this.waiters.push(() => { clearTimeout(t); r(); }); });
    }
    return this.data;
  }

  /** Resolves true once the server closed the connection, false after `ms`. */
  async closedWithin(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.closed && Date.now() < deadline) {
      await new Promise<void>((r) => { const t = setTimeout(r, deadline - Date.now()); this.waiters.push(() => { clearTimeout(t); r(); }); });
    }
    return this.closed;
  }

  /** Sends one request and returns its decoded reply (which must be the next bytes on the stream). */
  async request(cookie: string, dict: Record<string, BEncodable>): Promise<Reply> {
    const start = this.data.length;
    await this.write(ngBytes(cookie, dict));
    const buf = await this.until((b) => {
      if (b.length <= start + cookie.length + 1) return false;
      try {
        decodeReply(b.subarray(start), cookie);
        return true;
      } catch {
        return false;
      }
    });
    return decodeReply(buf.subarray(start), cookie);
  }

  close(): void {
    this.sock.destroy();
  }
}

export interface RawHttpResponse {
  status: number;
  statusMessage: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** An HTTP request with node:http (fetch refuses rtpengine's status 600). */
export function httpRequest(port: number, method: string, path: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<RawHttpResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, statusMessage: res.statusMessage ?? '', headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A WebSocket ng client; collects every message received. */
export class WsNg {
  readonly messages: { data: Buffer; binary: boolean }[] = [];
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      this.messages.push({ data: buf, binary: isBinary });
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    });
    ws.on('error', () => undefined);
  }

  static open(port: number, protocols: string[] = ['ng.rtpengine.com'], path = '/'): Promise<WsNg> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, protocols);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new WsNg(ws)));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`unexpected response ${res.statusCode}`)));
    });
  }

  /** Waits for the n-th message (0-based). */
  async nth(n: number, ms = 3000): Promise<{ data: Buffer; binary: boolean }> {
    const deadline = Date.now() + ms;
    while (this.messages.length <= n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no WebSocket message #${n} (have ${this.messages.length})`);
      await new Promise<void>((r) => { const t = setTimeout(r, left); this.waiters.push(() => { clearTimeout(t); r(); }); });
    }
    return this.messages[n]!;
  }

  async request(cookie: string, dict: Record<string, BEncodable>, binary = true): Promise<Reply> {
    const n = this.messages.length;
    const msg = ngBytes(cookie, dict);
    this.ws.send(binary ? msg : msg.toString('latin1'), { binary });
    return decodeReply((await this.nth(n)).data, cookie);
  }

  close(): void {
    this.ws.terminate();
  }
}
