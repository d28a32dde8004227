/** The reusable `--listen-http` server: route registration, rtpengine's 404, dropped methods, limits. */
import * as net from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpServer } from '../../daemon/http/http-server.js';

const log = pino({ level: 'silent' });

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Sends raw bytes and collects everything until the server closes (or `ms` pass). */
async function raw(port: number, data: string, ms = 1000): Promise<{ text: string; closed: boolean }> {
  const sock = net.connect(port, '127.0.0.1');
  let text = '';
  sock.on('data', (d: Buffer) => { text += d.toString('latin1'); });
  sock.on('error', () => undefined);
  sock.write(data);
  const closed = await new Promise<boolean>((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    sock.on('close', () => { clearTimeout(t); resolve(true); });
  });
  sock.destroy();
  return { text, closed };
}

let server: HttpServer | undefined;
afterEach(() => { server?.close(); server = undefined; });

async function start(maxBodyBytes?: number): Promise<{ port: number; base: string; http: HttpServer }> {
  const port = await freePort();
  const http = new HttpServer([{ address: '127.0.0.1', port, family: 'IP4' }], log, maxBodyBytes ? { maxBodyBytes } : {});
  server = http;
  await http.listen();
  return { port, base: `http://127.0.0.1:${port}`, http };
}

describe('HttpServer', () => {
  it('serves routes registered before and after listen(), with body and query', async () => {
    const { base, http } = await start();
    http.route('POST', '/echo', (req) => ({ status: 200, contentType: 'text/plain', body: `${req.query}|${req.body.toString()}` }));
    const r1 = await fetch(`${base}/echo?a=1`, { method: 'POST', body: 'hello' });
    expect(r1.status).toBe(200);
    expect(r1.headers.get('content-type')).toBe('text/plain');
    expect(await r1.text()).toBe('a=1|hello');
    http.route('GET', '/metrics', async () => ({ status: 200, contentType: 'text/plain; version=0.0.4', body: 'up 1\n' }));
    const r2 = await fetch(`${base}/metrics`);
    expect(await r2.text()).toBe('up 1\n');
    expect(r2.headers.get('content-type')).toBe('text/plain; version=0.0.4');
  });

  it('answers unknown GET/POST paths with rtpengine\'s 404 and drops other methods', async () => {
    const { base, port } = await start();
    const r = await fetch(`${base}/nothing`);
    expect(r.status).toBe(404);
    expect(await r.text()).toBe('not found\n');
    const p = await fetch(`${base}/nothing`, { method: 'POST', body: 'x' });
    expect(p.status).toBe(404);
    const put = await raw(port, 'PUT /nothing HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n');
    expect(put).toEqual({ text: '', closed: true });
  });

  it('turns a throwing handler into a 500 and keeps serving', async () => {
    const { base, http } = await start();
    http.route('GET', '/boom', () => { throw new Error('boom'); });
    http.route('GET', '/async-boom', () => Promise.reject(new Error('boom')));
    expect((await fetch(`${base}/boom`)).status).toBe(500);
    expect((await fetch(`${base}/async-boom`)).status).toBe(500);
    expect((await fetch(`${base}/nothing`)).status).toBe(404);
  });

  it('refuses bodies over the limit with 413 and closes', async () => {
    const { port, http } = await start(1000);
    http.route('POST', '/x', () => ({ status: 200, body: 'ok' }));
    const declared = await raw(port, 'POST /x HTTP/1.1\r\nhost: x\r\ncontent-length: 5000\r\n\r\n');
    expect(declared.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(declared.closed).toBe(true);
    const chunked = await raw(port, `POST /x HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n7d0\r\n${'a'.repeat(2000)}\r\n0\r\n\r\n`);
    expect(chunked.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(chunked.closed).toBe(true);
  });

  it('answers a non-HTTP byte stream with 400 and closes', async () => {
    const { port } = await start();
    const r = await raw(port, 'hello\r\n\r\n');
    expect(r.text).toMatch(/^HTTP\/1\.1 400 /);
    expect(r.closed).toBe(true);
  });

  it('closes a WebSocket upgrade that offers no registered subprotocol', async () => {
    const { port, http } = await start();
    http.websocket('x.example', (ws) => ws.send('hi'));
    const upgrade = (proto: string): string =>
      'GET / HTTP/1.1\r\nhost: x\r\nconnection: Upgrade\r\nupgrade: websocket\r\nsec-websocket-version: 13\r\n'
      + `sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n${proto ? `${proto}\r\n` : ''}\r\n`;
    expect(await raw(port, upgrade('sec-websocket-protocol: other'))).toEqual({ text: '', closed: true });
    expect(await raw(port, upgrade(''))).toEqual({ text: '', closed: true });
    const ok = await raw(port, upgrade('sec-websocket-protocol: other, x.example'), 300);
    expect(ok.text).toMatch(/^HTTP\/1\.1 101 /);
    expect(ok.text.toLowerCase()).toContain('sec-websocket-protocol: x.example');
  });

  it('close() is idempotent and stops listening', async () => {
    const { base, http } = await start();
    http.close();
    http.close();
    await expect(fetch(`${base}/ping`)).rejects.toThrow();
  });
});
