// Golden-driven rewrite tests: every offer/answer exchange of the listed
// transcripts is replayed through parseSdp + a plan derived by a minimal call
// model (test/unit/fixtures/sdp/mini-call-model.ts) + rewriteSdp, and the
// result must be byte-identical to rtpengine 10.5's reply SDP (taken from the
// raw wire bytes, so line endings are exact).
//
// Every exchange of every listed file is either covered or named in
// NOT_COVERED with a reason; a guard test enforces that.

import { describe, expect, it } from 'vitest';
import { assertSdpComplete, parseSdp, SdpIncompleteError, SdpParseError } from '../../protocol/sdp/index.js';
import { loadGolden, sdpBuffer, type Exchange } from './fixtures/sdp/golden.js';
import { MiniCallModel } from './fixtures/sdp/mini-call-model.js';
import { randomisedFrom } from './fixtures/sdp/randomised.js';

const NO_SDP = 'no SDP involved';

const NOT_COVERED: Record<string, Record<number, string>> = {
  '02-errors.txt': {
    1: 'call lookup error (Unknown call-id), not SDP',
    2: NO_SDP + ' (query)',
    3: NO_SDP + ' (delete)',
    4: NO_SDP + ' (delete)',
    5: NO_SDP + ' (missing command)',
    6: NO_SDP + ' (unknown command)',
    7: 'message validation: no sdp key at all',
    8: 'message validation error (No call-id), not SDP',
    9: 'message validation error (No from-tag), not SDP',
    10: 'message validation error (No to-tag), not SDP',
    13: NO_SDP + ' (bencode error)',
    14: NO_SDP + ' (format error)',
    15: NO_SDP + ' (format error)',
    16: NO_SDP + ' (ping)',
    17: NO_SDP + ' (ping)',
    18: NO_SDP + ' (empty payload)',
    19: NO_SDP + ' (JSON error)',
    20: NO_SDP + ' (no reply)',
    21: NO_SDP + ' (no reply)',
    22: NO_SDP + ' (query)',
  },
  '03-offer-answer-basic.txt': {},
  '07-reinvite.txt': {},
  '08-delete.txt': {
    1: NO_SDP + ' (delete)',
    2: NO_SDP + ' (query)',
    3: NO_SDP + ' (delete)',
    4: NO_SDP + ' (list)',
  },
  '09-replace-flags.txt': {},
  '10-attribute-flags.txt': {},
  '11-ice.txt': {},
  '12-srtp-sdes.txt': {},
  '13-dtls-webrtc.txt': {},
  '14-rtcp-mux.txt': {},
  '15-codecs-ptime.txt': {},
  '19-misc-offer-keys.txt': {
    3: NO_SDP + ' (query)',
    6: NO_SDP + ' (query)',
  },
};

/** Exchanges whose reply is an SDP-level error we reproduce in the parser. */
const SDP_ERRORS: ReadonlySet<string> = new Set(['Failed to parse SDP', 'Incomplete SDP specification']);

function kind(ex: Exchange): 'rewrite' | 'sdp-error' | 'other' {
  const cmd = ex.req?.['command'];
  const hasIn = typeof ex.req?.['sdp'] === 'string';
  if ((cmd === 'offer' || cmd === 'answer') && hasIn && typeof ex.resp?.['sdp'] === 'string') return 'rewrite';
  if (hasIn && SDP_ERRORS.has(String(ex.resp?.['error-reason']))) return 'sdp-error';
  return 'other';
}

for (const [file, notCovered] of Object.entries(NOT_COVERED)) {
  describe(`golden ${file}`, () => {
    const exchanges = loadGolden(file);
    const model = new MiniCallModel();

    it('has every exchange either covered or listed as not covered', () => {
      expect(exchanges.length).toBeGreaterThan(0);
      for (const ex of exchanges) {
        const listed = notCovered[ex.n] !== undefined;
        const testable = kind(ex) !== 'other';
        expect({ n: ex.n, listed, testable }).toEqual({ n: ex.n, listed: !testable || listed, testable });
      }
      for (const n of Object.keys(notCovered)) expect(exchanges.some((e) => e.n === Number(n))).toBe(true);
    });

    for (const ex of exchanges) {
      if (notCovered[ex.n] !== undefined) continue;
      const k = kind(ex);
      if (k === 'rewrite') {
        it(`exchange ${ex.n}: ${ex.title.slice(ex.title.indexOf(':') + 1, 110).trim()}`, () => {
          const sdpIn = sdpBuffer(ex.req!['sdp'])!;
          const expected = sdpBuffer(ex.resp!['sdp'])!;
          const got = model.handle(ex.req!, sdpIn, randomisedFrom(sdpIn, expected));
          expect(got.toString('latin1')).toBe(expected.toString('latin1'));
        });
      } else if (k === 'sdp-error') {
        it(`exchange ${ex.n}: rejects with "${String(ex.resp!['error-reason'])}"`, () => {
          const sdpIn = sdpBuffer(ex.req!['sdp'])!;
          let err: unknown;
          try {
            assertSdpComplete(parseSdp(sdpIn));
          } catch (e) {
            err = e;
          }
          expect(err instanceof SdpParseError || err instanceof SdpIncompleteError).toBe(true);
          expect((err as Error).message).toBe(ex.resp!['error-reason']);
        });
      }
    }
  });
}
