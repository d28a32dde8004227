/** A small ng client over UDP for tests: bencode requests with fresh cookies, decoded replies. */
import * as dgram from 'node:dgram';
import { bdecode, bencode, type BEncodable, type BValue } from '../../protocol/ng/bencode.js';

export type Reply = Map<string, BValue>;

export class NgClient {
  private readonly sock: dgram.Socket;
  private seq = 0;
  private readonly waiting = new Map<string, (b: Buffer) => void>();
  private readonly prefix = `t${process.pid}_${Math.floor(Math.random() * 1e6)}`;

  constructor(readonly port: number, readonly host = '127.0.0.1') {
    this.sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    this.sock.on('message', (msg) => {
      const sp = msg.indexOf(0x20);
      const cookie = msg.subarray(0, sp).toString('latin1');
      const w = this.waiting.get(cookie);
      if (w) {
        this.waiting.delete(cookie);
        w(msg.subarray(sp + 1));
      }
    });
  }

  /** Sends raw bytes with the given cookie and resolves with the raw reply payload. */
  raw(cookie: string, payload: Buffer | string, timeoutMs = 3000): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiting.delete(cookie);
        reject(new Error(`ng timeout for cookie ${cookie}`));
      }, timeoutMs);
      this.waiting.set(cookie, (b) => { clearTimeout(t); resolve(b); });
      const body = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
      this.sock.send(Buffer.concat([Buffer.from(`${cookie} `, 'latin1'), body]), this.port, this.host);
    });
  }

  /** Sends a datagram and expects no reply within `ms`. */
  async silent(data: Buffer | string, ms = 300): Promise<void> {
    this.sock.send(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, this.port, this.host);
    await new Promise((r) => setTimeout(r, ms));
  }

  async request(dict: Record<string, BEncodable> | Map<string, BEncodable>, cookie?: string): Promise<Reply> {
    const c = cookie ?? `${this.prefix}_${++this.seq}`;
    const reply = bdecode(await this.raw(c, bencode(dict)));
    if (!(reply instanceof Map)) throw new Error('reply is not a dict');
    return reply;
  }

  close(): void {
    this.sock.close();
  }
}

/** Reads a string value out of a decoded reply. */
export function str(v: BValue | undefined): string {
  if (!Buffer.isBuffer(v)) throw new Error(`expected a string, got ${String(v)}`);
  return v.toString('latin1');
}

export function dict(v: BValue | undefined): Reply {
  if (!(v instanceof Map)) throw new Error('expected a dict');
  return v;
}
