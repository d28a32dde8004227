/**
 * The running daemon: owns the media workers, the call manager, the ng listeners and the lifecycle
 * timer, and closes them in reverse order.
 */
import { randomBytes } from 'node:crypto';
import type { BEncodable } from '../protocol/ng/bencode.js';
import { CallManager } from './call/call-manager.js';
import { MediaContext } from './call/media-context.js';
import { drainQuality } from './call/quality.js';
import type { DaemonOptions } from './config/options.js';
import { NgCommands } from './control/ng-commands.js';
import { LoadLimits } from './control/load-limits.js';
import { statisticsReply, TrafficRates } from './control/statistics.js';
import { NgProcessor } from './control/ng-processor.js';
import { NgTcpServer } from './control/ng-tcp-server.js';
import { NgUdpServer } from './control/ng-udp-server.js';
import { RtpproxyCommands } from './control/rtpproxy-commands.js';
import { RtpproxyUdpServer, TcpControlServer } from './control/rtpproxy-server.js';
import { CliService } from './control/cli/cli-service.js';
import type { HttpServer } from './http/http-server.js';
import type { DashboardService } from './http/dashboard/dashboard-service.js';
import { ObservedMosTotals } from './metrics/observed-mos.js';
import { SubsystemLogs, type Logger } from './log.js';
import { WorkerPool } from './media/worker-pool.js';
import { createCertificate } from './dtls/certificate.js';
import { DaemonDtls } from './dtls/dtls-service.js';
import { DaemonIce } from './ice/ice-service.js';
import { LocalInterfaces } from './net/interfaces.js';

/**
 * Stream slots per worker: a slot is one open media socket, so no worker can ever need more than
 * there are ports on all local addresses (one call may land on any worker).
 */
function slotsPerWorker(o: DaemonOptions): number {
  return Math.min(1 << 20, (o.portMax - o.portMin + 1) * Math.max(1, o.interfaces.length));
}

/** Period of the RTCP report drain (daemon/call/quality.ts) while calls exist. */
const QUALITY_DRAIN_MS = 250;

/** A DTLS handshake not finished this long after its first datagram is given up (and logged). */
const DTLS_HANDSHAKE_TIMEOUT_MS = 30_000;

export class Daemon {
  private pool: WorkerPool | null = null;
  private calls: CallManager | null = null;
  private readonly servers: (NgUdpServer | NgTcpServer | RtpproxyUdpServer | TcpControlServer)[] = [];
  private rtpproxy: RtpproxyCommands | null = null;
  private processor: NgProcessor | null = null;
  /** rtpengine-ctl's commands on --listen-cli and HTTP /cli/. */
  private cli: CliService | null = null;
  /** The `--listen-http`/`--listen-https` server (null without either); other features add routes to it. */
  http: HttpServer | null = null;
  /** GET /dashboard and its WebSocket (with --listen-http/--listen-https). */
  private dashboard: DashboardService | null = null;
  private timer: NodeJS.Timeout | null = null;
  private alignTimer: NodeJS.Timeout | null = null;
  private qualityTimer: NodeJS.Timeout | null = null;
  private ticking = false;
  private rates: TrafficRates | null = null;
  private limits: LoadLimits | null = null;
  private ctx: MediaContext | null = null;
  /** DTLS-SRTP handshakes (daemon/dtls/), installed as ctx.dtls. */
  private dtls: DaemonDtls | null = null;
  /** ICE agents (daemon/ice/), installed as ctx.ice. */
  private ice: DaemonIce | null = null;
  private readonly startedMs = Date.now();
  private closed = false;

  /** The per-subsystem loggers (`--log-level-SUBSYSTEM`); main.ts shifts them on SIGUSR1/SIGUSR2. */
  readonly logs: SubsystemLogs;

  constructor(private readonly options: DaemonOptions, private readonly log: Logger) {
    this.logs = new SubsystemLogs(log, options.logLevel, options.logLevels);
  }

  /** What every ng transport feeds (null before start): bench/ng-path.ts drives it directly. */
  get ngProcessor(): NgProcessor | null {
    return this.processor;
  }

  async start(): Promise<void> {
    const o = this.options;
    const interfaces = new LocalInterfaces(o.interfaces, o.portMin, o.portMax);
    // Test hooks (worker death tests): off unless the environment asks, see NgCommands.
    const testHooks = process.env.RTPENGINE_TS_TEST_HOOKS === '1';
    // One id per daemon, as rtpengine's: loop-protect marks SDP with it, generated RTCP carries it as CNAME.
    const instanceId = randomBytes(6).toString('hex');
    const pool = new WorkerPool(o.numThreads, slotsPerWorker(o), {
      learned: (w, slot, address, port, confirmed) => this.calls?.learned(w, slot, address, port, confirmed),
      log: (level, msg) => this.log[level](msg),
      workerDied: (w, reason) => {
        const n = this.calls?.workerDied(w) ?? 0;
        this.log.error(`media worker ${w} died (${reason}): ${n} calls deleted`);
      },
      dtls: (w, slot, data, address, port) => this.dtls?.onDatagram(w, slot, data, address, port),
      stun: (w, slot, data, address, port) => this.ice?.onStun(w, slot, data, address, port),
    }, testHooks, instanceId);
    this.pool = pool;
    await pool.start();
    const mosTotals = new ObservedMosTotals();
    const ctx = new MediaContext(pool, interfaces, {
      deleteDelay: o.deleteDelay,
      timeout: o.timeout,
      silentTimeout: o.silentTimeout,
      offerTimeout: o.offerTimeout,
      finalTimeout: o.finalTimeout,
      endpointLearning: o.endpointLearning,
      sipSource: o.sipSource,
      maxSessions: o.maxSessions,
      instanceId,
      mosType: o.mos,
      tos: o.tos,
      dtlsPassive: o.dtls.passive,
    }, mosTotals);
    // As rtpengine: one certificate per daemon, made at start-up (its fingerprint goes into SDP).
    this.logs.get('crypto').info('Generating new DTLS certificate');
    const cert = await createCertificate({ cipher: o.dtls.certCipher, rsaKeySize: o.dtls.rsaKeySize, signature: o.dtls.signature });
    if (o.dtls.ciphers !== undefined) this.log.warn('--dtls-ciphers is not applied: the DTLS stack has a fixed cipher list (ECDHE with AES-128-GCM)');
    // Test hook: a shorter handshake time limit, so the give-up path can be tested in seconds.
    const timeoutHook = testHooks ? Number(process.env.RTPENGINE_TS_DTLS_TIMEOUT_MS) : NaN;
    this.dtls = new DaemonDtls(ctx, { cert, handshakeTimeoutMs: timeoutHook > 0 ? timeoutHook : DTLS_HANDSHAKE_TIMEOUT_MS }, this.logs.get('crypto'));
    ctx.dtls = this.dtls;
    this.ice = new DaemonIce(ctx, this.logs.get('ice'));
    ctx.ice = this.ice;
    this.calls = new CallManager(ctx, this.logs.get('core'));
    const rates = new TrafficRates();
    this.rates = rates;
    this.ctx = ctx;
    const calls = this.calls;
    const limits = new LoadLimits(o, rates);
    this.limits = limits;
    this.calls.admission = () => limits.refusal();
    const statistics = (): Map<string, BEncodable> => statisticsReply({ ctx, calls, control: commands.control, rates, startedMs: this.startedMs });
    const commands: NgCommands = new NgCommands(
      calls,
      statistics,
      this.logs.get('control'),
      testHooks ? { crashWorker: (w) => pool.crashWorker(w), liveWorkers: () => pool.liveWorkers() } : null,
    );
    const processor = (this.processor = new NgProcessor(commands, this.logs.get('control')));
    for (const l of o.listenNg) {
      const s = new NgUdpServer(l.address, l.port, l.ipv6Only ?? false, processor, this.logs.get('control'));
      this.servers.push(s);
      await s.listen();
    }
    for (const l of o.listenTcpNg ?? []) {
      const s = new NgTcpServer(l.address, l.port, l.ipv6Only ?? false, processor, this.logs.get('control'));
      this.servers.push(s);
      await s.listen();
    }
    // The rtpproxy protocol (--listen-udp) and rtpengine's TCP line protocol (--listen-tcp).
    if (o.listenUdp) this.rtpproxy = new RtpproxyCommands(calls, o.silentTimeout, this.logs.get('control'));
    for (const l of o.listenUdp ?? []) {
      const s = new RtpproxyUdpServer(l.address, l.port, l.ipv6Only ?? false, this.rtpproxy!, this.logs.get('control'));
      this.servers.push(s);
      await s.listen();
    }
    for (const l of o.listenTcp ?? []) {
      const s = new TcpControlServer(l.address, l.port, l.ipv6Only ?? false, calls, this.logs.get('control'));
      this.servers.push(s);
      await s.listen();
    }
    if ((o.listenHttp && o.listenHttp.length > 0) || (o.listenHttps && o.listenHttps.length > 0)) {
      // Loaded only here: node:http, ws and prom-client cost ~10 MB RSS idle (~5 MB at 1000 calls) otherwise.
      const [{ HttpServer, readTlsPair }, { registerNgHttp }, { Metrics, observeEstimates }] = await Promise.all([
        import('./http/http-server.js'), import('./control/ng-http.js'), import('./metrics/prometheus.js'),
      ]);
      const [{ DashboardService }, { DashboardSnapshots }] = await Promise.all([
        import('./http/dashboard/dashboard-service.js'), import('./http/dashboard/snapshot.js'),
      ]);
      // --listen-https: the same routes over TLS; rtpengine reads the key from the cert file without --https-key.
      const tls = o.listenHttps && o.httpsCert
        ? await readTlsPair(o.httpsCert, o.httpsKey ?? o.httpsCert)
        : undefined;
      this.http = new HttpServer(o.listenHttp ?? [], this.logs.get('http'), { httpsListeners: o.listenHttps ?? [], ...(tls ? { tls } : {}) });
      registerNgHttp(this.http, processor, this.logs.get('http'));
      const metrics = new Metrics({ ctx, calls: this.calls, control: commands.control, rates, startedMs: this.startedMs, dtls: this.dtls });
      mosTotals.observer = (mos) => metrics.mosHistogram.observe(mos);
      this.calls.onCallEnd = (call) => observeEstimates(metrics, ctx, call);
      this.http.route('GET', '/metrics', async () => ({
        status: 200, contentType: metrics.registry.contentType, body: await metrics.text(),
      }));
      this.dashboard = new DashboardService(
        this.http, new DashboardSnapshots({ ctx, calls: this.calls, rates, startedMs: this.startedMs }), this.log,
      );
      await this.http.listen();
    }
    this.cli = new CliService(o, ctx, calls, statistics, this.logs);
    await this.cli.listen(o, this.http);
    // The lifecycle timer runs at each wall-clock second boundary, as rtpengine's does.
    this.alignTimer = setTimeout(() => {
      this.timer = setInterval(() => void this.tick(), 1000);
      void this.tick();
    }, 1000 - (Date.now() % 1000) + 5);
    // RTCP report data is drained often enough that the workers' rings never fill; only while there
    // are calls (reports come from their sockets): tick() starts and stops it.
    this.syncQualityTimer();
    this.logs.get('core').info({ workers: o.numThreads, interfaces: o.interfaces, ports: `${o.portMin}-${o.portMax}` }, 'Media workers running');
  }

  /**
   * The 250 ms RTCP report drain runs while calls exist; without any it stops (after a last drain), so
   * an idle daemon's main thread wakes only for the 1 s tick. A call's first reports wait at most
   * until the next tick, well within the rings' capacity.
   */
  private syncQualityTimer(): void {
    const ctx = this.ctx;
    if (this.closed || !ctx || !this.calls) return;
    const busy = this.calls.calls.size > 0;
    if (busy && this.qualityTimer === null) {
      this.qualityTimer = setInterval(() => drainQuality(ctx), QUALITY_DRAIN_MS);
    } else if (!busy && this.qualityTimer !== null) {
      clearInterval(this.qualityTimer);
      this.qualityTimer = null;
      drainQuality(ctx);
    }
  }

  private async tick(): Promise<void> {
    if (this.ticking || !this.calls) return;
    this.ticking = true;
    try {
      this.rates?.sample(this.ctx!);
      this.limits?.sample();
      this.syncQualityTimer();
      await this.calls.tick(Date.now());
    } catch (err) {
      this.log.error({ err }, 'Lifecycle timer failed');
    } finally {
      this.ticking = false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.alignTimer) clearTimeout(this.alignTimer);
    if (this.timer) clearInterval(this.timer);
    if (this.qualityTimer) clearInterval(this.qualityTimer);
    for (const s of this.servers) s.close();
    this.cli?.close();
    this.dashboard?.close();
    this.http?.close();
    this.processor?.close();
    this.rtpproxy?.close();
    await this.calls?.close();
    this.dtls?.close();
    this.ice?.close();
    await this.pool?.close();
  }
}
