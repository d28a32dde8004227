/**
 * rtpengine-ctl (Debian's rtpengine-utils, unchanged) against our `--listen-cli`, side by side with
 * rtpengine 10.5 in the same state: the same ng calls go to both, and every CLI reply must be the
 * same text apart from what cannot be (timestamps, ports, call durations, hash-table order). Also
 * HTTP GET /cli/…, `set` changing what the daemon does, and the CLI agreeing with ng `statistics`.
 */
import { execFile } from 'node:child_process';
import * as dgram from 'node:dgram';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../helpers/daemon-process.js';
import { str } from '../helpers/ng-client.js';
import { startReference } from '../helpers/reference-daemon.js';
import { mPort, phoneSdp } from '../helpers/sdp-fixtures.js';

const run = promisify(execFile);
const CTL = '/usr/bin/rtpengine-ctl';
const RTPENGINE = '/usr/bin/rtpengine';
const haveCtl = existsSync(CTL);
/**
 * The reference: rtpengine 10.5 run live when installed, otherwise its replies recorded from it
 * (test/fixtures/cli-rtpengine-10.5.json, rewritten by a run with CLI_RECORD=1 and rtpengine installed).
 */
const haveRef = existsSync(RTPENGINE);
const FIXTURE = new URL('../fixtures/cli-rtpengine-10.5.json', import.meta.url);
const RECORD = process.env.CLI_RECORD === '1' && haveRef;
/** CLI_FIXTURE=1 uses the recorded replies even where rtpengine is installed (to check the fixture path). */
const liveRef = haveRef && (RECORD || process.env.CLI_FIXTURE !== '1');
const recorded: Record<string, string> = RECORD ? {} : (JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, string>);
// Under CI rtpengine-utils is installed (.ci/run): a missing rtpengine-ctl is a failure there, not a skip.
if (process.env.CI === 'true' && !haveCtl) throw new Error(`${CTL} missing (install rtpengine-utils)`);

async function freeTcpPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface Side { d: DaemonHandle; cli: number; http: number; rtp: dgram.Socket[] }

async function start(kind: 'ours' | 'ref'): Promise<Side> {
  const cli = await freeTcpPort();
  const http = await freeTcpPort();
  const args = ['-L', '6', '-c', `127.0.0.1:${cli}`, `--listen-http=127.0.0.1:${http}`];
  const d = kind === 'ours' ? await startDaemon(args, { ports: 200 }) : await startReference(RTPENGINE, args, { ports: 200 });
  return { d, cli, http, rtp: [] };
}

/** Debian's rtpengine-ctl, unchanged. */
async function ctl(s: Side, cmd: string): Promise<string> {
  const { stdout } = await run(CTL, ['-ip', '127.0.0.1', '-port', String(s.cli), ...cmd.split(' ')], { timeout: 10_000 });
  return stdout;
}

/** GET `path` exactly as written (fetch would resolve `.`/`..` itself): status, content type, body. */
function rawGet(port: number, path: string): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
    }).on('error', reject);
  });
}

/** What differs between two daemons in the same state: times, ports, rates of the last second, order of the hash. */
function normalize(text: string): string {
  return text
    .replace(/(created: ?|last_signal: |Uptime of rtpengine\s+:)\s*\d+/g, '$1#')
    .replace(/proxy: ?127\.0\.0\.1:\d+/g, 'proxy:#')
    .replace(/callduration \d+\.\d+/g, 'callduration #')
    .replace(/127\.0\.0\.1:\d+\s*/g, '127.0.0.1:# ')
    .replace(/, \d+ ts/g, ', # ts')
    .replace(/(Port range|Last port used):.*/g, '$1: #')
    .replace(/^(port-min|port-max) = \d+/gm, '$1 = #')
    .replace(/(per second \(\w+\)\s+:)\d+/g, '$1#')
    .replace(/(call duration|calls duration|calls duration squared|standard deviation)(\s+):\d+\.\d+/g, '$1$2:#')
    .split('\n').sort().join('\n');
}

let ours: Side;
let ref: Side | null = null;
beforeAll(async () => {
  if (!haveCtl) return;
  [ours, ref] = await Promise.all([start('ours'), liveRef ? start('ref') : null]);
}, 30_000);
afterAll(async () => {
  if (RECORD) writeFileSync(FIXTURE, `${JSON.stringify(recorded, null, 1)}\n`);
  for (const s of [ours, ref]) {
    if (!s) continue;
    for (const r of s.rtp) r.close();
    await s.d.close();
  }
});

/** The reference's answer to the `n`-th use of `key` in this file's fixed sequence. */
const uses = new Map<string, number>();
async function reference(key: string, live: (s: Side) => Promise<string>): Promise<string> {
  const n = (uses.get(key) ?? 0) + 1;
  uses.set(key, n);
  const id = `${key} #${n}`;
  if (RECORD) return (recorded[id] = await live(ref!));
  if (ref) return live(ref);
  const text = recorded[id];
  if (text === undefined) throw new Error(`no recorded rtpengine reply for ${id}`);
  return text;
}

/** Our reply and rtpengine's to one rtpengine-ctl command, in the same state. */
async function both(cmd: string): Promise<[string, string]> {
  return Promise.all([ctl(ours, cmd), reference(cmd, (s) => ctl(s, cmd))]);
}

async function udp(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  return s;
}

/** A two-party call with 5 RTP packets each way, and an offer-only call, on one daemon. */
async function makeCalls(s: Side): Promise<void> {
  const a = await udp();
  const b = await udp();
  const c = await udp();
  s.rtp.push(a, b, c);
  const offer = await s.d.ng.request({ command: 'offer', 'call-id': 'cli-ab', 'from-tag': 'tagA', sdp: phoneSdp('a', a.address().port, { pts: [0, 8] }) });
  const answer = await s.d.ng.request({ command: 'answer', 'call-id': 'cli-ab', 'from-tag': 'tagA', 'to-tag': 'tagB', sdp: phoneSdp('b', b.address().port, { pts: [0] }) });
  await s.d.ng.request({ command: 'offer', 'call-id': 'cli-c', 'from-tag': 'tagC', sdp: phoneSdp('c', c.address().port, { pts: [0] }) });
  const toA = mPort(str(answer.get('sdp')));
  const toB = mPort(str(offer.get('sdp')));
  for (let i = 0; i < 5; i++) {
    const p = Buffer.alloc(172);
    p[0] = 0x80;
    p.writeUInt16BE(i, 2);
    p.writeUInt32BE(i * 160, 4);
    p.writeUInt32BE(0x1234, 8);
    a.send(p, toA, '127.0.0.1');
    b.send(p, toB, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 20));
  }
  await s.d.ng.request({ command: 'query', 'call-id': 'cli-ab' });
}

const STATIC_COMMANDS = [
  'list numsessions', 'list sessions all', 'list sessions own', 'list sessions foreign', 'list sessions nosuchcall',
  'list maxsessions', 'get maxsessions', 'list maxcpu', 'list maxload', 'list maxbw', 'list timeout', 'list silenttimeout',
  'list offertimeout', 'list finaltimeout', 'list deletedelay', 'list controltos', 'list transcoders', 'list loglevel',
  'list loglevel core', 'list loglevels', 'list counters', 'list totals', 'list interfaces', 'list help', 'set help',
  'list redisallowederrors', 'list redisdisabletime', 'list redisconnecttimeout', 'list rediscmdtimeout',
  'foo', 'list foo', 'list', 'set', 'set foo 1', 'terminate', 'terminate nosuchcall', 'kslist', 'ksrm 1', 'ksadd x', 'ksrm x',
  'set maxsessions abc', 'set maxsessions -3', 'set timeout -1', 'set timeout x', 'set deletedelay x', 'set maxopenfiles 100',
  'set loglevel', 'set loglevel core', 'active', 'standby', 'params', 'params foo', 'params start', 'params current', 'params diff',
  'help', 'helpx', 'list helpx', 'call', 'call help', 'call x', 'call x info', 'call x terminate', 'call x tag tagA info',
  'debug', 'debug help', 'debug x', 'debug x on', 'debug x off', 'debug x foo', 'debugx x',
];

/** `call` and `debug` on the two-party call cli-ab and the offer-only call cli-c (none ends a call). */
const CALL_COMMANDS = [
  'call cli-ab', 'call cli-ab help', 'call cli-ab helpx', 'call cli-ab info', 'call cli-ab infox', 'call cli-ab info x', 'call cli-ab foo',
  'call cli-ab tag', 'call cli-ab tag help', 'call cli-ab tag x', 'call cli-ab tag tagA', 'call cli-ab tag tagA info',
  'call cli-ab tag tagB info', 'call cli-ab tag tagA foo', 'call cli-ab taginfo', 'call cli-ab tagx info', 'call cli-c info',
  'call cli-c tag tagC info', 'list sessions cli-c', 'call cli-ab debug', 'call cli-ab debug x', 'call cli-ab debug on x',
  'call cli-ab debug off', 'call cli-ab debug enable', 'call cli-ab debug disable', 'call cli-ab debugx', 'debug cli-ab',
  'debug cli-ab on', 'debug cli-ab off', 'debug cli-ab enable', 'debug cli-ab disable', 'debug cli-ab on x', 'debug cli-ab 1',
  'debug cli-c', 'call cli-c debug off',
];

describe.skipIf(!haveCtl)('rtpengine-ctl against rtpengine-ts and rtpengine 10.5', { timeout: 120_000 }, () => {
  it('answers every command of an idle daemon as rtpengine does', async () => {
    // None of these changes state, so they run a few at a time (rtpengine-ctl is a Perl start-up each).
    for (let i = 0; i < STATIC_COMMANDS.length; i += 6) {
      const batch = STATIC_COMMANDS.slice(i, i + 6);
      const replies = await Promise.all(batch.map((cmd) => both(cmd)));
      batch.forEach((cmd, k) => expect(normalize(replies[k]![0]), cmd).toBe(normalize(replies[k]![1])));
    }
    const [oj, rj] = await both('list jsonstats');
    // Times and port ranges differ by nature; `last` is the port pool's (before any allocation ours
    // says port-min where rtpengine says 0: daemon/ports/port-pool.ts, shared with ng statistics).
    const shape = (j: string): unknown => JSON.parse(j.replace(/"(uptime|\w+duration|last|min|max)":[\d.]+/g, '"$1":0'));
    expect(shape(oj)).toEqual(shape(rj));
  });

  it('set changes the parameters, and list reads them back, as in rtpengine', async () => {
    const seq = [
      'set maxsessions 5x', 'list maxsessions', 'set maxsessions -1', 'list maxsessions', 'set maxcpu 50.5', 'list maxcpu',
      'set maxload 2.5', 'list maxload', 'set maxbw 5', 'list maxbw', 'set timeout 100', 'list timeout',
      'set silenttimeout 200', 'list silenttimeout', 'set offertimeout 300', 'list offertimeout', 'set finaltimeout 400',
      'list finaltimeout', 'set deletedelay 10', 'list deletedelay', 'set loglevel 7', 'list loglevel', 'set loglevel core 5',
      'list loglevel core', 'set loglevel 6', 'set redisallowederrors 5', 'list redisallowederrors',
      'set maxcpu 0', 'set maxload 0', 'set maxbw 0', 'set timeout 60', 'set silenttimeout 3600', 'set offertimeout 3600',
      'set finaltimeout 0', 'set deletedelay 30', 'set maxsessions 7', 'set loglevel core 7', 'params diff', 'params revert',
      'params diff', 'list maxsessions', 'list loglevel core', 'list redisallowederrors',
    ];
    for (const cmd of seq) {
      const [o, r] = await both(cmd);
      expect(o, cmd).toBe(r);
    }
  });

  it('lists and terminates calls as rtpengine does, with the same figures', async () => {
    await Promise.all([makeCalls(ours), ref ? makeCalls(ref) : null]);
    await new Promise((r) => setTimeout(r, 1200));
    for (const cmd of ['list numsessions', 'list sessions all', 'list sessions own', 'list sessions cli-ab', 'list interfaces', 'list totals']) {
      const [o, r] = await both(cmd);
      expect(normalize(o), cmd).toBe(normalize(r));
    }
    const [callDetail] = await both('list sessions cli-ab');
    expect(callDetail).toMatch(/-------- Port +127\.0\.0\.1:\d+ <> +127\.0\.0\.1:\d+, SSRC 1234, 5 p, 860 b, 0 e, \d+ ts\n/);
    for (const cmd of CALL_COMMANDS) {
      const [o, r] = await both(cmd);
      expect(normalize(o), cmd).toBe(normalize(r));
    }
    // `call <id> info` is `list sessions <id>`; `tag <tag> info` is that participant's part of it.
    const info = await ctl(ours, 'call cli-ab info');
    expect(normalize(info)).toBe(normalize(callDetail));
    const noDuration = (t: string): string => t.replace(/callduration [\d.]+/g, 'callduration #');
    expect(noDuration(info)).toContain(noDuration(await ctl(ours, 'call cli-ab tag tagB info')));
    for (const cmd of ['terminate cli-c', 'list numsessions', 'terminate all', 'list sessions all', 'list totals']) {
      const [o, r] = await both(cmd);
      expect(normalize(o), cmd).toBe(normalize(r));
    }
    const totals = await ctl(ours, 'list totals');
    expect(totals).toMatch(/Total managed sessions +:2\n/);
    expect(totals).toMatch(/Total forced terminated sessions +:2\n/);
    expect(totals).toMatch(/Total relayed packets +:10\n/);
  });

  it('call <id> terminate ends the call without a reason (neither regular nor forced), as rtpengine', async () => {
    const offer = async (s: Side): Promise<void> => {
      const r = await s.d.ng.request({ command: 'offer', 'call-id': 'cli-d', 'from-tag': 'tagD', sdp: phoneSdp('d', 4002, { pts: [0] }) });
      expect(str(r.get('result'))).toBe('ok');
    };
    await Promise.all([offer(ours), ref ? offer(ref) : null]);
    for (const cmd of ['call cli-d tag tagD info', 'call cli-d terminatex', 'call cli-d info', 'list numsessions', 'list totals']) {
      const [o, r] = await both(cmd);
      expect(normalize(o), cmd).toBe(normalize(r));
    }
    const totals = await ctl(ours, 'list totals');
    expect(totals).toMatch(/Total managed sessions +:3\n/);
    expect(totals).toMatch(/Total forced terminated sessions +:2\n/);
    expect(totals).toMatch(/Total regular terminated sessions +:0\n/);
    for (const s of [ours, ref]) if (s) expect(s.d.log()).toMatch(/WARNING: .*Call cli-d terminated by operator/);
  });

  it('answers tag delay / detect-dtmf as a 10.5 without them: rtpengine-ts has no delay buffer nor DTMF detector switch', async () => {
    await ours.d.ng.request({ command: 'offer', 'call-id': 'cli-e', 'from-tag': 'tagE', sdp: phoneSdp('e', 4004, { pts: [0] }) });
    // rtpengine 10.5 (built with transcoding) also lists `delay` and `detect-dtmf` here.
    expect(await ctl(ours, 'call cli-e tag tagE help')).toBe('Available sub-commands at this level:\n\tinfo\n');
    expect(await ctl(ours, 'call cli-e tag tagE delay 100')).toBe('Unknown or incomplete command::delay 100\n');
    expect(await ctl(ours, 'call cli-e tag tagE detect-dtmf 1')).toBe('Unknown or incomplete command::detect-dtmf 1\n');
    expect(await ctl(ours, 'call cli-e terminate')).toBe("\nCall 'cli-e' terminated.\n\n");
  });

  it('list totals and list jsonstats carry the ng statistics figures', async () => {
    const stats = await ours.d.ng.request({ command: 'statistics' });
    const total = (stats.get('statistics') as Map<string, unknown>).get('totalstatistics') as Map<string, unknown>;
    const totals = await ctl(ours, 'list totals');
    expect(totals).toContain(` Total managed sessions                          :${String(total.get('managedsessions'))}\n`);
    expect(totals).toContain(` Total relayed bytes                             :${String(total.get('relayedbytes'))}\n`);
    const json = JSON.parse(await ctl(ours, 'list jsonstats')) as { totalstatistics: Record<string, number> };
    expect(json.totalstatistics.relayedpackets).toBe(Number(total.get('relayedpackets')));
    expect(json.totalstatistics.forcedterminatedsessions).toBe(Number(total.get('forcedterminatedsessions')));
  });

  it('set maxsessions makes the next offer get the load-limit reply, as in rtpengine', async () => {
    for (const s of [ours, ref]) {
      if (!s) continue;
      expect(await ctl(s, 'set maxsessions 0')).toBe('Success setting maxsessions to 0\n');
      const r = await s.d.ng.request({ command: 'offer', 'call-id': 'cli-limit', 'from-tag': 'x', sdp: phoneSdp('x', 4000), supports: ['load limit'] });
      expect(str(r.get('result'))).toBe('load limit');
      expect(str(r.get('message'))).toBe('Parallel session limit reached');
      await ctl(s, 'set maxsessions -1');
      const ok = await s.d.ng.request({ command: 'offer', 'call-id': 'cli-limit', 'from-tag': 'x', sdp: phoneSdp('x', 4000) });
      expect(str(ok.get('result'))).toBe('ok');
      await ctl(s, 'terminate cli-limit');
    }
  });

  it('serves GET /cli/<words> over HTTP as rtpengine does', async () => {
    const offer = (s: Side): Promise<unknown> => s.d.ng.request({ command: 'offer', 'call-id': 'cli-h', 'from-tag': 'tagH', sdp: phoneSdp('h', 4006, { pts: [0] }) });
    await Promise.all([offer(ours), ref ? offer(ref) : null]);
    // The path's slashes stay in the command (each level skips one character after a word, a Call-ID
    // ends at a blank only), after the HTTP library's canonicalization (`//`, `.`, `..`).
    // `list loglevel` first: once `debug on` came over HTTP, 10.5's HTTP thread keeps that call's log
    // context and reports every level as 8 (a quirk of 10.5 not reproduced).
    const callPaths = [
      '/cli/list/loglevel/core', '/cli/call', '/cli/call/', '/cli/call//x', '/cli/call/x/', '/cli/call/x/y', '/cli/call/x%2Fy', '/cli/call/x/./y', '/cli/call/x/../y',
      '/cli/call/x/..', '/cli/call/..', '/cli//call/x', '/cli/call/cli-h/info', '/cli/call/cli-h%20info', '/cli/call/cli-h%20tag%20tagH%20info',
      '/cli/call/cli-h%20tag%20tagH%20foo', '/cli/debug', '/cli/debug/', '/cli/debug//x', '/cli/debug/cli-h/on', '/cli/debug/cli-h%20off',
      '/cli/call/cli-h%20debug%20on', '/cli/help', '/cli/call/cli-h%20terminate', '/cli/call/cli-h%20info',
    ];
    for (const path of callPaths) {
      const get = async (s: Side): Promise<string> => {
        const res = await rawGet(s.http, path);
        return JSON.stringify({ ...res, body: normalize(res.body) });
      };
      const [o, r] = await Promise.all([get(ours), reference(`GET ${path}`, get)]);
      expect(o, path).toBe(r);
    }
    for (const path of ['/cli/list/numsessions', '/cli/list%20maxsessions', '/cli/foo', '/cli/', '/cli/list/sessions/all', '/cli']) {
      const get = async (s: Side): Promise<string> => {
        const res = await fetch(`http://127.0.0.1:${s.http}${path}`);
        return JSON.stringify({ status: res.status, type: res.headers.get('content-type'), body: await res.text() });
      };
      const [o, r] = await Promise.all([get(ours), reference(`GET ${path}`, get)]);
      expect(o, path).toBe(r);
    }
  });
});
