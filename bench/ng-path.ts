/**
 * `npm run bench:ng-path`: the ng command path inside one process, without the UDP round trip and
 * without a load generator, for A/B comparisons of control-plane changes that the socket benchmark
 * (`npm run bench:ng`, a few % of noise between runs on a shared host) cannot resolve.
 *
 * It starts the real daemon (options as in `npm run bench`, media sockets really bound, one media
 * worker) and feeds its ng processor the requests `ng-load.c` sends: offer, answer, delete per call,
 * `--window` calls in progress. It prints, per measured round, calls/s and the process's CPU-µs per
 * call (all threads: main, media worker, V8's GC and compiler threads), and the median of the rounds.
 * Pin it for stable numbers: `taskset -c 0 npm run bench:ng-path`.
 *
 * Options: --window 16, --warmup 3 (s), --rounds 5, --round 2 (s), --daemon-arg X (repeatable). Exits 1
 * if any request got an error reply (error replies are cheap: a broken path must not look fast).
 */
import { parseArgs } from 'node:util';
import { createLogger } from '../daemon/log.js';
import { loadOptions } from '../daemon/config/options.js';
import { Daemon } from '../daemon/daemon.js';
import { bencode } from './lib/bencode.js';
import { sdpFor } from './lib/ng-client.js';
import { median } from './lib/report.js';
import { commonArgs } from './lib/targets.js';

const COMMANDS = ['offer', 'answer', 'delete'];

/** The same request bytes as ng-load.c's build(): the cookie, then the dict (its keys are sorted there too). */
function request(call: number, stage: number): Buffer {
  const callId = `path-${call}`;
  const dict: Record<string, string> = { 'call-id': callId, command: COMMANDS[stage]!, 'from-tag': `${callId}-a` };
  if (stage < 2) dict.sdp = sdpFor('127.0.0.1', 30000 + (call % 1000) * 4 + (stage === 1 ? 2 : 0), 2 * call + 1 + (stage === 1 ? 1 : 0));
  if (stage === 1) dict['to-tag'] = `${callId}-b`;
  return Buffer.concat([Buffer.from(`${call}_${stage} `, 'latin1'), bencode(dict)]);
}

function positive(name: string, v: string | undefined): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name}: not a number > 0: ${v}`);
  return n;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      window: { type: 'string', default: '16' },
      warmup: { type: 'string', default: '3' },
      rounds: { type: 'string', default: '5' },
      round: { type: 'string', default: '2' },
      'daemon-arg': { type: 'string', multiple: true, default: [] },
    },
  });
  const window = positive('window', values.window);
  const warmup = positive('warmup', values.warmup);
  const rounds = positive('rounds', values.rounds);
  const roundS = positive('round', values.round);
  const { options } = await loadOptions(commonArgs({ ngPort: 22419, portMin: 23000, portMax: 43000, extraArgs: values['daemon-arg']! }, 1));
  const daemon = new Daemon(options, createLogger(options.logLevel));
  await daemon.start();
  const processor = daemon.ngProcessor!;

  let next = 0;
  let done = 0;
  let failed = 0;
  let stop = false;
  const chain = async (): Promise<void> => {
    while (!stop) {
      const call = next++;
      for (let stage = 0; stage < 3; stage++) {
        const reply = await processor.process(request(call, stage), 'bench');
        if (!reply || reply.includes('error-reason')) failed++;
      }
      done++;
    }
  };
  const chains = Array.from({ length: window }, () => chain());

  const sleep = (s: number): Promise<void> => new Promise((r) => setTimeout(r, s * 1000));
  await sleep(warmup);
  const rates: number[] = [];
  const costs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const d0 = done;
    await sleep(roundS);
    const cpu = process.cpuUsage(c0);
    const secs = (performance.now() - t0) / 1000;
    const calls = done - d0;
    rates.push(calls / secs);
    costs.push((cpu.user + cpu.system) / calls);
    process.stdout.write(`round ${r + 1}: ${(calls / secs).toFixed(0)} calls/s, ${((cpu.user + cpu.system) / calls).toFixed(1)} CPU-µs/call (user ${(cpu.user / calls).toFixed(1)}, system ${(cpu.system / calls).toFixed(1)})\n`);
  }
  stop = true;
  await Promise.all(chains);
  process.stdout.write(`median: ${median(rates).toFixed(0)} calls/s, ${median(costs).toFixed(1)} CPU-µs/call; ${failed} failed requests\n`);
  await daemon.close();
  // A broken command path answers with cheap errors: that must not pass for a fast one.
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`bench:ng-path: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
