/** The dashboard's snapshot shaping (daemon/http/dashboard/snapshot.ts) from query-shaped statistics. */
import { describe, expect, it } from 'vitest';
import type { BEncodable } from '../../protocol/ng/bencode.js';
import { callQualityView, callView, RateTracker, streamViews } from '../../daemon/http/dashboard/snapshot.js';

type Dict = Map<string, BEncodable>;
const d = (o: Record<string, BEncodable>): Dict => new Map(Object.entries(o));

function stream(local: number, remote: [string, number] | null, packets: number, rtcp = false): Dict {
  return d({
    'local port': local, 'local address': '192.0.2.1', family: 'IPv4',
    endpoint: remote ? d({ family: remote[0].includes(':') ? 'IPv6' : 'IPv4', address: remote[0], port: remote[1] }) : new Map(),
    'advertised endpoint': new Map(), 'last packet': 0, flags: [rtcp ? 'RTCP' : 'RTP'],
    stats: d({ packets, bytes: packets * 172, errors: 0 }),
  });
}

/** A query reply's statistics for a call A (PCMU) ↔ B (PCMA), transcoded, as callStats builds them. */
function stats(ssrc: Dict = new Map(), estimated?: Dict): Dict {
  const media = (codec: string | undefined, s: Dict[], transcoding: boolean): Dict => {
    const m = d({ index: 1, type: 'audio', protocol: 'RTP/AVP' });
    if (codec) m.set('codec', codec);
    m.set('streams', s);
    m.set('flags', ['initialized', 'send', 'recv', ...(transcoding ? ['transcoding'] : [])]);
    return m;
  };
  const out = d({ created: 1, created_us: 0, 'last signal': 1, SSRC: ssrc });
  if (estimated) out.set('estimated MOS', estimated);
  out.set('tags', d({
    a: d({ tag: 'a', created: 1, subscriptions: [], subscribers: [], medias: [media('PCMU/8000', [stream(30000, ['198.51.100.7', 4000], 120), stream(30001, ['198.51.100.7', 4001], 2, true)], true)] }),
    b: d({ tag: 'b', created: 1, subscriptions: [], subscribers: [], medias: [media(undefined, [stream(30002, ['2001:db8::5', 5000], 0)], true)] }),
  }));
  out.set('totals', d({ RTP: d({ packets: 120, bytes: 0, errors: 0 }), RTCP: d({ packets: 2, bytes: 0, errors: 0 }) }));
  return out;
}

const negotiated = new Map([['a', [['PCMU/8000', 'telephone-event/8000']]], ['b', [['PCMA/8000']]]]);

describe('dashboard snapshot', () => {
  it('lists every stream with endpoints, relayed and negotiated codecs and the transcoding flag', () => {
    const s = streamViews(stats(), negotiated);
    expect(s).toEqual([
      { tag: 'a', media: 1, type: 'audio', component: 'RTP', codec: 'PCMU/8000', codecs: ['PCMU/8000', 'telephone-event/8000'], transcoding: true, local: '192.0.2.1:30000', remote: '198.51.100.7:4000', packets: 120, bytes: 120 * 172, errors: 0 },
      { tag: 'a', media: 1, type: 'audio', component: 'RTCP', codec: 'PCMU/8000', codecs: ['PCMU/8000', 'telephone-event/8000'], transcoding: true, local: '192.0.2.1:30001', remote: '198.51.100.7:4001', packets: 2, bytes: 2 * 172, errors: 0 },
      { tag: 'b', media: 1, type: 'audio', component: 'RTP', codec: '', codecs: ['PCMA/8000'], transcoding: true, local: '192.0.2.1:30002', remote: '[2001:db8::5]:5000', packets: 0, bytes: 0, errors: 0 },
    ]);
  });

  it('takes RTCP-based quality (latest progression entry, worst MOS, highest jitter and loss) over estimates', () => {
    const sample = (mos: number, jitter: number, loss: number): Dict => d({ MOS: mos, 'round-trip time': 0, 'round-trip time leg': 0, jitter, 'packet loss': loss, 'reported at': 0 });
    const ssrc = d({
      '1': d({ 'cumulative loss': 0, 'average MOS': sample(44, 1, 0), 'MOS progression': d({ interval: 1, entries: [sample(44, 1, 0), sample(39, 12, 3)] }) }),
      '2': d({ 'cumulative loss': 0, 'average MOS': sample(42, 5, 1), 'MOS progression': d({ interval: 0, entries: [] }) }),
    });
    const estimated = d({ '3': d({ MOS: 10, jitter: 99, 'packet loss': 50, estimated: 1 }) });
    expect(callQualityView(stats(ssrc, estimated))).toEqual({ mos: 3.9, estimated: false, jitterMs: 12, lossPercent: 3 });
  });

  it('falls back to the estimate from RTP, and reports no figures without either', () => {
    const estimated = d({ '7': d({ MOS: 43, jitter: 4, 'packet loss': 0, estimated: 1 }), '8': d({ MOS: 41, jitter: 2, 'packet loss': 1, estimated: 1 }) });
    expect(callQualityView(stats(new Map(), estimated))).toEqual({ mos: 4.1, estimated: true, jitterMs: 4, lossPercent: 1 });
    expect(callQualityView(stats())).toEqual({ mos: null, estimated: false, jitterMs: null, lossPercent: null });
  });

  it('shapes a call: age, state from answer and packet rate, transcoded, RTP packet total', () => {
    const c = callView('call-1', 10_000, true, stats(), negotiated, 75_500, 50);
    expect(c).toMatchObject({ callId: 'call-1', ageS: 65, state: 'active', transcoded: true, packets: 120, pps: 50, mos: null });
    expect(c.streams).toHaveLength(3);
    expect(callView('call-1', 10_000, true, stats(), negotiated, 75_500, 0).state).toBe('answered');
    expect(callView('call-1', 10_000, false, stats(), negotiated, 75_500, 0).state).toBe('offered');
  });

  it('turns counters into per-second rates between samples and forgets keys that went away', () => {
    const r = new RateTracker<string>();
    r.begin(1000);
    expect(r.rate('w0', 100)).toBe(0);
    r.end();
    r.begin(3000);
    expect(r.rate('w0', 300)).toBe(100);
    expect(r.rate('w1', 50)).toBe(0);
    r.end();
    r.begin(4000);
    expect(r.rate('w1', 100)).toBe(50);
    r.end();
    r.begin(5000);
    expect(r.rate('w0', 400)).toBe(0); // w0 was not seen at 4000: no previous value
    r.end();
  });
});
