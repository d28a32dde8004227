/**
 * What the CLI commands (`--listen-cli`, HTTP `/cli/`) read and change in the running daemon. The
 * settings objects are the live ones the call layer and the load limits read, so `set` takes effect
 * on the next call / lifecycle tick, as in rtpengine.
 */
import type { BEncodable } from '../../../protocol/ng/bencode.js';
import type { CallManager } from '../../call/call-manager.js';
import type { CallSettings, MediaContext } from '../../call/media-context.js';
import type { LogSubsystem } from '../../config/option-table.js';
import type { DaemonOptions } from '../../config/options.js';
import type { Logger } from '../../log.js';
import type { Tunables } from './cli-params.js';
import type { LoadLimitSettings } from '../load-limits.js';

/** Run-time parameters that only the CLI reads back (no feature of ours uses them yet). */
export interface CliParams {
  controlTos: number;
  redisAllowedErrors: number;
  redisDisableTime: number;
  redisCmdTimeout: number;
  redisConnectTimeout: number;
}

export interface CliContext {
  calls: CallManager;
  ctx: MediaContext;
  /** Timeouts, delete-delay, max-sessions: read by the call layer. */
  settings: CallSettings;
  /** max-load / max-cpu / max-bandwidth: read by LoadLimits on every new call. */
  limits: LoadLimitSettings;
  params: CliParams;
  /** The daemon's options as started (what `params` lists besides the tunables). */
  options: DaemonOptions;
  /** The tunables at start-up (`params start`, `diff`, `revert`). */
  initial: Tunables;
  /** Per-subsystem log levels (rtpengine's names); `applyLogLevels` makes the logger follow them. */
  logLevels: Record<LogSubsystem, number>;
  applyLogLevels(): void;
  /** The ng `statistics` reply's `statistics` dict (the same numbers). */
  statistics(): Map<string, BEncodable>;
  /** The daemon log, for what a command does besides its reply (`call X terminate` warns, as 10.5). */
  log: Logger;
}
