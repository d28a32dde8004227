/**
 * SDES (RFC 4568) and OSRTP (RFC 8643) keying of one media section for one offer or answer, as
 * rtpengine 10.5 does it (spec §4.5, golden 12, and its observed behaviour):
 *
 * - An offer towards an SRTP recipient (or an OSRTP offer) carries our own keys: first those we
 *   already gave it and it accepted, then the offerer's own suites with the offerer's tag and key (so
 *   an answer picking one of them needs no re-encryption on its side), then every other suite in
 *   rtpengine's order, each with a new random key and the next tag. Until the answer we protect
 *   towards the recipient with the first of them, and unprotect what the offerer sends with its first.
 * - An answer picks, on the answerer's side, our offered key with the answerer's tag; towards the
 *   offerer exactly one a=crypto: the offerer's line of the suite the answerer chose, carrying the
 *   answerer's key (pass-through of the key), else the offerer's first suite with a key of ours.
 *
 * It sets `sdesIn`, `sdesOut` and `srtp` of both CallMedia and returns the a=crypto values to write.
 */
import { randomFillSync } from 'node:crypto';
import type { CallOptions } from '../../protocol/ng/call-options.js';
import { formatCrypto, keySaltLength, mkiBytes, SDES_OFFER_ORDER, type SdesCrypto } from '../../protocol/sdp/crypto.js';
import type { SdpMedia } from '../../protocol/sdp/types.js';
import { findSrtpSuite } from '../../protocol/srtp/suites.js';
import type { SrtpParams } from '../media/messages.js';
import { NO_CRYPTO, type CallMedia } from './media.js';

/** RTP profiles with SRTP (RFC 3711 §12, RFC 5124, RFC 5764 §8). */
export function isSrtpProto(proto: string): boolean {
  return proto === 'RTP/SAVP' || proto === 'RTP/SAVPF' || proto === 'UDP/TLS/RTP/SAVP' || proto === 'UDP/TLS/RTP/SAVPF';
}

/** The worker's view of one SDES key (messages.ts SrtpParams). */
export function srtpParams(c: SdesCrypto): SrtpParams {
  const n = findSrtpSuite(c.suite)!.masterKeyLen;
  return {
    suite: c.suite,
    key: c.keySalt.subarray(0, n),
    salt: c.keySalt.subarray(n),
    mki: c.mki ? mkiBytes(c.mki) : null,
    kdr: c.kdr,
    unencryptedSrtp: c.unencryptedSrtp,
    unencryptedSrtcp: c.unencryptedSrtcp,
    unauthenticatedSrtp: c.unauthenticatedSrtp,
  };
}

function writeOpts(opts: CallOptions): { pad: boolean; lifetime: boolean } {
  return { pad: opts.sdes.pad, lifetime: opts.sdes.lifetime };
}

/** A new key of ours (CSPRNG, RFC 4568 §6.1 requires unpredictable keys). */
function newCrypto(suite: string, tag: number, opts: CallOptions): SdesCrypto {
  return {
    // Buffer.alloc, not a pool slice: the key lives as long as the call.
    tag, suite, keySalt: randomFillSync(Buffer.alloc(keySaltLength(suite))),
    unencryptedSrtp: opts.sdes.unencryptedSrtp === true,
    unencryptedSrtcp: opts.sdes.unencryptedSrtcp === true,
    unauthenticatedSrtp: opts.sdes.unauthenticatedSrtp === true,
    kdr: 0,
  };
}

/**
 * An offer from `from` to `to`. `sdes`: whether SDES goes to the recipient at all (SRTP profile or
 * OSRTP, not SDES-off). Returns the a=crypto values.
 */
export function offerSdes(opts: CallOptions, from: CallMedia, to: CallMedia, sm: SdpMedia, sdes: boolean): string[] {
  from.sdesIn = sm.crypto.length > 0 ? sm.crypto : NO_CRYPTO;
  if (isSrtpProto(sm.proto) || sm.crypto.length > 0) from.sdesDeclined = sm.crypto.length === 0;
  // What the offerer sends is unprotected with its first key until the answer says more. Keys of a
  // DTLS association (CallMedia.dtls, set by the DTLS layer) are left alone throughout.
  if (from.dtls) { /* DTLS-SRTP keys stay */ } else if (from.sdesIn.length > 0) from.srtp = { rx: srtpParams(from.sdesIn[0]!), tx: from.srtp?.tx ?? null };
  else from.srtp = null;

  if (!sdes) {
    to.sdesOut = NO_CRYPTO;
    if (!to.dtls) to.srtp = null;
    return [];
  }
  const no = opts.sdes.no;
  // What we already gave it stays, except that the offerer's current line of a suite (a new key of
  // its own, say) replaces ours of the same suite in place.
  const list: SdesCrypto[] = to.sdesOut.filter((c) => !no.has(c.suite)).map((c) => {
    const o = from.sdesIn.find((x) => x.suite === c.suite);
    return o ? { ...o, tag: c.tag, lifetime: undefined } : c;
  });
  let maxTag = list.reduce((m, c) => Math.max(m, c.tag), 0);
  for (const c of from.sdesIn) {
    if (no.has(c.suite) || list.some((x) => x.suite === c.suite)) continue;
    const tag = list.some((x) => x.tag === c.tag) ? maxTag + 1 : c.tag;
    list.push({ ...c, tag, lifetime: undefined });
    maxTag = Math.max(maxTag, tag);
  }
  for (const suite of SDES_OFFER_ORDER) {
    if (no.has(suite) || list.some((x) => x.suite === suite)) continue;
    list.push(newCrypto(suite, ++maxTag, opts));
  }
  to.sdesOut = list;
  // Until the answer, media to the recipient is protected with the first offered key (rtpengine
  // does the same); what it sends keeps the key of its last answer, if any.
  if (!to.dtls) to.srtp = list.length > 0 ? { rx: to.srtp?.rx ?? null, tx: srtpParams(list[0]!) } : null;
  const w = writeOpts(opts);
  return list.map((c) => formatCrypto(c, w));
}

/**
 * An answer from `from` (the answerer) to `to` (the offerer). `toProto`: the protocol of the answer
 * to the offerer (plain = the offerer's OSRTP offer, keyed only with `OSRTP=accept` or when the
 * answerer took one of its suites); `dtlsToOfferer`: the offerer is answered with DTLS-SRTP instead
 * (rtpengine prefers it when both were offered). Returns the a=crypto values for the offerer (one,
 * or none).
 */
export function answerSdes(opts: CallOptions, from: CallMedia, to: CallMedia, sm: SdpMedia, toProto: string, dtlsToOfferer: boolean): string[] {
  from.sdesIn = sm.crypto.length > 0 ? sm.crypto : NO_CRYPTO;
  const chosen = from.sdesIn[0];
  if (chosen) from.sdesDeclined = false;
  const picked = chosen ? from.sdesOut.find((c) => c.tag === chosen.tag && c.suite === chosen.suite) : undefined;
  if (chosen) {
    // The answerer's key for what it sends; ours as it accepted it (or, if its line names no key
    // we offered, still our first: never plain RTP towards a side that asked for SRTP).
    const ours = picked ?? from.sdesOut[0];
    if (picked) from.sdesOut = [picked];
    // (An answer with a=fingerprint as well runs DTLS: its handshake keys win.)
    if (!from.dtls) from.srtp = { rx: srtpParams(chosen), tx: ours ? srtpParams(ours) : null };
  } else if (!isSrtpProto(sm.proto)) {
    // A plain answer: no SRTP with the answerer (OSRTP declined, or SRTP refused).
    from.sdesOut = NO_CRYPTO;
    if (!from.dtls) from.srtp = null;
  }
  // else: an SRTP answer without a=crypto (DTLS-SRTP): what we offered stays until the handshake.

  const offered = to.sdesIn.filter((c) => findSrtpSuite(c.suite)?.implemented === true);
  const offererOsrtp = !isSrtpProto(toProto);
  const match = picked ? offered.find((c) => c.suite === picked.suite) : undefined;
  // (SDES-off only concerns offers: rtpengine 10.5 still answers an SDES offerer with a=crypto.)
  const wanted = !dtlsToOfferer && offered.length > 0 &&
    (!offererOsrtp || opts.osrtp.accept || match !== undefined);
  if (!wanted) {
    to.sdesOut = NO_CRYPTO;
    if (!to.dtls) to.srtp = null;
    return [];
  }
  const theirs = match ?? offered[0]!;
  let ours: SdesCrypto;
  if (match && chosen) {
    // Same suite on both sides: the offerer gets the answerer's key (rtpengine passes it through).
    ours = { ...chosen, tag: match.tag, lifetime: undefined };
  } else {
    const prev = to.sdesOut.find((c) => c.tag === theirs.tag && c.suite === theirs.suite);
    ours = prev ?? {
      ...newCrypto(theirs.suite, theirs.tag, opts),
      unencryptedSrtp: theirs.unencryptedSrtp,
      unencryptedSrtcp: theirs.unencryptedSrtcp,
      unauthenticatedSrtp: theirs.unauthenticatedSrtp,
    };
  }
  to.sdesOut = [ours];
  to.srtp = { rx: srtpParams(theirs), tx: srtpParams(ours) };
  return [formatCrypto(ours, writeOpts(opts))];
}
