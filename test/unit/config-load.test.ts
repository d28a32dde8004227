// loadOptions: config file + command line merging, sections, lists, defaults.
import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadOptions, type LoadEnv } from '../../daemon/config/options.js';

function testEnv(files: Record<string, string> = {}, defaultConfigFile = '/nonexistent/rtpengine.conf'): LoadEnv {
  return {
    defaultConfigFile,
    readFile: async (p) => {
      const text = files[p];
      if (text !== undefined) return text;
      throw Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
    },
    networkInterfaces: () => ({
      lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true, netmask: '255.0.0.0', mac: '00:00:00:00:00:00', cidr: null }],
    }) as NodeJS.Dict<NetworkInterfaceInfo[]>,
    lookup: async (host) => {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    },
    availableParallelism: () => 4,
  };
}

const CONF = '/etc/test/rtpengine.conf';

describe('defaults', () => {
  it('fills in rtpengine defaults when only an interface is given', async () => {
    const { options: o } = await loadOptions(['--config-file=none', '-i', '127.0.0.1'], testEnv());
    expect(o).toMatchObject({
      interfaces: [{ name: 'default', address: '127.0.0.1', family: 'IP4' }],
      listenNg: [{ address: '127.0.0.1', port: 2223 }],
      portMin: 30000, portMax: 40000, numThreads: 4,
      foreground: false, logStderr: false, noLogTimestamps: false, logLevel: 6,
      timeout: 60, silentTimeout: 3600, finalTimeout: 0, offerTimeout: 3600, deleteDelay: 30,
      table: -1, maxSessions: -1, endpointLearning: 'delayed', sipSource: false, mos: 'CQ',
      rejectInvalidSdp: false, configSection: 'rtpengine',
    });
    expect(o.tos).toBeUndefined();
    expect(o.pidfile).toBeUndefined();
    expect(o.configFile).toBeUndefined();
    expect(o.listenTcpNg).toBeUndefined();
    expect(o.listenHttp).toBeUndefined();
    expect(o.logLevels.core).toBe(6);
    expect(o.logLevels.internals).toBe(-1);
  });
});

describe('command line', () => {
  it('reads the golden-capture invocation', async () => {
    const { options: o, warnings } = await loadOptions(
      ['--config-file=none', '-t', '-1', '-i', '127.0.0.1', '-n', '127.0.0.1:22222', '-c', '127.0.0.1:22224',
        '-m', '30000', '-M', '30999', '-f', '-E', '-L', '7'],
      testEnv(),
    );
    expect(o.listenNg).toEqual([{ address: '127.0.0.1', port: 22222, family: 'IP4' }]);
    expect([o.portMin, o.portMax, o.table, o.logLevel, o.foreground, o.logStderr]).toEqual([30000, 30999, -1, 7, true, true]);
    expect(o.listenCli).toEqual([{ address: '127.0.0.1', port: 22224, family: 'IP4' }]);
    expect(warnings).toEqual([]);
  });

  it('builds lists from repeated options and keeps the last value of single ones', async () => {
    const { options: o } = await loadOptions(
      ['--config-file=none', '-i', 'a/127.0.0.1', '--interface=b/127.0.0.2', '-n', '127.0.0.1:1', '-n', '127.0.0.1:2',
        '--listen-http=127.0.0.1:8080', '--listen-http', '127.0.0.1:8081', '-o', '5', '--timeout=7'],
      testEnv(),
    );
    expect(o.interfaces.map((i) => `${i.name}/${i.address}`)).toEqual(['a/127.0.0.1', 'b/127.0.0.2']);
    expect(o.listenNg.map((l) => l.port)).toEqual([2]);
    expect(o.listenHttp?.map((l) => l.port)).toEqual([8080, 8081]);
    expect(o.timeout).toBe(7);
    expect(o.raw.get('interface')).toEqual(['a/127.0.0.1', 'b/127.0.0.2']);
    expect(o.raw.get('listen-ng')).toEqual(['127.0.0.1:2']);
  });

  it('maps every implemented short option', async () => {
    const { options: o } = await loadOptions(
      ['--config-file=none', '-i127.0.0.1', '-n', '2223', '-N', '127.0.0.1:2224', '-m', '2000', '-M', '3000',
        '-fE', '-L', '5', '-p', '/run/x.pid', '-o', '11', '-s', '12', '-a', '13', '-d', '14', '-t', '0', '-T', '184'],
      testEnv(),
    );
    expect(o).toMatchObject({
      portMin: 2000, portMax: 3000, foreground: true, logStderr: true, logLevel: 5, pidfile: '/run/x.pid',
      timeout: 11, silentTimeout: 12, finalTimeout: 13, deleteDelay: 14, table: 0, tos: 184,
    });
    expect(o.listenNg.map((l) => l.address)).toEqual(['0.0.0.0', '::']);
    expect(o.listenTcpNg).toEqual([{ address: '127.0.0.1', port: 2224, family: 'IP4' }]);
  });

  it('reads the remaining implemented long options', async () => {
    const { options: o } = await loadOptions(
      ['--config-file=none', '-i', '127.0.0.1', '--num-threads=3', '--offer-timeout=20', '--max-sessions=50',
        '--endpoint-learning=heuristic', '--sip-source', '--mos=LQ', '--reject-invalid-sdp', '--no-log-timestamps',
        '--log-level-internals=7', '--log-level-core=3', '--recording-dir=/tmp/rec', '--recording-method=pcap'],
      testEnv(),
    );
    expect(o).toMatchObject({
      numThreads: 3, offerTimeout: 20, maxSessions: 50, endpointLearning: 'heuristic', sipSource: true,
      mos: 'LQ', rejectInvalidSdp: true, noLogTimestamps: true, recordingDir: '/tmp/rec', recordingMethod: 'pcap',
    });
    expect(o.logLevels).toMatchObject({ internals: 7, core: 3, ice: 6 });
  });
});

describe('config file', () => {
  const file = [
    '[rtpengine]',
    'interface = internal/127.0.0.1;external/127.0.0.2!203.0.113.5',
    'listen-ng = 127.0.0.1:2223   ',
    'port-min = 30000',
    'port-max = 40000 # inline text after whitespace is tolerated for integers',
    'foreground = false',
    'log-level = 5',
    'delete-delay = 10',
    'pidfile = /run/rtpengine.pid  ',
    '',
    '[other]',
    'interface = 127.0.0.9',
    'port-min = 50000',
    'port-max = 50010',
    'listen-ng = 127.0.0.1:5555',
  ].join('\n');

  it('reads the [rtpengine] section with ; separated lists and trimmed values', async () => {
    const { options: o, warnings } = await loadOptions([`--config-file=${CONF}`], testEnv({ [CONF]: file }));
    expect(o.configFile).toBe(CONF);
    expect(o.interfaces).toEqual([
      { name: 'internal', address: '127.0.0.1', family: 'IP4' },
      { name: 'external', address: '127.0.0.2', advertised: '203.0.113.5', family: 'IP4' },
    ]);
    expect(o.listenNg).toEqual([{ address: '127.0.0.1', port: 2223, family: 'IP4' }]);
    expect([o.portMin, o.portMax, o.logLevel, o.deleteDelay, o.foreground]).toEqual([30000, 40000, 5, 10, false]);
    expect(o.pidfile).toBe('/run/rtpengine.pid');
    expect(warnings).toEqual([]);
  });

  it('lets the command line override the file (a list given on the command line replaces the file list)', async () => {
    const { options: o } = await loadOptions(
      [`--config-file=${CONF}`, '-f', '-L', '7', '-i', 'cli/127.0.0.3', '--port-min=31000'],
      testEnv({ [CONF]: file }),
    );
    expect(o.foreground).toBe(true);
    expect(o.logLevel).toBe(7);
    expect(o.portMin).toBe(31000);
    expect(o.portMax).toBe(40000);
    expect(o.interfaces.map((i) => `${i.name}/${i.address}`)).toEqual(['cli/127.0.0.3']);
  });

  it('selects another section with --config-section', async () => {
    const { options: o } = await loadOptions(
      [`--config-file=${CONF}`, '--config-section', 'other'],
      testEnv({ [CONF]: file }),
    );
    expect(o.configSection).toBe('other');
    expect(o.interfaces.map((i) => i.address)).toEqual(['127.0.0.9']);
    expect([o.portMin, o.portMax]).toEqual([50000, 50010]);
    expect(o.listenNg[0]?.port).toBe(5555);
  });

  it('fails when the selected section does not exist', async () => {
    await expect(loadOptions([`--config-file=${CONF}`, '--config-section=nope'], testEnv({ [CONF]: file })))
      .rejects.toThrow(/does not have section \[nope\]/);
  });

  it('reads the default file when no --config-file is given, and silently skips it when missing', async () => {
    const withDefault = await loadOptions([], testEnv({ [CONF]: file }, CONF));
    expect(withDefault.options.configFile).toBe(CONF);
    expect(withDefault.options.portMax).toBe(40000);
    const missing = await loadOptions(['-i', '127.0.0.1'], testEnv({}, '/nonexistent/default.conf'));
    expect(missing.options.configFile).toBeUndefined();
    expect(missing.warnings).toHaveLength(1); // only the default-listener notice
  });

  it('reads nothing with --config-file=none', async () => {
    await expect(loadOptions(['--config-file=none'], testEnv({ [CONF]: file }, CONF)))
      .rejects.toThrow('Missing option --interface');
  });

  it('fails on an explicitly named file that cannot be read', async () => {
    await expect(loadOptions(['--config-file=/no/such.conf', '-i', '127.0.0.1'], testEnv()))
      .rejects.toThrow(ConfigError);
    await expect(loadOptions(['--config-file=/no/such.conf', '-i', '127.0.0.1'], testEnv()))
      .rejects.toThrow(/Cannot read config file '\/no\/such\.conf'/);
  });

  it('warns about keys that are not options, including short option letters', async () => {
    const { warnings } = await loadOptions(
      [`--config-file=${CONF}`],
      testEnv({ [CONF]: '[rtpengine]\ninterface = 127.0.0.1\nlisten-ng = 2223\nbogus = 1\nL = 7\n' }),
    );
    expect(warnings).toEqual([
      `unknown key 'bogus' in section [rtpengine] of ${CONF} ignored`,
      `unknown key 'L' in section [rtpengine] of ${CONF} ignored`,
    ]);
  });

  it('fails on values GLib cannot parse', async () => {
    const bad = async (line: string): Promise<unknown> =>
      loadOptions([`--config-file=${CONF}`], testEnv({ [CONF]: `[rtpengine]\ninterface = 127.0.0.1\n${line}\n` }));
    await expect(bad('foreground = yes')).rejects.toThrow(ConfigError);
    await expect(bad('timeout = 60s')).rejects.toThrow(ConfigError);
    await expect(bad('table = 0x10')).rejects.toThrow(ConfigError);
    await expect(bad('this is not a key value pair')).rejects.toThrow(ConfigError);
  });
});
