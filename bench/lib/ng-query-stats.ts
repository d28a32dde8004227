/**
 * What the SIPp bench reads from an ng `query` reply (rtpengine 10.5's shape, which rtpengine-ts
 * follows): packets the daemon received for the call (`totals` RTP + RTCP) and the average MOS of
 * each SSRC (`SSRC` -> ssrc -> `average MOS` -> `MOS`, sent as MOS x 10; 0 or absent until RTCP
 * has been seen).
 */
import type { BValue } from './bencode.js';
import type { NgDict } from './ng-client.js';

const asDict = (v: BValue | undefined): NgDict | undefined =>
  v !== undefined && typeof v === 'object' && !Array.isArray(v) ? v : undefined;

export function queryStats(q: NgDict): { packets: number; mos: number[] } {
  let packets = 0;
  const totals = asDict(q['totals']);
  for (const k of ['RTP', 'RTCP']) {
    const p = asDict(totals?.[k])?.['packets'];
    if (typeof p === 'number') packets += p;
  }
  const mos: number[] = [];
  for (const s of Object.values(asDict(q['SSRC']) ?? {})) {
    const m = asDict(asDict(s)?.['average MOS'])?.['MOS'];
    if (typeof m === 'number' && m > 0) mos.push(m / 10);
  }
  return { packets, mos };
}
