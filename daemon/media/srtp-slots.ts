/**
 * The worker's side of CMD_SRTP (command-ring.ts): builds a slot's SRTP contexts from the params the
 * main thread sent, through srtp-factory.ts only, and keeps a context while its params stay equal,
 * so ROC and replay state survive re-INVITEs that keep the keys. Runs per signalling event.
 */
import type { SrtpParams } from './messages.js';
import { closeSrtpContext, SRTP_RX, SRTP_TX, type RelayState, type SlotSrtpContext } from './relay-state.js';
import { createSrtpContext, sameSrtpParams } from './srtp-factory.js';

/**
 * Sets slot `slot`'s contexts. Returns null, or why a direction's keys are unusable: that direction
 * then has its flag without a context, and the pipeline drops every packet that way (never plain).
 */
export function applySlotSrtp(S: RelayState, slot: number, rx: SrtpParams | null, tx: SrtpParams | null): string | null {
  let problem: string | null = null;
  if (!sameSrtpParams(S.srtpRxParams[slot]!, rx)) {
    const r = build(rx);
    closeSrtpContext(S.srtpRx[slot]!);
    S.srtpRx[slot] = r.ctx;
    S.srtpRxParams[slot] = rx;
    problem = r.error;
  }
  if (!sameSrtpParams(S.srtpTxParams[slot]!, tx)) {
    const t = build(tx);
    closeSrtpContext(S.srtpTx[slot]!);
    S.srtpTx[slot] = t.ctx;
    S.srtpTxParams[slot] = tx;
    problem ??= t.error;
  }
  S.srtp[slot] = (rx !== null ? SRTP_RX : 0) | (tx !== null ? SRTP_TX : 0);
  return problem;
}

function build(p: SrtpParams | null): { ctx: SlotSrtpContext | null; error: string | null } {
  if (p === null) return { ctx: null, error: null };
  try {
    return { ctx: createSrtpContext(p), error: null };
  } catch (e) {
    return { ctx: null, error: `${p.suite}: ${(e as Error).message}` };
  }
}
