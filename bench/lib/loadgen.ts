/**
 * Builds the C load generators (bench/rtp-load.c, bench/ng-load.c) with the machine's gcc into
 * bench/.build (never committed) and drives one run of them. rtp-load: READY -> call table on stdin
 * -> MARK start / MARK end -> RESULT. ng-load: MARK start / MARK end -> RESULT.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
/** dist/bench/lib -> <repo>/bench */
export const BENCH_SRC = join(HERE, '..', '..', '..', 'bench');

/**
 * Compiles bench/NAME.c (with bench/clock.h) to bench/.build/NAME (or NAME-VARIANT, with more gcc
 * arguments, e.g. rtp-load-srtp with -DWITH_SRTP and -lsrtp2) when missing or stale; returns its path.
 */
export function buildTool(name: string, variant = '', defines: string[] = [], libs: string[] = []): string {
  const src = join(BENCH_SRC, `${name}.c`);
  const outDir = join(BENCH_SRC, '.build');
  const bin = join(outDir, variant ? `${name}-${variant}` : name);
  if (!existsSync(src)) throw new Error(`missing ${src}`);
  // Rebuild when the binary is older than its source or the shared header.
  const newest = Math.max(statSync(src).mtimeMs, statSync(join(BENCH_SRC, 'clock.h')).mtimeMs);
  if (!existsSync(bin) || statSync(bin).mtimeMs < newest) {
    mkdirSync(outDir, { recursive: true });
    execFileSync('gcc', ['-O2', '-Wall', ...defines, '-o', bin, src, ...libs], { stdio: 'inherit' });
  }
  return bin;
}

export interface LoadgenResult {
  mode: string;
  calls: number;
  streams: number;
  window_s: number;
  tx: number;
  rx: number;
  tx_win: number;
  rx_win: number;
  rx_arrive_win: number;
  offered_pps: number;
  fwd_pps: number;
  loss_pct: number;
  lat_n: number;
  p50_us: number;
  p90_us: number;
  p99_us: number;
  p999_us: number;
  max_us: number;
  bad: number;
  bad_sample: string;
  misrouted: number;
  dup: number;
  send_fail: number;
  skipped: number;
  stall_lost: number;
  silent_streams: number;
  lg_drops: number;
  lg_cpu_s: number;
  lg_util_pct: number;
  ticks: number;
  late_ticks: number;
  max_late_ms: number;
  max_late_phase: number;
  /** --srtp: packets side B unprotected and checked, and those that failed. */
  srtp_ok?: number;
  srtp_fail?: number;
}

export interface LoadgenOptions {
  bin: string;
  cpu: string;
  mode: 'rate' | 'flood';
  pps: number;
  window: number;
  warmup: number;
  duration: number;
  drain: number;
  socks: number;
  port: number;
  tickUs?: number;
  /** SRTP on side B: the suite and B's outbound key||salt (base64), as in its answers' a=crypto. */
  srtp?: { suite: string; keyB64: string };
}

export interface NgLoadResult {
  mode: string;
  window_s: number;
  calls: number;
  calls_per_s: number;
  requests: number;
  req_per_s: number;
  lat_n: number;
  p50_us: number;
  p90_us: number;
  p99_us: number;
  p999_us: number;
  max_us: number;
  errors: number;
  error_replies: number;
  retransmits: number;
  not_started: number;
  stray: number;
  lg_drops: number;
  first_error: string;
  lg_cpu_s: number;
  lg_util_pct: number;
}

/** Children inherit this process's nice value (--nice), so only the CPU is set here. */
function pinned(cpu: string, argv: string[]): string[] {
  return [...(cpu !== '' ? ['taskset', '-c', cpu] : []), ...argv];
}

/** A line-oriented child process: MARK lines go to onMark, others wait in a queue for expect(). */
export class ToolProcess {
  readonly child: ChildProcess;
  private readonly lines: string[] = [];
  private waiters: (() => void)[] = [];
  private closed = false;
  stderr = '';
  onMark: ((what: 'start' | 'end', ns: number) => void) | null = null;

  constructor(argv: string[]) {
    this.child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr!.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    const rl = createInterface({ input: this.child.stdout! });
    rl.on('line', (l) => {
      if (l.startsWith('MARK ')) {
        const [, what, ns] = l.split(' ');
        this.onMark?.(what as 'start' | 'end', Number(ns));
      }
      this.lines.push(l);
      this.wake();
    });
    this.child.once('exit', () => {
      this.closed = true;
      this.wake();
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Waits for a line starting with `prefix` (lines before it are dropped). */
  async expect(prefix: string, timeoutMs: number): Promise<string> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      while (this.lines.length > 0) {
        const l = this.lines.shift()!;
        if (l.startsWith(prefix)) return l;
      }
      if (this.closed) throw new Error(`${this.child.spawnfile} exited before "${prefix}": ${this.stderr.trim()}`);
      const left = end - Date.now();
      if (left <= 0) throw new Error(`${this.child.spawnfile}: no "${prefix}" within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  async resultLine(timeoutMs: number): Promise<unknown> {
    const l = await this.expect('RESULT ', timeoutMs);
    return JSON.parse(l.slice(7)) as unknown;
  }

  kill(): void {
    if (!this.closed) this.child.kill('SIGKILL');
  }
}

export class Loadgen extends ToolProcess {
  constructor(o: LoadgenOptions) {
    const args = [
      '--mode', o.mode, '--pps', String(o.pps), '--window', String(o.window), '--warmup', String(o.warmup),
      '--duration', String(o.duration), '--drain', String(o.drain), '--socks', String(o.socks),
      '--port', String(o.port),
    ];
    if (o.tickUs) args.push('--tick-us', String(o.tickUs));
    if (o.srtp) args.push('--srtp', o.srtp.suite, '--srtp-key', o.srtp.keyB64);
    super(pinned(o.cpu, [o.bin, ...args]));
  }

  /** The calls' relay ports, and with SRTP the relay's key to B (its a=crypto to B, base64). */
  sendCalls(calls: { relayForA: number; relayForB: number; relayKeyB64?: string }[]): void {
    const text = calls.map((c) => `C ${c.relayForA} ${c.relayForB}${c.relayKeyB64 ? ` ${c.relayKeyB64}` : ''}\n`).join('') + 'GO\n';
    this.child.stdin!.write(text);
    this.child.stdin!.end();
  }

  async result(timeoutMs: number): Promise<LoadgenResult> {
    return (await this.resultLine(timeoutMs)) as LoadgenResult;
  }
}

export interface NgLoadOptions {
  bin: string;
  cpu: string;
  ngPort: number;
  mode: 'closed' | 'paced';
  window: number;
  rate: number;
  warmup: number;
  duration: number;
  tag: string;
}

export class NgLoad extends ToolProcess {
  constructor(o: NgLoadOptions) {
    super(pinned(o.cpu, [
      o.bin, '--ng', `127.0.0.1:${o.ngPort}`, '--mode', o.mode, '--window', String(o.window), '--rate', String(o.rate),
      '--warmup', String(o.warmup), '--duration', String(o.duration), '--tag', o.tag,
    ]));
    this.child.stdin!.end();
  }

  async result(timeoutMs: number): Promise<NgLoadResult> {
    return (await this.resultLine(timeoutMs)) as NgLoadResult;
  }
}
