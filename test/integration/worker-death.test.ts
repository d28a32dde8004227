/**
 * A media worker that dies while calls forward (item 4 of the second media-path shape): the daemon
 * notices at once, deletes the calls placed on it (their sockets died with it) and says so, leaves
 * the calls on the other worker untouched — not one packet lost — answers every request, and places
 * new calls on live workers, where media flows. The death is a real uncaught exception inside the
 * worker thread, asked for through the `x-test-crash-worker` ng command that exists only with
 * RTPENGINE_TS_TEST_HOOKS=1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../helpers/daemon-process.js';
import { str } from '../helpers/ng-client.js';
import { RtpPeer, rtpPacket } from '../helpers/rtp-peer.js';
import { twoPartyCall } from '../helpers/calls.js';
import { loadBatchNative } from '../../daemon/media/io.js';

interface LiveCall {
  id: string;
  a: RtpPeer;
  b: RtpPeer;
  toA: number;
  toB: number;
  sentA: number;
  sentB: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function openCall(d: DaemonHandle, id: string): Promise<LiveCall> {
  const a = await RtpPeer.open();
  const b = await RtpPeer.open();
  const { toA, toB } = await twoPartyCall(d, id, a.port, b.port, { offer: { flags: ['trust-address'] } });
  return { id, a, b, toA, toB, sentA: 0, sentB: 0 };
}

/** One 20 ms packet each way for every call (50 pps per direction, as a G.711 phone). */
function sendRound(calls: LiveCall[]): void {
  for (const c of calls) {
    c.a.send(rtpPacket(0, c.sentA, c.sentA * 160, 0xa000), c.toA);
    c.sentA++;
    c.b.send(rtpPacket(0, c.sentB, c.sentB * 160, 0xb000), c.toB);
    c.sentB++;
  }
}

async function listed(d: DaemonHandle): Promise<Set<string>> {
  const r = await d.ng.request({ command: 'list', limit: 1000 });
  return new Set((r.get('calls') as Buffer[]).map((b) => b.toString('latin1')));
}

const backends = loadBatchNative().native !== null ? (['batch', 'dgram'] as const) : (['dgram'] as const);
describe.each(backends)('a media worker dies under load, %s media I/O', (io) => {
  let d: DaemonHandle;
  const calls: LiveCall[] = [];
  beforeAll(async () => {
    d = await startDaemon(['--num-threads=2'], { io, ports: 200, env: { RTPENGINE_TS_TEST_HOOKS: '1' } });
  });
  afterAll(async () => {
    for (const c of calls) { c.a.close(); c.b.close(); }
    await d.close();
  });

  it('deletes the calls of the dead worker only, loses no packet of the others, and places new calls on live workers', async () => {
    for (let i = 0; i < 8; i++) calls.push(await openCall(d, `wd-${io}-${i}`));
    let sending = true;
    const pump = (async () => {
      while (sending) {
        sendRound(calls);
        await sleep(20);
      }
    })();
    await sleep(300);

    const crash = await d.ng.request({ command: 'x-test-crash-worker', worker: 0 });
    expect(str(crash.get('result'))).toBe('ok');
    expect(crash.get('worker')).toBe(0);
    // Requests sent while the worker dies are all answered (none waits for the dead worker).
    const during = await Promise.all([0, 1, 2, 3].map((i) => d.ng.request({
      command: 'offer', 'call-id': `wd-${io}-during-${i}`, 'from-tag': 'a', flags: ['trust-address'],
      sdp: `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${40000 + 2 * i} RTP/AVP 0\r\n`,
    })));
    for (const r of during) expect(['ok', 'error']).toContain(str(r.get('result')));

    let still = await listed(d);
    for (let t = 0; t < 100 && calls.every((c) => still.has(c.id)); t++) {
      await sleep(20);
      still = await listed(d);
    }
    await sleep(300); // the survivors keep forwarding meanwhile
    sending = false;
    await pump;
    await sleep(200);

    const gone = calls.filter((c) => !still.has(c.id));
    const survivors = calls.filter((c) => still.has(c.id));
    // Calls alternate between the two workers (least streams first): half on each.
    expect(gone.length).toBe(4);
    expect(survivors.length).toBe(4);
    expect(d.log()).toMatch(/media worker 0 died \(uncaught exception: media worker 0: crash requested by a test hook\): \d+ calls deleted/);
    for (const c of gone) {
      expect(d.log()).toContain(`WARNING: [${c.id}]: [core] Call deleted: media worker died`);
      const q = await d.ng.request({ command: 'query', 'call-id': c.id });
      expect(str(q.get('result'))).toBe('error');
      expect(str(q.get('error-reason'))).toBe('Unknown call-id');
    }
    // Untouched: every packet sent on a surviving call arrived, before, during and after the death.
    for (const c of survivors) {
      expect(c.b.received.length).toBe(c.sentA);
      expect(c.a.received.length).toBe(c.sentB);
      const q = await d.ng.request({ command: 'query', 'call-id': c.id });
      expect(str(q.get('result'))).toBe('ok');
    }

    // New calls go to live workers (the survivor, or the replacement) and carry media both ways.
    const fresh: LiveCall[] = [];
    for (let i = 0; i < 4; i++) fresh.push(await openCall(d, `wd-${io}-new-${i}`));
    calls.push(...fresh);
    for (let r = 0; r < 10; r++) {
      sendRound(fresh);
      await sleep(5);
    }
    await Promise.all(fresh.flatMap((c) => [c.a.waitFor(10), c.b.waitFor(10)]));
    for (const c of fresh) {
      expect(c.b.received.length).toBe(10);
      expect(c.a.received.length).toBe(10);
    }
    for (let t = 0; t < 100 && !d.log().includes('started in place of worker 0'); t++) await sleep(20);
    expect(d.log()).toContain('media worker 2 started in place of worker 0');
    const stats = await d.ng.request({ command: 'ping' });
    expect(str(stats.get('result'))).toBe('pong');
  });
});

describe('the worker-death test hook', () => {
  it('does not exist without RTPENGINE_TS_TEST_HOOKS=1', async () => {
    const d = await startDaemon();
    try {
      const r = await d.ng.request({ command: 'x-test-crash-worker', worker: 0 });
      expect(str(r.get('error-reason'))).toBe('Unrecognized command');
      expect(str((await d.ng.request({ command: 'ping' })).get('result'))).toBe('pong');
    } finally {
      await d.close();
    }
  });
});
