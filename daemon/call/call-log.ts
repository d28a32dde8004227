/**
 * The call layer's log lines ([core] subsystem), in rtpengine 10.5's words and at its levels
 * (measured with test/dev/call-log-probe.mjs and call-log-probe2.mjs against /usr/bin/rtpengine):
 *
 * - NOTICE `Creating new call`; DEBUG `set FILLED flag for stream, local A remote B` when an offer or
 *   answer first gives a stream its participant's address;
 * - stream events, prefixed `[callid port LOCALPORT]` as rtpengine's packet-handling lines: DEBUG
 *   `Peer address changed from A to B` while the source is being learned, INFO `Confirmed peer
 *   address as A` once it is committed (both from the media workers' 'learned' notices, handled on
 *   the main thread, never on the packet path);
 * - delete: INFO `Deleting call branch 'TAG' (via-branch 'B')`, DEBUG `Destroying monologue 'TAG' (B)`
 *   per participant, INFO `Call branch 'TAG' (via-branch 'B') deleted` (`, no more branches remaining`
 *   when the call goes with it),
 *   INFO `Deleting entire call`; with a delete-delay INFO `Scheduling deletion of call branch 'TAG'
 *   (via-branch 'B') in N seconds` / `Scheduling deletion of entire call in N seconds`;
 * - timeouts: INFO `Closing call due to timeout` / `Closing call due to final timeout`;
 * - every end: the INFO `Final packet stats:` block (final-stats.ts).
 *
 * Not logged, because rtpengine-ts has no such thing: the kernel forwarding lines (kernelizing,
 * unkernelizing: forwarding is userspace only), Redis (`Redis delete_async=0`), rtpengine's
 * [internals] lines (its port allocator and allocations), and the per-packet DEBUG lines (`Handling
 * packet`, `Forward to sink endpoint`, `New ingress SSRC`): the packet path logs nothing.
 *
 * A call with `debug` set (ng flag `debug`/`debugging`, or the CLI's `debug CALLID on`) has all its
 * lines written, DEBUG included, whatever the level of [core] (rtpengine: the call's own log level
 * is then above DEBUG); the lines keep their own level names.
 */
import { logNotice, type Logger } from '../log.js';

export interface DebugFlag {
  debug: boolean;
}

export class CallLog {
  /** The same subsystem logger, always at DEBUG: for the calls with `debug` set. */
  private readonly everything: Logger;

  constructor(private readonly log: Logger) {
    this.everything = log.child({}, { level: 'debug' });
  }

  /** The logger for lines about `call`. */
  of(call: DebugFlag | null | undefined): Logger {
    return call?.debug === true ? this.everything : this.log;
  }

  notice(call: DebugFlag & { callId: string }, msg: string): void {
    logNotice(this.of(call), { callId: call.callId }, msg);
  }

  info(call: DebugFlag & { callId: string }, msg: string, streamPort?: number): void {
    this.of(call).info(streamPort === undefined ? { callId: call.callId } : { callId: call.callId, streamPort }, msg);
  }

  debug(call: DebugFlag & { callId: string }, msg: string, streamPort?: number): void {
    const l = this.of(call);
    if (!l.isLevelEnabled('debug')) return;
    l.debug(streamPort === undefined ? { callId: call.callId } : { callId: call.callId, streamPort }, msg);
  }

  /** Whether INFO lines of `call` are written (to skip building the stats block when not). */
  infoEnabled(call: DebugFlag): boolean {
    return this.of(call).isLevelEnabled('info');
  }
}
