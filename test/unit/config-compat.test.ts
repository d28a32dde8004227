// Every rtpengine 10.5 option is accepted; those rtpengine-ts does not interpret produce a warning.
import { describe, expect, it } from 'vitest';
import { loadOptions } from '../../daemon/config/options.js';
import { isolatedEnv } from '../helpers/config-env.js';
import { OPTION_TABLE, findShortOption } from '../../daemon/config/option-table.js';

const env = isolatedEnv;

const base = ['--config-file=none', '-i', '127.0.0.1', '-n', '127.0.0.1:2223'];
const ignored = (long: string): string => `option --${long} is accepted for compatibility and ignored`;

describe('option table', () => {
  it('knows all 141 rtpengine 10.5 options besides --help', () => {
    expect(OPTION_TABLE).toHaveLength(141);
    expect(new Set(OPTION_TABLE.map((d) => d.long)).size).toBe(141);
  });

  it('has rtpengine\'s short letters', () => {
    const expected: Record<string, string> = {
      v: 'version', L: 'log-level', E: 'log-stderr', p: 'pidfile', f: 'foreground', t: 'table', F: 'no-fallback',
      i: 'interface', S: 'save-interface-ports', k: 'subscribe-keyspace', l: 'listen-tcp', u: 'listen-udp',
      n: 'listen-ng', N: 'listen-tcp-ng', c: 'listen-cli', g: 'graphite', G: 'graphite-interval', T: 'tos',
      o: 'timeout', s: 'silent-timeout', a: 'final-timeout', m: 'port-min', M: 'port-max', r: 'redis',
      w: 'redis-write', q: 'no-redis-required', y: 'redis-delete-async', b: 'b2b-url', x: 'xmlrpc-format',
      d: 'delete-delay',
    };
    for (const [letter, long] of Object.entries(expected)) expect(findShortOption(letter)?.long, letter).toBe(long);
    expect(OPTION_TABLE.filter((d) => d.short !== undefined)).toHaveLength(Object.keys(expected).length);
  });
});

describe('accepted-but-ignored options', () => {
  const others = OPTION_TABLE.filter((d) => !d.implemented);

  it.each(others.map((d) => [d.long, d] as const))('--%s is accepted with a warning', async (long, def) => {
    const arg = def.kind === 'bool' ? `--${long}` : `--${long}=1`;
    const { options, warnings } = await loadOptions([...base, arg], env);
    expect(warnings).toContain(ignored(long));
    expect(options.raw.get(long)).toEqual(def.kind === 'bool' ? true : ['1']);
  });

  it('accepts the short letters of ignored options', async () => {
    const { options, warnings } = await loadOptions(
      [...base, '-u', '2222', '-l', '25060', '-c', '12345', '-F', '-k', '3', '-q', '-y', '5', '-b', 'http://127.0.0.1:8090/',
        '-x', '2', '-S', '-g', '127.0.0.1:9006', '-G', '60', '-r', '127.0.0.1:6379/5', '-w', '127.0.0.1:6379/6'],
      env,
    );
    // -u and -l are interpreted (rtpproxy protocol, TCP line protocol), and -c (rtpengine-ctl's CLI):
    // no warning, a listener each.
    for (const long of ['listen-udp', 'listen-tcp', 'listen-cli']) expect(warnings).not.toContain(ignored(long));
    expect(options.listenUdp?.map((l) => `${l.address}:${l.port}`)).toEqual(['0.0.0.0:2222', ':::2222']);
    expect(options.listenTcp?.map((l) => `${l.address}:${l.port}`)).toEqual(['0.0.0.0:25060', ':::25060']);
    expect(options.listenCli?.map((l) => `${l.address}:${l.port}`)).toEqual(['0.0.0.0:12345', ':::12345']);
    for (const long of ['no-fallback', 'subscribe-keyspace',
      'no-redis-required', 'redis-delete-async', 'b2b-url', 'xmlrpc-format', 'save-interface-ports', 'graphite',
      'graphite-interval', 'redis', 'redis-write']) {
      expect(warnings).toContain(ignored(long));
    }
  });

  it('does not warn for options rtpengine-ts interprets', async () => {
    const { warnings } = await loadOptions(
      [...base, '-f', '-E', '--no-log-timestamps', '-L', '7', '--log-level-internals=7', '-t', '-1', '-T', '184',
        '--endpoint-learning=delayed', '--mos=CQ', '--sip-source', '--reject-invalid-sdp', '--max-sessions=10',
        '--num-threads=2', '--recording-dir=/tmp', '--recording-method=proc', '--recording-format=raw'],
      env,
    );
    expect(warnings).toEqual([]);
  });

  it('still rejects options rtpengine does not know', async () => {
    await expect(loadOptions([...base, '--reorder-codecs'], env)).rejects.toThrow('Unknown option --reorder-codecs');
    await expect(loadOptions([...base, '-Q'], env)).rejects.toThrow('Unknown option -Q');
  });
});

describe('rtpengine test-suite invocations (t/auto-daemon-tests*.pl at mr10.5.3.5)', () => {
  const suite = ['--config-file=none', '-t', '-1', '-i', '203.0.113.1', '-i', '2001:db8:4321::1', '-n', '2223',
    '-c', '12345', '-f', '-L', '7', '-E', '-u', '2222'];

  it.each([['--silence-detect=1'], ['--log-level-internals=7'], ['--jitter-buffer=10'], ['--dtx-delay=10'],
    ['--dtx-cn-params=10']])('starts with %s', async (extra) => {
    const { options: o } = await loadOptions([...suite, extra], env);
    expect(o.interfaces.map((i) => i.address)).toEqual(['203.0.113.1', '2001:db8:4321::1']);
    expect(o.listenNg.map((l) => `${l.address}:${l.port}`)).toEqual(['0.0.0.0:2223', ':::2223']);
    expect([o.table, o.logLevel, o.foreground, o.logStderr]).toEqual([-1, 7, true, true]);
  });

  it('handles the named-interface variant', async () => {
    const { options: o } = await loadOptions(
      ['--config-file=none', '-t', '-1', '-i', 'foo/203.0.113.1', '-i', 'foo/2001:db8:4321::1', '-i', 'bar/203.0.113.2',
        '-i', 'bar/2001:db8:4321::2', '-n', '2223', '-f', '-L', '7', '-E'],
      env,
    );
    expect(o.interfaces.map((i) => `${i.name}:${i.family}`)).toEqual(['foo:IP4', 'foo:IP6', 'bar:IP4', 'bar:IP6']);
  });

  it('handles the websocket variant', async () => {
    const { options: o, warnings } = await loadOptions(
      ['--config-file=none', '-t', '-1', '-i', '203.0.113.1', '-f', '-L', '7', '-E', '--listen-http=127.0.0.1:9191',
        '--janus-secret=dfgdfgdvgLyATjHPvckg', '--delete-delay=0'],
      env,
    );
    expect(o.listenHttp).toEqual([{ address: '127.0.0.1', port: 9191, family: 'IP4' }]);
    expect(o.deleteDelay).toBe(0);
    expect(warnings).toEqual([ignored('janus-secret')]);
  });
});
