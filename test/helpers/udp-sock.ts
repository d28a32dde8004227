/** A loopback UDP socket that keeps every datagram it gets, for the DTLS tests' peers. */
import { execFileSync } from 'node:child_process';
import * as dgram from 'node:dgram';

export class Sock {
  readonly s = dgram.createSocket('udp4');
  readonly got: Buffer[] = [];
  port = 0;
  async open(): Promise<this> {
    await new Promise<void>((r) => this.s.bind(0, '127.0.0.1', () => r()));
    this.port = this.s.address().port;
    this.s.on('message', (m) => this.got.push(m));
    return this;
  }
  send(b: Uint8Array, port: number): void {
    this.s.send(b, port, '127.0.0.1');
  }
  close(): void {
    this.s.close();
  }
}

/** Whether the `openssl` command runs here (the DTLS interop tests need it). */
export function opensslAvailable(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
