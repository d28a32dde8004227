import { describe, expect, it } from 'vitest';
import { queryStats } from '../../bench/lib/ng-query-stats.js';
import { gridSvg, plotSvg } from '../../bench/lib/svg-plot.js';

describe('bench/lib/ng-query-stats', () => {
  it('sums RTP and RTCP packets and reads each SSRC\'s average MOS (x10 on the wire)', () => {
    const r = queryStats({
      result: 'ok',
      totals: { RTP: { packets: 470, bytes: 1, errors: 0 }, RTCP: { packets: 12, bytes: 1, errors: 0 } },
      SSRC: {
        '1234': { 'average MOS': { MOS: 43, 'round-trip time': 50000 } },
        '5678': { 'average MOS': { MOS: 0 } },
        '9': {},
      },
    });
    expect(r.packets).toBe(482);
    expect(r.mos).toEqual([4.3]);
  });

  it('copes with a reply without totals or SSRC', () => {
    expect(queryStats({ result: 'ok' })).toEqual({ packets: 0, mos: [] });
  });
});

describe('bench/lib/svg-plot', () => {
  it('draws one polyline per run of non-null points and a legend entry per series', () => {
    const svg = plotSvg({
      title: 'MOS <x>', xLabel: 's', yLabel: 'MOS', yMin: 1, yMax: 4.5,
      series: [
        { name: 'a', color: '#f00', points: [[0, null], [1, 4.3], [2, 4.3], [3, null], [4, 4.1], [5, 4.2]] },
        { name: 'b', color: '#00f', points: [[0, 2]] },
      ],
    });
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg).toContain('MOS &lt;x&gt;');
    expect(svg.match(/<polyline[^>]*stroke="#f00"/g)?.length).toBe(2);
    expect(svg.match(/<circle[^>]*fill="#00f"/g)?.length).toBe(1);
    expect(svg).toMatch(/>a<\/text>/);
    expect(svg).toMatch(/>b<\/text>/);
  });

  it('lays panels out in a grid', () => {
    const p = { title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 's', color: '#000', points: [[0, 1], [1, 2]] as Array<[number, number]> }] };
    const svg = gridSvg([p, p, p, p], 2);
    expect(svg).toContain('width="960" height="600"');
    expect(svg.match(/<g transform=/g)?.length).toBe(4);
  });
});
