/**
 * /metrics against rtpengine 10.5 (issue 15 item 5): the real daemon and ours, both with
 * --listen-http, get the same ng requests and RTP; both are scraped before and after, and
 * rtpengine's families must match: names, types, HELP (or its absence), label names and label
 * values, and the values that are deterministic (as deltas where a counter already moved at start).
 * Skipped only when /usr/bin/rtpengine is not installed.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../helpers/daemon-process.js';
import { startReference } from '../helpers/reference-daemon.js';
import { freeTcpPort } from '../helpers/ng-transports.js';
import { str } from '../helpers/ng-client.js';
import { RtpPeer, rtpPacket } from '../helpers/rtp-peer.js';
import { twoPartyCall } from '../helpers/calls.js';
import { phoneSdp } from '../helpers/sdp-fixtures.js';
import { parseFamilies, sampleValue, type PromFamily } from '../helpers/prom-text.js';

const RTPENGINE = process.env.REFERENCE_RTPENGINE ?? '/usr/bin/rtpengine';
const haveRtpengine = existsSync(RTPENGINE);

interface Side {
  name: string;
  d: DaemonHandle;
  http: number;
}

type Scrape = Map<string, PromFamily>;

async function scrape(s: Side): Promise<Scrape> {
  const res = await fetch(`http://127.0.0.1:${s.http}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  const all = parseFamilies(await res.text());
  // rtpengine's families only; ours (rtpengine_ts_*) are checked in metrics.test.ts.
  return new Map([...all].filter(([n]) => !n.startsWith('rtpengine_ts_')));
}

const portsUsed = (x: Scrape): number | undefined => sampleValue(x.get('rtpengine_ports_used'), { name: 'default', address: '127.0.0.1' });

/** The same request sequence a proxy would send, plus two failing requests; RTP both ways. */
async function drive(s: Side): Promise<void> {
  const ng = s.d.ng;
  expect(str((await ng.request({ command: 'ping' })).get('result'))).toBe('pong');
  const [a, aRtcp] = await RtpPeer.pair();
  const [b, bRtcp] = await RtpPeer.pair();
  try {
    const { toA, toB } = await twoPartyCall(s.d, 'mc-1', a.port, b.port);
    for (let i = 0; i < 20; i++) {
      a.send(rtpPacket(0, i, i * 160, 0x1111), toA);
      b.send(rtpPacket(0, i, i * 160, 0x2222), toB);
    }
    await Promise.all([a.waitFor(20), b.waitFor(20)]);
  } finally {
    for (const p of [a, aRtcp, b, bRtcp]) p.close();
  }
  expect(str((await ng.request({ command: 'query', 'call-id': 'mc-1' })).get('result'))).toBe('ok');
  expect(str((await ng.request({ command: 'query', 'call-id': 'no-such-call' })).get('result'))).toBe('error');
  expect(str((await ng.request({ command: 'no such command' })).get('result'))).toBe('error');
  expect(str((await ng.request({ command: 'list' })).get('result'))).toBe('ok');
  expect(str((await ng.request({ command: 'statistics' })).get('result'))).toBe('ok');
}

/** Family → label name → sorted label values; plus type and help. The shape that must be equal. */
function shape(s: Scrape): Record<string, { type: string; help: string | null; labels: Record<string, string[]> }> {
  const out: Record<string, { type: string; help: string | null; labels: Record<string, string[]> }> = {};
  for (const [name, f] of [...s].sort(([x], [y]) => x.localeCompare(y))) {
    const labels: Record<string, Set<string>> = {};
    for (const smp of f.samples) for (const [k, v] of smp.labels) (labels[k] ??= new Set()).add(v);
    out[name] = {
      type: f.type, help: f.help,
      labels: Object.fromEntries(Object.entries(labels).sort().map(([k, v]) => [k, [...v].sort()])),
    };
  }
  return out;
}

/** Deterministic values: counters as the change over the run, gauges as read at the end. */
function values(before: Scrape, after: Scrape): Record<string, number> {
  const out: Record<string, number> = {};
  const delta = (fam: string, labels: Record<string, string> = {}): void => {
    const key = fam + JSON.stringify(labels);
    out[key] = (sampleValue(after.get(fam), labels) ?? NaN) - (sampleValue(before.get(fam), labels) ?? 0);
  };
  const gauge = (fam: string, labels: Record<string, string> = {}): void => {
    out[fam + JSON.stringify(labels)] = sampleValue(after.get(fam), labels) ?? NaN;
  };
  for (const t of ['own', 'foreign']) gauge('rtpengine_sessions', { type: t });
  for (const t of ['userspace', 'kernel', 'mixed']) gauge('rtpengine_mediastreams', { type: t });
  gauge('rtpengine_transcoded_media');
  delta('rtpengine_sessions_total');
  for (const r of ['rejected', 'timeout', 'silent_timeout', 'final_timeout', 'offer_timeout', 'terminated', 'force_terminated']) {
    delta('rtpengine_closed_sessions_total', { reason: r });
  }
  for (const t of ['userspace', 'kernel']) {
    delta('rtpengine_packets_total', { type: t });
    delta('rtpengine_bytes_total', { type: t });
    delta('rtpengine_packet_errors_total', { type: t });
  }
  delta('rtpengine_zero_packet_streams_total');
  delta('rtpengine_one_way_sessions_total');
  delta('rtpengine_mos_samples_total');
  for (const f of after.get('rtpengine_requests_total')?.samples ?? []) {
    delta('rtpengine_requests_total', { proxy: f.labels.get('proxy')!, request: f.labels.get('request')! });
  }
  delta('rtpengine_errors_total', { proxy: '127.0.0.1' });
  for (const fam of ['rtpengine_ports_used', 'rtpengine_ports_free', 'rtpengine_ports']) gauge(fam, { name: 'default', address: '127.0.0.1' });
  return out;
}

describe.skipIf(!haveRtpengine)('/metrics compared with rtpengine 10.5', () => {
  const sides: Side[] = [];
  beforeAll(async () => {
    const refHttp = await freeTcpPort();
    sides.push({ name: 'rtpengine', d: await startReference(RTPENGINE, [`--listen-http=127.0.0.1:${refHttp}`], { ports: 100 }), http: refHttp });
    const ourHttp = await freeTcpPort();
    sides.push({ name: 'rtpengine-ts', d: await startDaemon([`--listen-http=127.0.0.1:${ourHttp}`], { ports: 100 }), http: ourHttp });
  });
  afterAll(async () => { await Promise.all(sides.map((s) => s.d.close())); });

  it('has rtpengine\'s families, types, help and labels, and the same values after the same calls', async () => {
    const runs: { before: Scrape; during: Scrape; after: Scrape }[] = [];
    for (const s of sides) {
      const before = await scrape(s);
      await drive(s);
      const during = await scrape(s);
      const del = await s.d.ng.request({ command: 'delete', 'call-id': 'mc-1', 'delete-delay': 0 });
      expect(str(del.get('result'))).toBe('ok');
      // Our ports go back to the pool once the worker has closed the sockets, a moment after the delete reply
      // (rtpengine's before it): wait for that, briefly, rather than compare a transient.
      let after = await scrape(s);
      for (const until = Date.now() + 2000; portsUsed(after) !== 0 && Date.now() < until;) {
        await new Promise((r) => setTimeout(r, 50));
        after = await scrape(s);
      }
      runs.push({ before, during, after });
    }
    const [ref, ours] = runs as [typeof runs[0], typeof runs[0]];
    // Every family rtpengine 10.5 prints without transcoding (its 4 transcoder families come with a chain: docs/metrics.md).
    expect(Object.keys(shape(ref.after)).length).toBe(23);
    for (const k of ['before', 'during', 'after'] as const) expect(shape(ours[k]), k).toEqual(shape(ref[k]));
    expect(values(ours.before, ours.during)).toEqual(values(ref.before, ref.during));
    expect(values(ours.before, ours.after)).toEqual(values(ref.before, ref.after));
    // The run's own numbers, so a change on both sides at once is noticed too.
    const v = values(ref.before, ref.after);
    expect(v['rtpengine_requests_total{"proxy":"127.0.0.1","request":"query"}']).toBe(2);
    expect(v['rtpengine_requests_total{"proxy":"127.0.0.1","request":"delete"}']).toBe(1);
    expect(v['rtpengine_errors_total{"proxy":"127.0.0.1"}']).toBe(2);
    expect(v['rtpengine_packets_total{"type":"userspace"}']).toBe(40);
    expect(v['rtpengine_closed_sessions_total{"reason":"terminated"}']).toBe(1);
    expect(values(ref.before, ref.during)['rtpengine_ports_used{"name":"default","address":"127.0.0.1"}']).toBe(4);
  });

  // rtpengine counts an undecodable datagram as an error of its proxy (no command): so do we.
  it('counts undecodable ng data in rtpengine_errors_total, as rtpengine does', async () => {
    const deltas: number[] = [];
    for (const s of sides) {
      const before = sampleValue((await scrape(s)).get('rtpengine_errors_total'), { proxy: '127.0.0.1' }) ?? 0;
      const reply = (await s.d.ng.raw(`garbage-${s.name}`, 'not bencode')).toString('latin1');
      expect(reply).toContain('Invalid NG data format');
      deltas.push((sampleValue((await scrape(s)).get('rtpengine_errors_total'), { proxy: '127.0.0.1' }) ?? 0) - before);
    }
    expect(deltas[0]).toBe(1);
    expect(deltas[1]).toBe(deltas[0]);
  });

  // rtpengine's transcoder families (measured: `chain="PCMU/8000 -> PCMA/8000"` and back, transcoded_media 2,
  // the gauges back at 0 but listed after the call, the transcode_*_total counters kept). Skipped, with that
  // reason, only if our daemon does not transcode (the offer to B lacks PCMA).
  it('has rtpengine\'s transcoder families for a transcoded call, with the same per-chain totals', async (tc) => {
    const per: { during: Scrape; after: Scrape; cliDuring: string; cliAfter: string; ng: Record<string, number>[] }[] = [];
    const [AB, BA] = [50, 30];
    // ng `statistics` transcoders: one dict per chain (chain, num, the last second's rates when it had packets, totals).
    const ngTranscoders = async (s: Side): Promise<Record<string, number>[]> => {
      const st = (await s.d.ng.request({ command: 'statistics' })).get('statistics') as Map<string, unknown>;
      return (st.get('transcoders') as Map<string, unknown>[]).map((d) => Object.fromEntries([...d].map(([k, v]) =>
        [k === 'chain' ? `chain ${str(v as Buffer)}` : k, k === 'chain' ? 0 : Number(v)]))).sort((x, y) =>
        Object.keys(x)[0]!.localeCompare(Object.keys(y)[0]!));
    };
    const cli = async (s: Side): Promise<string> => (await fetch(`http://127.0.0.1:${s.http}/cli/list/transcoders`)).text();
    for (const s of sides) {
      const [a, aRtcp] = await RtpPeer.pair();
      const [b, bRtcp] = await RtpPeer.pair();
      let cliDuring = '';
      try {
        const call = await twoPartyCall(s.d, 'mc-x', a.port, b.port, {
          offer: { sdp: phoneSdp('a', a.port, { pts: [0] }), codec: { transcode: ['PCMA'] } }, bPts: [8],
        });
        if (s.name === 'rtpengine-ts' && !/^m=audio \d+ RTP\/AVP 0 8\r?$/m.test(str(call.offer.get('sdp')))) {
          tc.skip('rtpengine-ts did not transcode (offer to B lacks PCMA)');
        }
        // Spread over > 2 s, so that a whole second with packets lies behind the CLI's rate lines.
        for (let i = 0; i < AB; i++) {
          a.send(rtpPacket(0, i, i * 160, 0x3333), call.toA);
          if (i < BA) b.send(rtpPacket(8, i, i * 160, 0x4444), call.toB);
          await new Promise((r) => setTimeout(r, 45));
        }
        await Promise.all([a.waitFor(BA), b.waitFor(AB)]);
        cliDuring = await cli(s);
      } finally {
        for (const p of [a, aRtcp, b, bRtcp]) p.close();
      }
      // rtpengine's transcoded_media is sampled by its once-a-second call timer (measured: 1 as often as 2
      // right after the media, still 2 right after the delete): scrape after one tick.
      await new Promise((r) => setTimeout(r, 1100));
      const during = await scrape(s);
      await s.d.ng.request({ command: 'delete', 'call-id': 'mc-x', 'delete-delay': 0 });
      await new Promise((r) => setTimeout(r, 1100)); // the same timer, after the delete
      per.push({ during, after: await scrape(s), cliDuring, cliAfter: await cli(s), ng: await ngTranscoders(s) });
    }
    const [ref, ours] = per as [typeof per[0], typeof per[0]];
    // CLI `list transcoders`: each chain with its transcoders; the last second's rates under a chain that had packets.
    const cliShape = (t: string): string[] => t.split('\n').map((l) => l.replace(/^ +\d+ /, '     N ')).filter((l) => l !== '').sort();
    for (const r of [ref, ours]) {
      expect(r.cliDuring).toMatch(/^PCMU\/8000 -> PCMA\/8000: 1 transcoders\n {5}\d+ packets\/s\n {5}\d+ bytes\/s\n {5}\d+ samples\/s$/m);
      expect(r.cliAfter).toMatch(/^PCMA\/8000 -> PCMU\/8000: 0 transcoders$/m);
    }
    expect(cliShape(ours.cliDuring)).toEqual(cliShape(ref.cliDuring));
    expect(cliShape(ours.cliAfter)).toEqual(cliShape(ref.cliAfter));
    // ng statistics after the call: the same chains and keys in the same order (rates aside: which second
    // had packets is a matter of timing), num 0, and the same totals.
    const noRates = (d: Record<string, number>): Record<string, number> =>
      Object.fromEntries(Object.entries(d).filter(([k]) => !k.endsWith('rate')));
    expect(ref.ng.map(noRates).map((d) => Object.keys(d))).toEqual([
      ['chain PCMA/8000 -> PCMU/8000', 'num', 'packets', 'bytes', 'samples'], ['chain PCMU/8000 -> PCMA/8000', 'num', 'packets', 'bytes', 'samples'],
    ]);
    expect(ours.ng.map(noRates)).toEqual(ref.ng.map(noRates));
    expect(ref.ng[1]!.packets).toBe(AB);
    const totals = ['rtpengine_transcode_packets_total', 'rtpengine_transcode_bytes_total', 'rtpengine_transcode_samples_total'];
    const chainValues = (x: Scrape, fam: string): [string, number][] =>
      (x.get(fam)?.samples ?? []).map((smp): [string, number] => [smp.labels.get('chain') ?? '', smp.value]).sort();
    for (const k of ['during', 'after'] as const) {
      expect(shape(ours[k]), k).toEqual(shape(ref[k]));
      for (const fam of ['rtpengine_transcoded_media', 'rtpengine_transcoders']) {
        expect(chainValues(ours[k], fam), `${k} ${fam}`).toEqual(chainValues(ref[k], fam));
      }
      // Same chains; the counts of the same magnitude (±10 %: rtpengine's samples lose its resampler's delay).
      for (const fam of totals) {
        const r = chainValues(ref[k], fam);
        const o = chainValues(ours[k], fam);
        expect(o.map(([c]) => c), `${k} ${fam}`).toEqual(r.map(([c]) => c));
        for (let i = 0; i < r.length; i++) {
          expect(Math.abs(o[i]![1] - r[i]![1]), `${k} ${fam} ${r[i]![0]}: ours ${o[i]![1]}, rtpengine ${r[i]![1]}`)
            .toBeLessThanOrEqual(r[i]![1] * 0.1);
        }
      }
    }
    // What rtpengine counts (measured): input packets, their payload bytes, samples decoded; kept after the call.
    for (const x of [ref.after, ours.after]) {
      expect(sampleValue(x.get('rtpengine_transcode_packets_total'), { chain: 'PCMU/8000 -> PCMA/8000' })).toBe(AB);
      expect(sampleValue(x.get('rtpengine_transcode_packets_total'), { chain: 'PCMA/8000 -> PCMU/8000' })).toBe(BA);
      expect(sampleValue(x.get('rtpengine_transcode_bytes_total'), { chain: 'PCMU/8000 -> PCMA/8000' })).toBe(AB * 160);
      expect(sampleValue(x.get('rtpengine_transcode_samples_total'), { chain: 'PCMA/8000 -> PCMU/8000' })).toBe(BA * 160);
    }
    expect(sampleValue(ref.during.get('rtpengine_transcoded_media'))).toBe(2);
    expect(sampleValue(ref.during.get('rtpengine_transcoders'), { chain: 'PCMU/8000 -> PCMA/8000' })).toBe(1);
    expect(sampleValue(ref.after.get('rtpengine_transcoders'), { chain: 'PCMA/8000 -> PCMU/8000' })).toBe(0);
  });
});
