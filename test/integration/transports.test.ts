/**
 * ng over TCP (`--listen-tcp-ng`), HTTP `POST /ng` and WebSocket (`--listen-http`) against the compiled
 * daemon. Expected behaviour is what rtpengine 10.5.3.5 did for the same bytes on loopback (see
 * daemon/control/ng-tcp-server.ts and ng-http.ts for the observations).
 */
import { spawnSync } from 'node:child_process';
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN, startDaemon, type DaemonHandle } from '../helpers/daemon-process.js';
import { dict, str, type Reply } from '../helpers/ng-client.js';
import { decodeReply, freeTcpPort, httpRequest, ngBytes, TcpConn, WsNg } from '../helpers/ng-transports.js';
import { mPort, phoneSdp } from '../helpers/sdp-fixtures.js';
import { bencode, type BEncodable } from '../../protocol/ng/bencode.js';

const NG_CT = 'application/x-rtpengine-ng';
const PING = 'd7:command4:pinge';
const PONG = 'd6:result4:ponge';

let d: DaemonHandle;
let tcpPort: number;
let httpPort: number;

beforeAll(async () => {
  tcpPort = await freeTcpPort();
  httpPort = await freeTcpPort();
  d = await startDaemon([`--listen-tcp-ng=127.0.0.1:${tcpPort}`, `--listen-http=127.0.0.1:${httpPort}`]);
});
afterAll(async () => { await d?.close(); });

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** offer → answer → query → delete for one call, with `send` as the transport. */
async function callFlow(callId: string, send: (dict: Record<string, BEncodable>) => Promise<Reply>): Promise<void> {
  const offer = await send({ command: 'offer', 'call-id': callId, 'from-tag': 'a', sdp: phoneSdp('a', 40000) });
  expect(str(offer.get('result'))).toBe('ok');
  const toB = mPort(str(offer.get('sdp')));
  expect(toB).toBeGreaterThanOrEqual(d.portMin);
  expect(toB).toBeLessThanOrEqual(d.portMax);
  const answer = await send({ command: 'answer', 'call-id': callId, 'from-tag': 'a', 'to-tag': 'b', sdp: phoneSdp('b', 40002) });
  expect(str(answer.get('result'))).toBe('ok');
  expect(mPort(str(answer.get('sdp')))).not.toBe(toB);
  const query = await send({ command: 'query', 'call-id': callId });
  expect(str(query.get('result'))).toBe('ok');
  expect([...dict(query.get('tags')).keys()].sort()).toEqual(['a', 'b']);
  // The call is the same one the UDP socket sees.
  const list = await d.ng.request({ command: 'list' });
  expect((list.get('calls') as Buffer[]).map(String)).toContain(callId);
  const del = await send({ command: 'delete', 'call-id': callId, 'from-tag': 'a' });
  expect(str(del.get('result'))).toBe('ok');
}

async function expectAlive(): Promise<void> {
  expect(d.proc.exitCode).toBeNull();
  expect(str((await d.ng.request({ command: 'ping' })).get('result'))).toBe('pong');
}

describe('ng over TCP (--listen-tcp-ng)', () => {
  it('answers ping with the same cookie', async () => {
    const c = await TcpConn.open(tcpPort);
    await c.write(`t1 ${PING}`);
    expect((await c.until((b) => b.length >= 19)).toString('latin1')).toBe(`t1 ${PONG}`);
    c.close();
  });

  it('answers two messages sent in one write, in order', async () => {
    const c = await TcpConn.open(tcpPort);
    await c.write(`t2a ${PING}t2b d7:command4:list5:limiti0ee`);
    const want = `t2a ${PONG}t2b d5:callsle6:result2:oke`;
    expect((await c.until((b) => b.length >= want.length)).toString('latin1')).toBe(want);
    c.close();
  });

  it('reassembles one message split over two writes', async () => {
    const c = await TcpConn.open(tcpPort);
    await c.write('t3 d7:comm');
    await sleep(150);
    expect(c.received().length).toBe(0);
    await c.write('and4:pinge');
    expect((await c.until((b) => b.length >= 19)).toString('latin1')).toBe(`t3 ${PONG}`);
    c.close();
  });

  it('runs offer / answer / query / delete on one connection', async () => {
    const c = await TcpConn.open(tcpPort);
    let n = 0;
    await callFlow('tcp-call', (req) => c.request(`tc${++n}`, req));
    c.close();
  });

  it('survives a large offer split across writes (SDP > 1024 bytes)', async () => {
    const c = await TcpConn.open(tcpPort);
    const pad = Array.from({ length: 60 }, (_, i) => `a=x-pad:${i} ${'p'.repeat(40)}`).join('\r\n');
    const sdp = phoneSdp('big', 40010) + pad + '\r\n';
    const msg = ngBytes('tbig', { command: 'offer', 'call-id': 'tcp-big', 'from-tag': 'a', sdp });
    expect(msg.length).toBeGreaterThan(2048);
    await c.write(msg.subarray(0, 1500));
    await sleep(100);
    await c.write(msg.subarray(1500));
    const reply = decodeReply(await c.until((b) => b.includes('6:result2:ok')), 'tbig');
    expect(str(reply.get('result'))).toBe('ok');
    await c.request('tbigdel', { command: 'delete', 'call-id': 'tcp-big' });
    c.close();
  });

  it('keeps CRLF between messages as part of the next cookie, like rtpengine', async () => {
    const c = await TcpConn.open(tcpPort);
    await c.write(`t4 ${PING}\r\nt5 ${PING}`);
    const want = `t4 ${PONG}\r\nt5 ${PONG}`;
    expect((await c.until((b) => b.length >= want.length)).toString('latin1')).toBe(want);
    c.close();
  });

  it('gives framed but invalid messages rtpengine\'s error replies and keeps the connection', async () => {
    const c = await TcpConn.open(tcpPort);
    await c.write('t6 l4:pinge');
    const e1 = 't6 d6:result5:error12:error-reason22:Invalid NG data formate';
    expect((await c.until((b) => b.length >= e1.length)).toString('latin1')).toBe(e1);
    await c.write('t7 d7:command04:pinge');
    expect((await c.until((b) => b.includes('t7 '))).toString('latin1')).toContain('t7 d6:result5:error12:error-reason35:Could not decode bencode dictionarye');
    await c.write(`t8 ${PING}`);
    expect((await c.until((b) => b.includes('t8 '))).toString('latin1')).toContain(`t8 ${PONG}`);
    expect(c.closed).toBe(false);
    c.close();
  });

  it('silently consumes a message without cookie', async () => {
    const c = await TcpConn.open(tcpPort);
    await c.write(` ${PING}`);
    await sleep(200);
    await c.write(`t9 ${PING}`);
    expect((await c.until((b) => b.length >= 19)).toString('latin1')).toBe(`t9 ${PONG}`);
    c.close();
  });

  it('does not answer JSON on TCP, and closes once more than 1024 unframeable bytes are buffered', async () => {
    const c = await TcpConn.open(tcpPort);
    await c.write('tj {"command":"ping"}');
    expect(await c.closedWithin(300)).toBe(false);
    expect(c.received().length).toBe(0);
    await c.write('x'.repeat(1100));
    expect(await c.closedWithin(2000)).toBe(true);
    expect(c.received().length).toBe(0);
  });

  it('closes on garbage beyond 1024 bytes, but answers what came before it', async () => {
    const g = await TcpConn.open(tcpPort);
    await g.write('x'.repeat(1024));
    expect(await g.closedWithin(300)).toBe(false);
    await g.write('x');
    expect(await g.closedWithin(2000)).toBe(true);

    const c = await TcpConn.open(tcpPort);
    await c.write(`tg ${PING}${'x'.repeat(2000)}`);
    expect(await c.closedWithin(2000)).toBe(true);
    expect(c.received().toString('latin1')).toBe(`tg ${PONG}`);

    const n = await TcpConn.open(tcpPort);
    await n.write('c'.repeat(1500)); // a "cookie" that never ends
    expect(await n.closedWithin(2000)).toBe(true);
    await expectAlive();
  });

  it('answers a request sent with a half-close, then closes', async () => {
    const c = await TcpConn.open(tcpPort);
    c.sock.end(`th ${PING}`);
    expect(await c.closedWithin(2000)).toBe(true);
    expect(c.received().toString('latin1')).toBe(`th ${PONG}`);
  });

  it('survives a client that resets mid-message and many parallel connections', async () => {
    const conns = await Promise.all(Array.from({ length: 20 }, () => TcpConn.open(tcpPort)));
    for (const c of conns) { await c.write('tr d7:command4:pi'); c.sock.resetAndDestroy(); }
    const live = await Promise.all(Array.from({ length: 10 }, () => TcpConn.open(tcpPort)));
    await Promise.all(live.map(async (c, i) => {
      const r = await c.request(`tp${i}`, { command: 'ping' });
      expect(str(r.get('result'))).toBe('pong');
      c.close();
    }));
    await expectAlive();
  });
});

describe('ng over HTTP (--listen-http, POST /ng)', () => {
  const post = (body: string | Buffer, headers: Record<string, string> = { 'content-type': NG_CT }, path = '/ng') =>
    httpRequest(httpPort, 'POST', path, body, headers);

  it('answers ping with rtpengine\'s content type', async () => {
    const r = await fetch(`http://127.0.0.1:${httpPort}/ng`, { method: 'POST', headers: { 'content-type': NG_CT }, body: `h1 ${PING}` });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe(NG_CT);
    expect(await r.text()).toBe(`h1 ${PONG}`);
  });

  it('runs offer / answer / query / delete', async () => {
    let n = 0;
    await callFlow('http-call', async (req) => {
      const cookie = `hc${++n}`;
      const r = await fetch(`http://127.0.0.1:${httpPort}/ng`, { method: 'POST', headers: { 'content-type': NG_CT }, body: ngBytes(cookie, req) });
      expect(r.status).toBe(200);
      return decodeReply(Buffer.from(await r.arrayBuffer()), cookie);
    });
  });

  it('answers JSON in JSON', async () => {
    const r = await post('hj {"command":"ping"}');
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('hj {"result":"pong"}');
  });

  it('accepts the content type in any case and ignores a query string', async () => {
    const r = await post(`h2 ${PING}`, { 'content-type': 'Application/X-RTPengine-NG' }, '/ng?x=1');
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe(`h2 ${PONG}`);
  });

  it('gives ng error replies with status 200', async () => {
    const r = await post('h3 ');
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('h3 d6:result5:error12:error-reason25:Invalid data (no payload)e');
    const g = await post('h4 garbage');
    expect(g.body.toString()).toBe('h4 d6:result5:error12:error-reason22:Invalid NG data formate');
  });

  it('answers a body without cookie with status 600 "error"', async () => {
    for (const body of ['nocookie', ` ${PING}`, '']) {
      const r = await post(body);
      expect(r.status, JSON.stringify(body)).toBe(600);
      expect(r.headers['content-type']).toBe('text/plain');
      expect(r.body.toString()).toBe('error\n');
    }
  });

  it('answers 404 "not found" for another content type, path or method', async () => {
    for (const [path, headers] of [
      ['/ng', {}],
      ['/ng', { 'content-type': 'application/json' }],
      ['/ng', { 'content-type': `${NG_CT}; charset=utf-8` }],
      ['/ng/', { 'content-type': NG_CT }],
      ['/other', { 'content-type': NG_CT }],
    ] as [string, Record<string, string>][]) {
      const r = await post(`h5 ${PING}`, headers, path);
      expect(r.status, `${path} ${JSON.stringify(headers)}`).toBe(404);
      expect(r.body.toString()).toBe('not found\n');
    }
    const get = await httpRequest(httpPort, 'GET', '/ng');
    expect(get.status).toBe(404);
    await expect(httpRequest(httpPort, 'PUT', '/ng', `h6 ${PING}`, { 'content-type': NG_CT })).rejects.toThrow();
  });

  it('serves GET /ping', async () => {
    const r = await fetch(`http://127.0.0.1:${httpPort}/ping`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/plain');
    expect(await r.text()).toBe('pong\n');
  });

  it('accepts a large body and refuses an oversized one', async () => {
    const big = ngBytes('hbig', { command: 'ping', pad: 'A'.repeat(1_000_000) });
    const ok = await post(big);
    expect(ok.body.toString()).toBe(`hbig ${PONG}`);
    const sock = net.connect(httpPort, '127.0.0.1');
    let text = '';
    sock.on('data', (x: Buffer) => { text += x.toString('latin1'); });
    sock.on('error', () => undefined);
    sock.write(`POST /ng HTTP/1.1\r\nhost: x\r\ncontent-type: ${NG_CT}\r\ncontent-length: 100000000\r\n\r\nhx d7:comm`);
    await new Promise<void>((r) => sock.on('close', () => r()));
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    await expectAlive();
  });

  it('answers garbage instead of HTTP with 400 and survives it', async () => {
    const sock = net.connect(httpPort, '127.0.0.1');
    let text = '';
    sock.on('data', (x: Buffer) => { text += x.toString('latin1'); });
    sock.on('error', () => undefined);
    sock.write(`\x00\xff garbage ${'x'.repeat(5000)}\r\n\r\n`);
    await new Promise<void>((r) => sock.on('close', () => r()));
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    await expectAlive();
  });
});

describe('ng over WebSocket (subprotocol ng.rtpengine.com)', () => {
  it('answers ping; replies are binary messages, also for text requests', async () => {
    const w = await WsNg.open(httpPort);
    expect(w.ws.protocol).toBe('ng.rtpengine.com');
    w.ws.send(Buffer.from(`w1 ${PING}`), { binary: true });
    w.ws.send(`w2 ${PING}`);
    const m1 = await w.nth(0);
    const m2 = await w.nth(1);
    expect(m1).toEqual({ data: Buffer.from(`w1 ${PONG}`), binary: true });
    expect(m2).toEqual({ data: Buffer.from(`w2 ${PONG}`), binary: true });
    w.close();
  });

  it('runs offer / answer / query / delete (any path)', async () => {
    const w = await WsNg.open(httpPort, ['ng.rtpengine.com'], '/ng');
    let n = 0;
    await callFlow('ws-call', (req) => w.request(`wc${++n}`, req, n % 2 === 0));
    w.close();
  });

  it('answers JSON in JSON and errors with error replies, keeping the connection', async () => {
    const w = await WsNg.open(httpPort, ['other', 'ng.rtpengine.com']);
    expect(w.ws.protocol).toBe('ng.rtpengine.com');
    w.ws.send('wj {"command":"ping"}');
    expect((await w.nth(0)).data.toString()).toBe('wj {"result":"pong"}');
    w.ws.send('nocookie');
    w.ws.send(Buffer.alloc(0));
    w.ws.send('we1 ');
    w.ws.send('we2 {bad');
    expect((await w.nth(1)).data.toString()).toBe('we1 d6:result5:error12:error-reason25:Invalid data (no payload)e');
    expect((await w.nth(2)).data.toString()).toBe('we2 {"result":"error","error-reason":"Failed to parse JSON document"}');
    const r = await w.request('we3', { command: 'ping' });
    expect(str(r.get('result'))).toBe('pong');
    expect(w.messages.length).toBe(4);
    w.close();
  });

  it('keeps replies in request order even when commands finish out of order', async () => {
    const w = await WsNg.open(httpPort);
    w.ws.send(ngBytes('wo1', { command: 'offer', 'call-id': 'ws-order', 'from-tag': 'a', sdp: phoneSdp('a', 40020) }));
    w.ws.send(ngBytes('wo2', { command: 'ping' }));
    expect((await w.nth(0)).data.toString('latin1')).toMatch(/^wo1 /);
    expect((await w.nth(1)).data.toString('latin1')).toBe(`wo2 ${PONG}`);
    await w.request('wo3', { command: 'delete', 'call-id': 'ws-order', 'from-tag': 'a' });
    w.close();
  });

  it('refuses connections without the ng subprotocol', async () => {
    await expect(WsNg.open(httpPort, [])).rejects.toThrow();
    await expect(WsNg.open(httpPort, ['rtpengine-ng'])).rejects.toThrow();
    await expectAlive();
  });
});

describe('one cookie cache for all transports (as rtpengine)', () => {
  it('replays a UDP reply to the same cookie over TCP, HTTP and WebSocket', async () => {
    const first = await d.ng.request({ command: 'list', limit: 5 }, 'shared-cookie');
    expect(str(first.get('result'))).toBe('ok');
    const expected = `shared-cookie ${bencode(first).toString('latin1')}`;

    const c = await TcpConn.open(tcpPort);
    await c.write(`shared-cookie ${PING}`);
    expect((await c.until((b) => b.length >= expected.length)).toString('latin1')).toBe(expected);
    c.close();

    const h = await httpRequest(httpPort, 'POST', '/ng', `shared-cookie ${PING}`, { 'content-type': NG_CT });
    expect(h.body.toString('latin1')).toBe(expected);

    const w = await WsNg.open(httpPort);
    w.ws.send(`shared-cookie ${PING}`);
    expect((await w.nth(0)).data.toString('latin1')).toBe(expected);
    w.close();
  });

  it('replays a TCP reply over UDP', async () => {
    const c = await TcpConn.open(tcpPort);
    const r = await c.request('tcp-first', { command: 'list', limit: 1 });
    expect(str(r.get('result'))).toBe('ok');
    c.close();
    const again = await d.ng.request({ command: 'ping' }, 'tcp-first');
    expect(str(again.get('result'))).toBe('ok');
  });
});

describe('ng over UDP: listeners and batching', () => {
  it('answers 300 requests sent at once, each with its own cookie (more than one receive batch)', async () => {
    const cookies = Array.from({ length: 300 }, (_, i) => `burst${i}`);
    const replies = await Promise.all(cookies.map((c) => d.ng.raw(c, PING)));
    expect(replies.map((r) => r.toString('latin1'))).toEqual(cookies.map(() => PONG));
  });

  for (const io of ['batch', 'dgram'] as const) {
    it(`answers on an IPv6 listener, and a port in use stops start-up (${io} I/O)`, async () => {
      // startDaemon waits for the IPv6 listener's ping reply.
      const v6 = await startDaemon([], { io, ngHost: '::1' });
      const first = await startDaemon([], { io }).catch(async (e: unknown) => { await v6.close(); throw e; });
      try {
        expect(str((await v6.ng.request({ command: 'ping' })).get('result'))).toBe('pong');
        // The same IPv4 ng port again: the second daemon must fail to start, as rtpengine does.
        const taken = spawnSync(process.execPath, [MAIN, '--config-file=none', '-i', '127.0.0.1',
          '-n', `127.0.0.1:${first.ngPort}`, '-m', '61000', '-M', '61009', '-f', '-E', '--num-threads=1',
        ], { env: { ...process.env, RTPENGINE_TS_IO: io }, timeout: 10_000, encoding: 'latin1' });
        expect(taken.status).toBe(1);
        expect(taken.stderr).toContain('EADDRINUSE');
        // ... and the first one is unharmed.
        expect(str((await first.ng.request({ command: 'ping' })).get('result'))).toBe('pong');
      } finally {
        await v6.close();
        await first.close();
      }
    });
  }
});
