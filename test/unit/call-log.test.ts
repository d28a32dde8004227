/**
 * The call layer's log lines (daemon/call/call-log.ts, final-stats.ts) from the real CallManager on a
 * FakeWorkerPool, with a logger at NOTICE as `-L 5` makes it: words and levels as rtpengine 10.5
 * writes them (recorded with test/dev/call-log-probe.mjs), and the `debug` flag letting one call's
 * lines through.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { CallManager } from '../../daemon/call/call-manager.js';
import { finalStatsLines } from '../../daemon/call/final-stats.js';
import { MediaContext } from '../../daemon/call/media-context.js';
import { NOTICE, type Logger } from '../../daemon/log.js';
import { F_BYTES, F_LAST_PACKET_MS, F_LAST_PT, F_PACKETS, F_SSRC, SLOT_FIELDS } from '../../daemon/media/stream-table.js';
import { LocalInterfaces } from '../../daemon/net/interfaces.js';
import { parseCallOptions } from '../../protocol/ng/call-options.js';
import { phoneSdp } from '../helpers/sdp-fixtures.js';
import { FakeWorkerPool } from './fixtures/call/fake-worker-pool.js';

interface Rec { level: number; msg: string; callId?: string; streamPort?: number }

function setup() {
  const pool = new FakeWorkerPool(1);
  // delete's statistics read RTCP reports and receive-side estimates, which the fake pool has none of.
  Object.assign(pool, { drainReports: () => {}, receiver: () => ({ valid: () => false }) });
  const interfaces = new LocalInterfaces([{ name: 'default', address: '127.0.0.1', family: 'IP4' }], 30000, 30099);
  const ctx = new MediaContext(pool.asPool, interfaces, {
    deleteDelay: 0, timeout: 60, silentTimeout: 3600, offerTimeout: 3600, finalTimeout: 0, endpointLearning: 'delayed',
    sipSource: false, maxSessions: -1, tos: undefined, mosType: 'CQ', instanceId: '0123456789ab',
  });
  const recs: Rec[] = [];
  // As createLogger makes it at -L 5, with the [core] binding.
  const root = pino({ level: 'notice', customLevels: { notice: NOTICE } }, { write: (s: string) => void recs.push(JSON.parse(s)) });
  const calls = new CallManager(ctx, root.child({ sub: 'core' }) as unknown as Logger);
  const req = (d: Record<string, string | Buffer[]>) => parseCallOptions(new Map<string, Buffer | Buffer[]>(Object.entries(d).map(([k, v]) => [k, typeof v === 'string' ? Buffer.from(v, 'latin1') : v])));
  const call = async (callId: string, flags: string[]) => {
    await calls.offer(req({ 'call-id': callId, 'from-tag': 'ftag', sdp: phoneSdp('a', 5000, { pts: [0] }), flags: flags.map((f) => Buffer.from(f)) }));
    await calls.answer(req({ 'call-id': callId, 'from-tag': 'ftag', 'to-tag': 'ttag', sdp: phoneSdp('b', 6000, { pts: [0] }) }));
    return calls.calls.get(callId)!;
  };
  const del = (callId: string) => calls.delete(req({ 'call-id': callId, 'from-tag': 'ftag' }));
  const of = (callId: string) => recs.filter((r) => r.callId === callId).map((r) => [r.level, r.msg, r.streamPort]);
  return { pool, ctx, calls, call, del, of };
}

describe('call lines', () => {
  it('Creating new call at NOTICE; INFO and DEBUG lines not written at -L 5 for a call without debug', async () => {
    const { call, del, of } = setup();
    await call('plain', []);
    await del('plain');
    expect(of('plain')).toEqual([[NOTICE, 'Creating new call', undefined]]);
  });

  it('a call with the debug flag has all its lines written, each at its own level', async () => {
    const { calls, call, del, of } = setup();
    const c = await call('dbg', ['debug']);
    expect(c.debug).toBe(true);
    const rtp = c.byTag('ttag')!.medias[0]!.rtp;
    const sock = rtp.sock!;
    // The worker learns B's source behind NAT, then commits to it.
    calls.learned(c.worker, sock.slot, '10.0.0.9', 7000, false);
    calls.learned(c.worker, sock.slot, '10.0.0.9', 7000, false);
    calls.learned(c.worker, sock.slot, '10.0.0.9', 7000, true);
    const aSide = c.byTag('ftag')!.medias[0]!;
    const bSide = c.byTag('ttag')!.medias[0]!;
    const ports = [aSide.rtp, aSide.rtcp, bSide.rtp, bSide.rtcp].map((st) => st.sock!.port);
    await del('dbg');
    expect(of('dbg')).toEqual([
      [NOTICE, 'Creating new call', undefined],
      [20, `set FILLED flag for stream, local 127.0.0.1:${ports[0]} remote 127.0.0.1:5000`, undefined],
      [20, `set FILLED flag for stream, local 127.0.0.1:${ports[1]} remote 127.0.0.1:5001`, undefined],
      [20, `set FILLED flag for stream, local 127.0.0.1:${ports[2]} remote 127.0.0.1:6000`, undefined],
      [20, `set FILLED flag for stream, local 127.0.0.1:${ports[3]} remote 127.0.0.1:6001`, undefined],
      [20, 'Peer address changed from 127.0.0.1:6000 to 10.0.0.9:7000', sock.port],
      [30, 'Confirmed peer address as 10.0.0.9:7000', sock.port],
      [30, "Deleting call branch 'ftag' (via-branch '')", undefined],
      [20, "Destroying monologue 'ftag' ()", undefined],
      [20, "Destroying monologue 'ttag' ()", undefined],
      [30, "Call branch 'ftag' (via-branch '') deleted, no more branches remaining", undefined],
      [30, 'Deleting entire call', undefined],
      [30, 'Final packet stats:', undefined],
      ...Array.from({ length: 12 }, () => [30, expect.stringMatching(/^---/), undefined]),
    ]);
  });

  it('the CLI can turn debug off again: the call\'s lines follow the level once more', async () => {
    const { call, del, of } = setup();
    const c = await call('dbg2', ['debug']);
    const before = of('dbg2').length;
    c.debug = false;
    await del('dbg2');
    expect(of('dbg2').length).toBe(before);
  });
});

describe('finalStatsLines', () => {
  it('writes rtpengine\'s block: tags, subscriptions, medias, per stream local <> remote and counters', async () => {
    const { pool, ctx, call } = setup();
    const c = await call('s', []);
    const ftag = c.byTag('ftag')!.medias[0]!;
    const ttag = c.byTag('ttag')!.medias[0]!;
    const now = Date.now();
    // A sent 98 PCMU packets (SSRC 0x1111) up to now.
    const t = pool.table(c.worker);
    const base = ftag.rtp.sock!.slot * SLOT_FIELDS;
    t.f64[base + F_PACKETS] = 98;
    t.f64[base + F_BYTES] = 16856;
    t.f64[base + F_SSRC] = 0x1111;
    t.f64[base + F_LAST_PT] = 0;
    t.f64[base + F_LAST_PACKET_MS] = now;
    expect(ctx.counters(ftag.rtp).packets).toBe(98);
    const p = (n: number) => String(n).padEnd(5);
    expect(finalStatsLines(ctx, c, now + 2000)).toEqual([
      'Final packet stats:',
      "--- Tag 'ftag', created 0:02 ago for branch ''",
      "---     subscribed to 'ttag'",
      "---     subscription for 'ttag'",
      '------ Media #1 (audio over RTP/AVP) using PCMU/8000',
      `--------- Port       127.0.0.1:${p(ftag.rtp.sock!.port)} <>       127.0.0.1:5000 , SSRC 1111, 98 p, 16856 b, 0 e, 2 ts`,
      `--------- Port       127.0.0.1:${p(ftag.rtcp.sock!.port)} <>       127.0.0.1:5001  (RTCP), SSRC 0, 0 p, 0 b, 0 e, 2 ts`,
      "--- Tag 'ttag', created 0:02 ago for branch ''",
      "---     subscribed to 'ftag'",
      "---     subscription for 'ftag'",
      '------ Media #1 (audio over RTP/AVP) using unknown codec',
      `--------- Port       127.0.0.1:${p(ttag.rtp.sock!.port)} <>       127.0.0.1:6000 , SSRC 0, 0 p, 0 b, 0 e, 2 ts`,
      `--------- Port       127.0.0.1:${p(ttag.rtcp.sock!.port)} <>       127.0.0.1:6001  (RTCP), SSRC 0, 0 p, 0 b, 0 e, 2 ts`,
    ]);
  });
});
