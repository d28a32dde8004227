/**
 * --max-bandwidth and --max-cpu refuse new calls with rtpengine 10.5's `load limit` messages (checked
 * against the real daemon); without `supports: [load limit]` every limit is the plain error
 * "Parallel session limit reached", as in 10.5.
 */
import { describe, expect, it } from 'vitest';
import { startDaemon } from '../helpers/daemon-process.js';
import { str } from '../helpers/ng-client.js';
import { RtpPeer, rtpPacket } from '../helpers/rtp-peer.js';
import { mPort, phoneSdp } from '../helpers/sdp-fixtures.js';

const offer = (callId: string, supports: boolean): Record<string, unknown> => ({
  ...(supports ? { supports: ['load limit'] } : {}), command: 'offer', 'call-id': callId, 'from-tag': 'a', sdp: phoneSdp('a', 4000),
});

describe('load limits', () => {
  it('--max-bandwidth: "Bandwidth limit exceeded" while traffic is above the limit', async () => {
    const d = await startDaemon(['--max-bandwidth=1000']);
    const p = await RtpPeer.open();
    try {
      const first = await d.ng.request(offer('bw-1', true) as never);
      expect(str(first.get('result'))).toBe('ok');
      const port = mPort(str(first.get('sdp')));
      const until = Date.now() + 2300;
      for (let seq = 0; Date.now() < until; seq++) {
        p.send(rtpPacket(0, seq, seq * 160, 9), port);
        await new Promise((r) => setTimeout(r, 5));
      }
      const refused = await d.ng.request(offer('bw-2', true) as never);
      expect(str(refused.get('result'))).toBe('load limit');
      expect(str(refused.get('message'))).toBe('Bandwidth limit exceeded');
      const plain = await d.ng.request(offer('bw-3', false) as never);
      expect(str(plain.get('error-reason'))).toBe('Parallel session limit reached');
      const st = await d.ng.request({ command: 'statistics' });
      const total = (st.get('statistics') as Map<string, Map<string, unknown>>).get('totalstatistics')!;
      expect(total.get('rejectedsessions')).toBe(2);
      // A re-offer of an existing call is not a new session and passes.
      const again = await d.ng.request(offer('bw-1', true) as never);
      expect(str(again.get('result'))).toBe('ok');
    } finally {
      p.close();
      await d.close();
    }
  });

  it('--max-cpu: "CPU usage limit exceeded" while the machine is busy', async () => {
    const d = await startDaemon(['--max-cpu=0.5']);
    try {
      // Keep a core busy across at least one of the daemon's 1 s samples.
      const until = Date.now() + 2200;
      while (Date.now() < until) { /* busy */ }
      const refused = await d.ng.request(offer('cpu-1', true) as never);
      expect(str(refused.get('result'))).toBe('load limit');
      expect(str(refused.get('message'))).toBe('CPU usage limit exceeded');
    } finally {
      await d.close();
    }
  });
});
