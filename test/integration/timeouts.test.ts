/**
 * Golden 22: the lifecycle timeline of rtpengine 10.5 with --timeout=3 --silent-timeout=6
 * --offer-timeout=5 --final-timeout=12 --delete-delay=2. The recorded requests are replayed, RTP is
 * pumped for the call that must live until its final timeout, `list` is polled every 0.25 s, and each
 * call must disappear when rtpengine's did (±1 s: both timers have whole-second granularity), with
 * the same session counters afterwards.
 */
import { describe, expect, it } from 'vitest';
import { readGolden } from '../helpers/golden.js';
import { startDaemon } from '../helpers/daemon-process.js';
import { dict, str } from '../helpers/ng-client.js';
import { RtpPeer, rtpPacket } from '../helpers/rtp-peer.js';

/** When each call vanished from `list` in the capture (its TIMELINE note), seconds after the first offer. */
const GOLDEN_GONE: Record<string, number> = {
  'T5-delete-delay': 1.5, 'T2-no-media': 2.5, 'T1-offer-only': 4.5, 'T3-inactive': 5.5, 'T4-media': 11.5,
};

describe('golden 22: timeouts', () => {
  it('offer-timeout, timeout, silent-timeout, final-timeout and delete-delay fire when rtpengine\'s did', async () => {
    const d = await startDaemon(['--timeout=3', '--silent-timeout=6', '--offer-timeout=5', '--final-timeout=12', '--delete-delay=2'], { portMin: 33000, ports: 100 });
    // T4's endpoints from the capture's SDP (127.0.0.1:44600 / 44700).
    const a = await RtpPeer.openFixed(44600);
    const b = await RtpPeer.openFixed(44700);
    let pump: NodeJS.Timeout | undefined;
    try {
      const t0 = Date.now();
      let toA = 0;
      let toB = 0;
      for (const ex of readGolden('22-timeouts.txt')) {
        if (!ex.request || ex.title.includes(': statistics')) continue;
        const sp = ex.request.indexOf(0x20);
        const raw = await d.ng.raw(ex.request.subarray(0, sp).toString('latin1'), ex.request.subarray(sp + 1));
        const m = /m=audio (\d+)/.exec(raw.toString('latin1'));
        if (ex.title.includes(': T4: offer') && m) toB = Number(m[1]);
        if (ex.title.includes(': T4: answer') && m) toA = Number(m[1]);
      }
      expect(toA).toBeGreaterThan(0);
      let seq = 0;
      pump = setInterval(() => {
        a.send(rtpPacket(0, seq, seq * 160, 0xaaaa0001), toA);
        b.send(rtpPacket(0, seq, seq * 160, 0xbbbb0002), toB);
        seq++;
      }, 20);
      const gone = new Map<string, number>();
      let prev = new Set(Object.keys(GOLDEN_GONE));
      while (Date.now() - t0 < 14_000 && gone.size < 5) {
        const l = await d.ng.request({ command: 'list' });
        const now = new Set((l.get('calls') as Buffer[]).map(String));
        for (const c of prev) if (!now.has(c) && !gone.has(c)) gone.set(c, (Date.now() - t0) / 1000);
        prev = now;
        await new Promise((r) => setTimeout(r, 250));
      }
      for (const [call, at] of Object.entries(GOLDEN_GONE)) {
        const ours = gone.get(call);
        expect(ours, `${call} never went away`).toBeDefined();
        expect(ours!, `${call} gone at ${ours} s, rtpengine at ${at} s`).toBeGreaterThanOrEqual(at - 1);
        expect(ours!, `${call} gone at ${ours} s, rtpengine at ${at} s`).toBeLessThanOrEqual(at + 1);
      }
      const st = await d.ng.request({ command: 'statistics' });
      const total = dict(dict(st.get('statistics')).get('totalstatistics'));
      const counters = Object.fromEntries(['managedsessions', 'timeoutsessions', 'silenttimeoutsessions', 'finaltimeoutsessions',
        'offertimeoutsessions', 'regularterminatedsessions', 'forcedterminatedsessions'].map((k) => [k, total.get(k)]));
      // The capture's final counters (offer-only calls count as plain timeouts in 10.5).
      expect(counters).toEqual({
        managedsessions: 5, timeoutsessions: 2, silenttimeoutsessions: 1, finaltimeoutsessions: 1,
        offertimeoutsessions: 0, regularterminatedsessions: 1, forcedterminatedsessions: 0,
      });
      expect(str(st.get('result'))).toBe('ok');
    } finally {
      if (pump) clearInterval(pump);
      a.close();
      b.close();
      await d.close();
    }
  }, 30_000);
});
