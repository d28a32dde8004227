/**
 * The CLI in the running daemon: builds the CliContext from the daemon's live objects and serves it
 * on `--listen-cli` (TCP) and, when there is an HTTP server, on `GET /cli/…`. Owns the TCP listener.
 */
import type { BEncodable } from '../../../protocol/ng/bencode.js';
import type { CallManager } from '../../call/call-manager.js';
import type { MediaContext } from '../../call/media-context.js';
import type { DaemonOptions } from '../../config/options.js';
import type { HttpServer } from '../../http/http-server.js';
import type { SubsystemLogs } from '../../log.js';
import type { CliContext } from './cli-context.js';
import { runCliCommand } from './cli-commands.js';
import { registerCliHttp } from './cli-http.js';
import { currentTunables } from './cli-params.js';
import { CliTcpServer } from './cli-tcp-server.js';

function intOption(o: DaemonOptions, long: string, def: number): number {
  const v = o.raw.get(long);
  const n = Array.isArray(v) && v.length > 0 ? Number.parseInt(v[v.length - 1]!, 10) : NaN;
  return Number.isFinite(n) ? n : def;
}

export class CliService {
  private tcp: CliTcpServer | null = null;
  readonly context: CliContext;

  constructor(
    o: DaemonOptions, ctx: MediaContext, calls: CallManager, statistics: () => Map<string, BEncodable>,
    logs: SubsystemLogs,
  ) {
    const log = logs.get('core');
    const context: Omit<CliContext, 'initial'> = {
      calls, ctx, settings: ctx.settings, limits: o, logLevels: o.logLevels, options: o,
      params: {
        controlTos: intOption(o, 'control-tos', 0),
        redisAllowedErrors: intOption(o, 'redis-allowed-errors', -1),
        redisDisableTime: intOption(o, 'redis-disable-time', 10),
        redisCmdTimeout: intOption(o, 'redis-cmd-timeout', 0),
        redisConnectTimeout: intOption(o, 'redis-connect-timeout', 1000),
      },
      applyLogLevels: () => logs.apply(o.logLevels),
      statistics: () => statistics().get('statistics') as Map<string, BEncodable>,
      log,
    };
    this.context = { ...context, initial: currentTunables(context as CliContext) };
  }

  run(line: string): Promise<string> {
    return runCliCommand(line, this.context);
  }

  async listen(o: DaemonOptions, http: HttpServer | null): Promise<void> {
    if (http) registerCliHttp(http, (l) => this.run(l), this.context.log);
    if (o.listenCli && o.listenCli.length > 0) {
      this.tcp = new CliTcpServer(o.listenCli, (l) => this.run(l), this.context.log);
      await this.tcp.listen();
    }
  }

  close(): void {
    this.tcp?.close();
  }
}
