/**
 * The SDP side of DTLS-SRTP (RFC 5763 §5, RFC 5764) for one media section, as rtpengine 10.5 does it:
 * our offers carry `a=setup:actpass` and our certificate's fingerprint (sha-256 unless
 * `DTLS-fingerprint=`), towards a recipient that has not shown it does without DTLS; an answer to an
 * offerer that offered DTLS takes a role — the opposite of an explicit peer role, else the one asked
 * for (`DTLS=` in the answer, `DTLS-reverse=` in the offer, `--dtls-passive`), else active — and
 * uses the peer's hash function. The answerer's role sets ours towards it. The result goes into
 * `CallMedia.dtls`; the handshake itself is MediaContext.dtls's business.
 */
import type { CallOptions } from '../../protocol/ng/call-options.js';
import type { SdpMedia } from '../../protocol/sdp/types.js';
import type { CallMedia } from './media.js';
import type { MediaContext } from './media-context.js';
import { isSrtpProto } from './sdes-negotiate.js';

export interface DtlsLines {
  setup?: string;
  fingerprint?: string;
}

/** Records the sender's DTLS attributes and the roles asked for by this message's flags. */
function record(opts: CallOptions, from: CallMedia, to: CallMedia, sm: SdpMedia): void {
  from.peerSetup = sm.setup;
  from.peerFingerprint = sm.fingerprint ?? null;
  // `DTLS` names the role towards the recipient of this message, `DTLS-reverse` towards its sender.
  if (opts.dtls === 'active' || opts.dtls === 'passive') to.dtlsWanted = opts.dtls;
  if (opts.dtlsReverse) from.dtlsWanted = opts.dtlsReverse;
  // An SRTP SDP with a=crypto but no a=fingerprint (offer or answer): that side does SDES, not DTLS,
  // and rtpengine offers it no more DTLS until it sends a fingerprint again.
  if (isSrtpProto(sm.proto)) from.dtlsRefused = !from.peerFingerprint && sm.crypto.length > 0;
}

/** A usable peer fingerprint (`a=setup:holdconn` asks for no connection: RFC 4145 §4). */
function peerFingerprint(m: CallMedia): CallMedia['peerFingerprint'] {
  return m.peerSetup === 'holdconn' ? null : m.peerFingerprint;
}

/**
 * An offer from `from` to `to`. `srtp`: the recipient gets an SRTP (or OSRTP) offer. Returns the
 * a=setup / a=fingerprint values to write.
 */
export function offerDtls(ctx: MediaContext, opts: CallOptions, from: CallMedia, to: CallMedia, sm: SdpMedia, srtp: boolean): DtlsLines {
  record(opts, from, to, sm);
  // The offerer's DTLS with us is settled by the answer (until then rtpengine reports both roles);
  // without a fingerprint it has given DTLS up.
  const fp = isSrtpProto(sm.proto) ? peerFingerprint(from) : null;
  if (!fp) from.dtls = null;
  if (from.dtls && from.dtls.peerFingerprint?.value !== fp?.value) from.dtls = null;
  // rtpengine 10.5 keeps reporting a passive role it has with the offerer; an active one opens up.
  from.dtlsPending = fp !== null && from.dtls?.role !== 'passive';

  // A recipient that does SDES without DTLS gets no DTLS offer (rtpengine 10.5).
  const want = srtp && opts.dtls !== 'off' && ctx.dtls !== null && !to.dtlsRefused;
  if (!want) {
    to.dtlsPending = false;
    to.dtls = null;
    return {};
  }
  to.dtlsPending = true;
  const hash = opts.dtlsFingerprint ?? 'sha-256';
  return { setup: 'actpass', fingerprint: `${hash} ${ctx.dtls!.fingerprint(hash)}` };
}

/**
 * An answer from `from` (answerer) to `to` (offerer). `srtp`: the answer to the offerer has an SRTP
 * profile. Returns the lines for the offerer (none when it gets no DTLS).
 */
export function answerDtls(ctx: MediaContext, opts: CallOptions, from: CallMedia, to: CallMedia, sm: SdpMedia, srtp: boolean): DtlsLines {
  record(opts, from, to, sm);
  if (from.dtlsPending || from.dtls) {
    // RFC 4145 §4: an answerer without a=setup is active; we take the other role.
    const afp = peerFingerprint(from);
    from.dtls = afp ? { role: from.peerSetup === 'passive' ? 'active' : 'passive', peerFingerprint: afp } : null;
  }
  from.dtlsPending = false;

  to.dtlsPending = false;
  const fp = peerFingerprint(to);
  if (!fp || !srtp || opts.dtls === 'off' || ctx.dtls === null) {
    to.dtls = null;
    return {};
  }
  const same = to.dtls !== null && to.dtls.peerFingerprint?.value === fp.value;
  let role: 'active' | 'passive';
  if (to.peerSetup === 'active') role = 'passive';
  else if (to.peerSetup === 'passive') role = 'active';
  // An association that exists keeps its roles (rtpengine 10.5 answers a re-offer so).
  else if (same) role = to.dtls!.role;
  else role = to.dtlsWanted ?? (ctx.settings.dtlsPassive ? 'passive' : 'active');
  // A new DTLS association: keys left from an SDES offer do not apply (the handshake brings them).
  if (!same) {
    to.srtp = null;
    to.dtlsKeys = null;
  }
  to.dtls = { role, peerFingerprint: fp };
  const hash = opts.dtlsFingerprint ?? fp.hash;
  return { setup: role, fingerprint: `${hash} ${ctx.dtls.fingerprint(hash)}` };
}
