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
 * Options: --window 16, --warmup 3 (s), --rounds 5, --round 2 (s), --daemon-arg X (repeatable).
 */
import { parseArgs } from 'node:util';
import { createLogger } from '../daemon/log.js';
import { loadOptions } from '../daemon/config/options.js';
import { Daemon } from '../daemon/daemon.js';

function bstr(s: string): string {
  return `${Buffer.byteLength(s, 'latin1')}:${s}`;
}

/** The same request bytes as ng-load.c's build(): cookie, then call-id, command, from-tag, sdp, to-tag. */
function request(call: number, stage: number): Buffer {
  const callid = `path-${call}`;
  const port = 30000 + (call % 1000) * 4 + (stage === 1 ? 2 : 0);
  const sdp = `v=0\r\no=- ${2 * call + 1 + (stage === 1 ? 1 : 0)} 1 IN IP4 127.0.0.1\r\ns=rtpengine-ts bench\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n`
    + `m=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n`;
  let s = `${call}_${stage} d${bstr('call-id')}${bstr(callid)}${bstr('command')}${bstr(['offer', 'answer', 'delete'][stage]!)}`;
  s += `${bstr('from-tag')}${bstr(`${callid}-a`)}`;
  if (stage < 2) s += `${bstr('sdp')}${bstr(sdp)}`;
  if (stage === 1) s += `${bstr('to-tag')}${bstr(`${callid}-b`)}`;
  return Buffer.from(`${s}e`, 'latin1');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      window: { type: 'string', default: '16' },
      warmup: { type: 'string', default: '3' },
      rounds: { type: 'string', default: '5' },
      round: { type: 'string', default: '2' },
      'daemon-arg': { type: 'string', multiple: true, default: [] },
    },
  });
  const window = Number(values.window);
  const { options } = await loadOptions([
    '--config-file=none', '-t', '-1', '-i', '127.0.0.1', '-n', '127.0.0.1:22419', '-m', '23000', '-M', '43000',
    '-f', '-E', '-L', '4', '--num-threads=1', '--delete-delay=0', ...values['daemon-arg']!,
  ]);
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
  await sleep(Number(values.warmup));
  const rates: number[] = [];
  const costs: number[] = [];
  for (let r = 0; r < Number(values.rounds); r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const d0 = done;
    await sleep(Number(values.round));
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
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench:ng-path: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
