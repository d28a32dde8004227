/**
 * Command line of the bench (`npm run bench -- --help`). Every knob has a default for the full run;
 * --quick swaps in shorter ones.
 */
export interface BenchOptions {
  quick: boolean;
  targets: string[];
  tests: string[];
  reps: number;
  warmup: number;
  duration: number;
  floodDuration: number;
  drain: number;
  pps: number;
  floodCalls: number;
  floodWindow: number;
  scalePps: number;
  scaleDuration: number;
  ngDuration: number;
  ngWarmup: number;
  ngWindow: number;
  setupWindow: number;
  threads: number;
  rtpengineThreads: number;
  daemonCpu: string;
  lgCpu: string;
  ngPort: number;
  portMin: number;
  portMax: number;
  lgPort: number;
  lgSocks: number;
  nofile: number;
  nice: number;
  tsCmd?: string;
  /** The `ts-base` target's command: another build of rtpengine-ts, for before/after in one run. */
  baseCmd?: string;
  rtpengineBin: string;
  extraArgs: string[];
  out: string;
  md?: string;
  help: boolean;
}

export const HELP = `rtpengine-ts bench: the same RTP and ng load against rtpengine-ts and (when installed) rtpengine

usage: npm run bench -- [options]          (npm run bench:ng -- [options] runs the ng tests only)

tests (--tests a,b,c):
  rateN        N calls, --pps packets/s each way per call (rate500, rate1000)
  srtpN        as rateN, side B SDES-SRTP AES_CM_128_HMAC_SHA1_80 (A plain RTP/AVP); needs libsrtp2-dev
  srtpgcmN     as srtpN with AEAD_AES_128_GCM
  flood        --flood-calls calls, closed loop with --flood-window packets in flight per stream
  scaleN       N concurrent calls set up, then --scale-pps each way per call (scale10000)
  ng           ng control, closed loop: --ng-window calls at once, each offer+answer+delete
  ngrateN      ng control paced at N calls/s (offer+answer+delete each), reply latency

options (defaults of the full run; --quick in brackets):
  --quick                 short run (about 2 minutes): shorter windows, no scale test
  --targets ts,rtpengine  daemons to run (default: ts, and rtpengine if --rtpengine exists)
                          ts-dgram: rtpengine-ts with RTPENGINE_TS_IO=dgram (node:dgram media I/O)
                          ts-base: the --base-cmd build (before/after of a change in one run)
  --tests LIST            default rate500,rate1000,flood,scale10000,ng,ngrate2000
                          [rate500,rate1000,flood,ng,ngrate2000]
  --reps N                repetitions, interleaved over targets; tables show medians (2) [1]
  --warmup S              traffic before the measurement window (2)
  --duration S            rate test window (20) [6]
  --flood-duration S      flood window (10) [5]
  --drain S               wait after the window for late packets; later ones count as lost (1)
  --pps N                 packets/s per stream in rate tests (50 = 20 ms ptime)
  --flood-calls N         calls in flood mode (50 = 100 streams)
  --flood-window N        packets in flight per stream in flood mode (8)
  --scale-pps N           packets/s per stream in the scale test (2)
  --scale-duration S      scale test window (10)
  --ng-duration S         ng test window (10) [4]
  --ng-warmup S           ng and ngrateN load before the window (5): both daemons,
                          so the window measures rtpengine-ts's optimized (JIT) code
  --ng-window N           concurrent calls in the closed-loop ng test (16)
  --setup-window N        concurrent calls while setting up RTP tests (32)
  --threads N             rtpengine-ts --num-threads (1: one media worker)
  --rtpengine-threads N   rtpengine --num-threads (default: --threads)
  --daemon-cpu C          CPU the daemons are pinned to (0); "none" = no pinning
  --lg-cpu C              CPU of the load generator and this orchestrator (1); "none" = no pinning
  --ng-port P             ng port of the daemons on 127.0.0.1 (22410)
  --port-min/--port-max   daemons' media port range (23000-64999)
  --lg-port P             first local port of the load generator (22500)
  --lg-socks K            load generator sockets per call side (1); call i uses socket i % K
  --nofile N              fd limit of the daemons, set with prlimit (200000; capped at the hard
                          limit when this process may not raise it)
  --nice N                run daemons, load generator and this process at nice N (0); e.g. -10
                          on a busy shared machine, at the expense of everybody else
  --ts-cmd "CMD"          run this instead of node dist/daemon/main.js (run by bash in the cwd, the
                          daemon options of bench/README.md appended), e.g. "node --cpu-prof dist/daemon/main.js"
  --rtpengine PATH        rtpengine binary (/usr/bin/rtpengine)
  --daemon-arg ARG        extra argument for both daemons (repeatable)
  --out DIR               raw JSON, markdown table and daemon logs go here (bench/out)
  --md FILE               also write the markdown report to FILE
`;

export function parseOptions(argv: string[], defaults: Partial<BenchOptions> = {}): BenchOptions {
  const kv = new Map<string, string[]>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const eq = a.indexOf('=');
    const key = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (key === 'quick' || key === 'help') {
      flags.add(key);
      continue;
    }
    const val = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (val === undefined) throw new Error(`${a} needs a value`);
    kv.set(key, [...(kv.get(key) ?? []), val]);
  }
  const quick = flags.has('quick');
  const known = new Set([
    'targets', 'tests', 'reps', 'warmup', 'duration', 'flood-duration', 'drain', 'pps', 'flood-calls', 'flood-window',
    'scale-pps', 'scale-duration', 'ng-duration', 'ng-warmup', 'ng-window', 'setup-window', 'threads', 'rtpengine-threads',
    'daemon-cpu', 'lg-cpu', 'ng-port', 'port-min', 'port-max', 'lg-port', 'lg-socks', 'nofile', 'nice', 'ts-cmd', 'base-cmd', 'rtpengine',
    'daemon-arg', 'out', 'md',
  ]);
  for (const k of kv.keys()) if (!known.has(k)) throw new Error(`unknown option --${k} (see --help)`);
  const str = (k: string): string | undefined => kv.get(k)?.at(-1);
  const num = (k: string, d: number, min = 0): number => {
    const v = str(k);
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${k}: not a number >= ${min}: ${v}`);
    return n;
  };
  const cpu = (k: string, d: string): string => {
    const v = str(k) ?? d;
    return v === 'none' ? '' : v;
  };
  const list = (k: string): string[] | undefined => str(k)?.split(',').map((s) => s.trim()).filter(Boolean);
  const threads = num('threads', 1);
  return {
    quick,
    help: flags.has('help'),
    targets: list('targets') ?? defaults.targets ?? [],
    tests: list('tests') ?? defaults.tests ?? (quick
      ? ['rate500', 'rate1000', 'flood', 'ng', 'ngrate2000']
      : ['rate500', 'rate1000', 'flood', 'scale10000', 'ng', 'ngrate2000']),
    reps: Math.max(1, Math.round(num('reps', quick ? 1 : 2))),
    warmup: num('warmup', 2),
    duration: num('duration', quick ? 6 : 20),
    floodDuration: num('flood-duration', quick ? 5 : 10),
    drain: num('drain', 1),
    pps: num('pps', 50),
    floodCalls: Math.round(num('flood-calls', 50)),
    floodWindow: Math.round(num('flood-window', 8)),
    scalePps: num('scale-pps', 2),
    scaleDuration: num('scale-duration', 10),
    ngDuration: num('ng-duration', quick ? 4 : 10),
    ngWarmup: num('ng-warmup', 5),
    ngWindow: Math.round(num('ng-window', 16)),
    setupWindow: Math.round(num('setup-window', 32)),
    threads,
    rtpengineThreads: num('rtpengine-threads', threads),
    daemonCpu: cpu('daemon-cpu', '0'),
    lgCpu: cpu('lg-cpu', '1'),
    ngPort: num('ng-port', 22410),
    portMin: num('port-min', 23000),
    portMax: num('port-max', 64999),
    lgPort: num('lg-port', 22500),
    lgSocks: Math.round(num('lg-socks', 1)),
    nofile: Math.round(num('nofile', 200000)),
    nice: Math.round(num('nice', 0, -20)),
    tsCmd: str('ts-cmd'),
    baseCmd: str('base-cmd'),
    rtpengineBin: str('rtpengine') ?? '/usr/bin/rtpengine',
    extraArgs: kv.get('daemon-arg') ?? [],
    out: str('out') ?? '',
    md: str('md'),
  };
}
