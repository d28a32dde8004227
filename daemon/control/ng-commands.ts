/**
 * ng command dispatch (spec §2): maps `command` to its handler and shapes the reply dict with
 * `result` last, as rtpengine emits it.
 */
import type { BDict, BEncodable } from '../../protocol/ng/bencode.js';
import { parseCallOptions } from '../../protocol/ng/call-options.js';
import { NgError, NgLoadLimit } from '../../protocol/ng/errors.js';
import { errorReply } from '../../protocol/ng/message.js';
import { dumpBytes } from './ng-processor.js';
import { getInt } from '../../protocol/ng/values.js';
import type { CallManager } from '../call/call-manager.js';
import type { Logger } from '../log.js';
import { ControlStats } from './control-stats.js';
import { CallLog } from '../call/call-log.js';

type Dict = Map<string, BEncodable>;

/**
 * What tests may do to the daemon through ng, only with RTPENGINE_TS_TEST_HOOKS=1 (never in
 * production: without it the commands below are "Unrecognized command", as in rtpengine).
 */
export interface TestHooks {
  /** Makes a live media worker die of an uncaught exception; false if there is no such worker. */
  crashWorker(worker: number): boolean;
  liveWorkers(): number[];
}

export class NgCommands {
  readonly control = new ControlStats();

  constructor(
    private readonly calls: CallManager, private readonly statistics: () => Dict, private readonly log: Logger,
    private readonly hooks: TestHooks | null = null,
  ) {
    this.callLog = new CallLog(log);
  }

  /** The control logger as a call's lines see it (all of them for a call with `debug` set). */
  private readonly callLog: CallLog;

  /**
   * `peer` is the control client's address (`IP` or `IP:port`), for per-proxy statistics and the log;
   * `raw` the request's payload bytes, for the log of a protocol error. Logs as rtpengine 10.5 does
   * (measured): INFO `Received command 'offer' from IP:port` and `Replying to 'offer' from IP:port
   * (elapsed time 0.000851 sec)`, at DEBUG the request and the reply, WARNING for protocol errors.
   */
  async handle(req: BDict, peer = '', raw?: Buffer): Promise<Dict> {
    const cmdRaw = req.get('command');
    if (!Buffer.isBuffer(cmdRaw)) return errorReply('Dictionary contains no key "command"');
    const command = cmdRaw.toString('latin1');
    const cid = req.get('call-id');
    const callId = Buffer.isBuffer(cid) ? cid.toString('latin1') : undefined;
    const log = this.log;
    // Built only when written: at -L 4 and below the ng path pays nothing for these lines.
    const info = log.isLevelEnabled('info');
    if (info) log.info({ callId }, `Received command '${command}' from ${peer}`);
    if (log.isLevelEnabled('debug')) log.debug({ callId }, `Dump for '${command}' from ${peer}: ${dumpDict(req)}`);
    const started = performance.now();
    const reply = await this.dispatch(command, req, peer, raw);
    if (command === 'offer') this.noteCreator(req, peer);
    const flushed = this.calls.mediaFlushed();
    if (flushed) await flushed; // the reply must not overtake what the command told the workers
    const error = reply.get('result') === 'error';
    const elapsed = (performance.now() - started) / 1000;
    this.control.record(peerAddress(peer), command, elapsed, error);
    if (!error) {
      // A call with `debug` set gets its reply lines whatever the level (as rtpengine: the request lines
      // were written before the call was looked up, so they follow the level).
      const log = this.callLog.of(callId === undefined ? null : this.calls.calls.get(callId));
      const info = log.isLevelEnabled('info');
      if (info) log.info({ callId }, `Replying to '${command}' from ${peer} (elapsed time ${elapsed.toFixed(6)} sec)`);
      if (log.isLevelEnabled('debug')) log.debug({ callId }, `Response dump for '${command}' to ${peer}: ${dumpDict(reply)}`);
    }
    return reply;
  }

  private async dispatch(command: string, req: BDict, peer: string, raw: Buffer | undefined): Promise<Dict> {
    const opts = command === 'ping' ? undefined : parseCallOptions(req);
    if (opts && opts.unknownFlags.length > 0) this.log.warn({ flags: opts.unknownFlags }, 'Unknown flag(s) encountered');
    try {
      let reply: Dict;
      switch (command) {
        case 'ping': return new Map<string, BEncodable>([['result', 'pong']]);
        case 'offer': reply = await this.calls.offer(opts!); break;
        case 'answer': reply = await this.calls.answer(opts!); break;
        case 'delete': reply = await this.calls.delete(opts!); break;
        case 'query': reply = this.calls.query(opts!); break;
        case 'list': reply = this.list(req); break;
        case 'statistics': reply = this.statistics(); break;
        case 'x-test-crash-worker': reply = this.crashWorker(req); break;
        default: throw new NgError('Unrecognized command');
      }
      reply.set('result', 'ok');
      return reply;
    } catch (e) {
      if (e instanceof NgError) {
        this.log.warn({ callId: opts?.callId }, `Protocol error in packet from ${peer}: ${e.reason}${raw ? ` [${dumpBytes(raw)}]` : ''}`);
        return errorReply(e.reason);
      }
      if (e instanceof NgLoadLimit) {
        if (opts?.supportsLoadLimit) return new Map<string, BEncodable>([['result', 'load limit'], ['message', e.reason]]);
        // Without `supports: [load limit]` rtpengine 10.5 answers every limit with this error.
        return errorReply('Parallel session limit reached');
      }
      this.log.error({ command, err: e }, 'Internal error while processing ng command');
      return errorReply('Internal error');
    }
  }

  /** The CLI lists which control peer created a call (rtpengine's created_from). */
  private noteCreator(req: BDict, peer: string): void {
    const id = req.get('call-id');
    const call = Buffer.isBuffer(id) ? this.calls.calls.get(id.toString('latin1')) : undefined;
    if (call && call.createdFrom === '') call.createdFrom = peer;
  }

  /** Test hook: `worker` (default: the first live one) dies; the reply names it and the live workers before. */
  private crashWorker(req: BDict): Dict {
    if (!this.hooks) throw new NgError('Unrecognized command');
    const live = this.hooks.liveWorkers();
    const worker = getInt(req, 'worker') ?? live[0] ?? -1;
    if (!this.hooks.crashWorker(worker)) throw new NgError('No such media worker');
    return new Map<string, BEncodable>([['worker', worker], ['live', live]]);
  }

  private list(req: BDict): Dict {
    const limit = getInt(req, 'limit') ?? 32;
    if (limit < 0) throw new NgError('invalid limit, must be >= 0');
    return new Map<string, BEncodable>([['calls', this.calls.list(limit)]]);
  }
}

/** Counts undecodable data from `peer` as an ng error (errors_total, statistics errorcount). */
export function recordUndecodable(commands: NgCommands, peer: string): void {
  commands.control.recordError(peerAddress(peer));
}

/** `1.2.3.4:5060` / `[::1]:5060` / `::1` → the address part. */
function peerAddress(peer: string): string {
  const v6 = /^\[(.*)\]:\d+$/.exec(peer);
  if (v6) return v6[1]!;
  const v4 = /^([^:]+):\d+$/.exec(peer);
  return v4 ? v4[1]! : peer;
}

/** A request or reply as rtpengine's debug dump shows it: JSON, byte strings as text. */
function dumpDict(d: ReadonlyMap<string, unknown>): string {
  const conv = (v: unknown): unknown => {
    if (Buffer.isBuffer(v)) return v.toString('latin1');
    if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, conv(x)]));
    if (Array.isArray(v)) return v.map(conv);
    return typeof v === 'bigint' ? Number(v) : v;
  };
  return JSON.stringify(conv(d), null, 1).replace(/\n\s*/g, ' ');
}
