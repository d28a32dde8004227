/** Setting up a two-party call over ng the way a SIP proxy does (offer from A, answer from B). */
import { expect } from 'vitest';
import type { BEncodable } from '../../protocol/ng/bencode.js';
import type { DaemonHandle } from './daemon-process.js';
import { str, type Reply } from './ng-client.js';
import { mPort, phoneSdp } from './sdp-fixtures.js';

export interface TwoPartyCall {
  /** Our port facing A (in the answer SDP A gets) and facing B (in the offer SDP B gets). */
  toA: number;
  toB: number;
  offer: Reply;
  answer: Reply;
}

export async function twoPartyCall(
  d: DaemonHandle, callId: string, aPort: number, bPort: number,
  extra: { offer?: Record<string, BEncodable>; answer?: Record<string, BEncodable>; bPts?: number[] } = {},
): Promise<TwoPartyCall> {
  const offer = await d.ng.request({ command: 'offer', 'call-id': callId, 'from-tag': 'a', sdp: phoneSdp('a', aPort), ...extra.offer });
  expect(str(offer.get('result'))).toBe('ok');
  const answer = await d.ng.request({
    command: 'answer', 'call-id': callId, 'from-tag': 'a', 'to-tag': 'b', sdp: phoneSdp('b', bPort, { pts: extra.bPts ?? [0] }), ...extra.answer,
  });
  expect(str(answer.get('result'))).toBe('ok');
  return { toA: mPort(str(answer.get('sdp'))), toB: mPort(str(offer.get('sdp'))), offer, answer };
}
