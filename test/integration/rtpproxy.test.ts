/**
 * The rtpproxy control protocol on `--listen-udp` and rtpengine's TCP line protocol on `--listen-tcp`,
 * against the compiled daemon; with REFERENCE_RTPENGINE=/usr/bin/rtpengine the same expectations run
 * against rtpengine 10.5 (the replies below are what it sent, see protocol/rtpproxy/).
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeUdpPort, type DaemonHandle } from '../helpers/daemon-process.js';
import { freeTcpPort } from '../helpers/ng-transports.js';
import { REFERENCE, startEither } from '../helpers/reference-daemon.js';

let d: DaemonHandle;
let udpPort: number;
let tcpPort: number;
let ctl: dgram.Socket;

beforeAll(async () => {
  udpPort = await freeUdpPort();
  tcpPort = await freeTcpPort();
  d = await startEither(['-u', `127.0.0.1:${udpPort}`, '-l', `127.0.0.1:${tcpPort}`]);
  ctl = dgram.createSocket('udp4');
  await new Promise<void>((r) => ctl.bind(0, '127.0.0.1', () => r()));
});
afterAll(async () => {
  ctl?.close();
  await d?.close();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sends one line; resolves with the reply, or null after `waitMs` without one. */
function request(line: string, waitMs = 1000): Promise<string | null> {
  return new Promise((resolve) => {
    const onMsg = (m: Buffer): void => {
      clearTimeout(t);
      ctl.off('message', onMsg);
      resolve(m.toString('latin1'));
    };
    const t = setTimeout(() => {
      ctl.off('message', onMsg);
      resolve(null);
    }, waitMs);
    ctl.on('message', onMsg);
    ctl.send(line, udpPort, '127.0.0.1');
  });
}

let n = 0;
const cookie = (): string => `${process.pid}_${++n}`;
const callId = (): string => `rtpp-${process.pid}-${++n}@test`;

async function udpPeer(): Promise<{ sock: dgram.Socket; port: number; got: Buffer[] }> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const got: Buffer[] = [];
  sock.on('message', (m) => got.push(m));
  return { sock, port: sock.address().port, got };
}

function rtp(seq: number, pt = 8): Buffer {
  const b = Buffer.alloc(172);
  b[0] = 0x80;
  b[1] = pt;
  b.writeUInt16BE(seq, 2);
  b.writeUInt32BE(seq * 160, 4);
  b.writeUInt32BE(0xabcd0000 + pt, 8);
  return b;
}

/** `cookie PORT 127.0.0.1 4` → PORT, checked to be in the daemon's range. */
function allocated(reply: string | null, c: string): number {
  const m = new RegExp(`^${c} (\\d+) 127\\.0\\.0\\.1 4\\n$`).exec(reply ?? '');
  expect(m, `reply ${JSON.stringify(reply)}`).not.toBeNull();
  const port = Number(m![1]);
  expect(port).toBeGreaterThanOrEqual(d.portMin);
  expect(port).toBeLessThanOrEqual(d.portMax);
  return port;
}

describe('rtpproxy protocol over UDP (--listen-udp)', () => {
  it('answers V and VF capability queries as rtpengine 10.5', async () => {
    expect(await request('v1 V')).toBe('v1 20040107\n');
    expect(await request('v2 v\n')).toBe('v2 20040107\n');
    const caps: Record<string, string> = {
      20040107: '1', 20050322: '1', 20060704: '1', 20071116: '0', 20071218: '0', 20080403: '0',
      20081102: '0', 20081224: '0', 20090810: '0',
    };
    for (const [date, want] of Object.entries(caps)) expect(await request(`vf${date} VF ${date}`)).toBe(`vf${date} ${want}\n`);
  });

  it('relays media both ways between the ports of U and L, counts it in Q, and deletes with D', async () => {
    const a = await udpPeer();
    const b = await udpPeer();
    const id = callId();
    const c1 = cookie();
    const offer = await request(`${c1} Uc8,101 ${id} 127.0.0.1 ${a.port} fa;1`);
    const toB = allocated(offer, c1);
    // A retransmission (same cookie) gets the same reply.
    expect(await request(`${c1} Uc8,101 ${id} 127.0.0.1 ${a.port} fa;1`)).toBe(offer);
    const c2 = cookie();
    const toA = allocated(await request(`${c2} Lc8 ${id} 127.0.0.1 ${b.port} fa;1 tb;1`), c2);
    expect(toA).not.toBe(toB);
    for (let i = 0; i < 5; i++) {
      a.sock.send(rtp(i), toA, '127.0.0.1');
      b.sock.send(rtp(100 + i), toB, '127.0.0.1');
      await sleep(20);
    }
    await sleep(200);
    expect(b.got.length).toBe(5);
    expect(a.got.length).toBe(5);
    expect(b.got[0]!.readUInt16BE(2)).toBe(0);
    expect(a.got[0]!.readUInt16BE(2)).toBe(100);
    const c3 = cookie();
    const q = await request(`${c3} Q ${id} fa tb`);
    expect(q).toMatch(new RegExp(`^${c3} (3599|3600) 10 0 0 0\\n$`));
    const c4 = cookie();
    expect(await request(`${c4} D ${id} fa tb`)).toBe(`${c4} 0\n`);
    a.sock.close();
    b.sock.close();
  });

  // rtpengine 10.5 answers U;2 with address 0.0.0.0 (media 2 gets no interface) and its next D of
  // that call never returns (seen with the real daemon): ours gives media 2 its own ports.
  it.skipIf(REFERENCE)('keeps media numbers apart (VF 20050322): U;1 U;2 L;1 L;2, media both ways on the second', async () => {
    const a1 = await udpPeer();
    const a2 = await udpPeer();
    const b1 = await udpPeer();
    const b2 = await udpPeer();
    const id = callId();
    const c = [cookie(), cookie(), cookie(), cookie()];
    const toB1 = allocated(await request(`${c[0]} U ${id} 127.0.0.1 ${a1.port} fa;1`), c[0]);
    const toB2 = allocated(await request(`${c[1]} U ${id} 127.0.0.1 ${a2.port} fa;2`), c[1]);
    const toA1 = allocated(await request(`${c[2]} L ${id} 127.0.0.1 ${b1.port} fa;1 tb;1`), c[2]);
    const toA2 = allocated(await request(`${c[3]} L ${id} 127.0.0.1 ${b2.port} fa;2 tb;2`), c[3]);
    expect(new Set([toB1, toB2, toA1, toA2]).size).toBe(4);
    for (let i = 0; i < 3; i++) {
      a2.sock.send(rtp(i), toA2, '127.0.0.1');
      b2.sock.send(rtp(50 + i), toB2, '127.0.0.1');
      a1.sock.send(rtp(200 + i), toA1, '127.0.0.1');
      await sleep(20);
    }
    await sleep(200);
    expect(b2.got.map((m) => m.readUInt16BE(2))).toEqual([0, 1, 2]);
    expect(a2.got.map((m) => m.readUInt16BE(2))).toEqual([50, 51, 52]);
    expect(b1.got.map((m) => m.readUInt16BE(2))).toEqual([200, 201, 202]);
    expect(await request(`d2 D ${id} fa tb`)).toBe('d2 0\n');
    for (const p of [a1, a2, b1, b2]) p.sock.close();
  });

  it('answers unknown calls and malformed lines with rtpengine 10.5 replies', async () => {
    const id = callId();
    expect(await request(`e1 L ${id} 127.0.0.1 6000 fa;1 tb;1`)).toBe('e1 0 0.0.0.0\n');
    expect(await request(`e2 Q ${id} fa`)).toBe('e2 E8\n');
    expect(await request(`e3 D ${id} fa`)).toBe('e3 E8\n');
    expect(await request(`e4 U ${id} 1.2.3 5000 fa;1`)).toBe('e4 E8\n');
    expect(await request('e5 I')).toBe('e5 E8\n');
    expect(await request('garbage')).toBe('garbage E8\n');
    // No ;N after the from-tag: rtpengine's fallback echoes port and address.
    expect(await request(`e6 U ${id} 127.0.0.1 5000 fa`)).toBe('e6 5000 127.0.0.1\n');
    expect(await request(' e7 V', 300)).toBeNull();
    const c = cookie();
    expect(await request(`${c} Q ${callId()}`)).toBe(`${c} E8\n`);
    // Still serving.
    expect(await request('e8 V')).toBe('e8 20040107\n');
  });

  it('takes an IPv6 peer address and answers with the interface address of the daemon', async () => {
    const c = cookie();
    allocated(await request(`${c} U6 ${callId()} ::1 5000 fa;1`), c);
  });

  it.skipIf(REFERENCE)('answers VF without a date with 0 (rtpengine 10.5 crashes on it)', async () => {
    expect(await request('vx VF')).toBe('vx 0\n');
  });

  it.skipIf(REFERENCE)('answers Q for a tag the call lacks with E8 (rtpengine 10.5 hangs on it)', async () => {
    const id = callId();
    const c = cookie();
    allocated(await request(`${c} U ${id} 127.0.0.1 5000 fa;1`), c);
    expect(await request(`q1 Q ${id} nosuchtag`)).toBe('q1 E8\n');
  });
});

/** Writes one line, resolves with everything read until the daemon closes (or `waitMs`). */
function tcpLine(line: string, waitMs = 1500): Promise<{ data: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(tcpPort, '127.0.0.1');
    let data = '';
    const t = setTimeout(() => {
      s.destroy();
      resolve({ data, closed: false });
    }, waitMs);
    s.on('data', (b) => { data += b.toString('latin1'); });
    s.on('close', () => {
      clearTimeout(t);
      resolve({ data, closed: true });
    });
    s.on('error', () => undefined);
    s.on('connect', () => s.write(line));
  });
}

describe("rtpengine's TCP control protocol (--listen-tcp)", () => {
  it('answers version and controls, then closes the connection', async () => {
    const v = await tcpLine('version\n');
    expect(v.closed).toBe(true);
    expect(v.data).toMatch(/^Version: \S.*\n$/);
    const c = await tcpLine('controls\n');
    expect(c.closed).toBe(true);
    expect(c.data).toMatch(/^127\.0\.0\.1:\d+\nEnd\.\n$/);
  });

  it.skipIf(REFERENCE)('lists calls with status and deletes one with delete', async () => {
    const id = callId();
    const ck = cookie();
    allocated(await request(`${ck} U ${id} 127.0.0.1 5000 fa;1`), ck);
    const st = await tcpLine('status\n');
    expect(st.data).toMatch(/^proxy \d+ \d+\/0\/0\n/);
    expect(st.data).toContain(`session ${id} - - - - `);
    await tcpLine(`delete ${id} info=\n`);
    // Gone (delete-delay 30 s keeps it listed, so check the call has a deletion scheduled instead:
    // a second D of the whole call still succeeds, an unknown one would not).
    expect(await request(`d1 D ${id} fa`)).toBe('d1 0\n');
  });

  it('closes without a reply on a line it does not understand', async () => {
    const r = await tcpLine('no such command\n');
    expect(r.data).toBe('');
  });
});
