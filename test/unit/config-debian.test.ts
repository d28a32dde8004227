// Debian's shipped rtpengine.conf (spec §6.2) and the Debian service command line must load unchanged.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { NetworkInterfaceInfo } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOptions, type LoadEnv } from '../../daemon/config/options.js';
import { isolatedEnv } from '../helpers/config-env.js';

// Written from the facts in spec §6.2: the values Debian's default file sets, with
// everything else commented out, plus the [rtpengine-testing] example section.
const DEBIAN_CONF = `
[rtpengine]

table = 0
# no-fallback = false
### for userspace forwarding only:
# table = -1

### separate multiple interfaces with semicolons:
# interface = internal/12.23.34.45;external/23.34.45.54
interface = any

listen-ng = localhost:2223
# listen-tcp = 25060
listen-http = localhost:2225
listen-cli = localhost:2224

timeout = 60
silent-timeout = 3600
tos = 184
# delete-delay = 30
# final-timeout = 10800

port-min = 30000
port-max = 40000

recording-dir = /var/spool/rtpengine
recording-method = proc

# log-level = 6

[rtpengine-testing]
table = -1
interface = 10.15.20.121
listen-ng = 2223
foreground = true
log-stderr = true
log-level = 7
`;

const nic = (address: string, family: 'IPv4' | 'IPv6', internal: boolean): NetworkInterfaceInfo =>
  (family === 'IPv4'
    ? { address, family, internal, netmask: '255.255.255.0', mac: '00:00:00:00:00:00', cidr: null }
    : { address, family, internal, netmask: 'ffff::', mac: '00:00:00:00:00:00', cidr: null, scopeid: 0 });

// Isolated, but with loopback and one Ethernet interface for `interface = any`.
const env: LoadEnv = {
  ...isolatedEnv,
  readFile: undefined,
  networkInterfaces: () => ({
    lo: [nic('127.0.0.1', 'IPv4', true), nic('::1', 'IPv6', true)],
    eth0: [nic('192.0.2.2', 'IPv4', false), nic('fd00::2', 'IPv6', false)],
  }),
};

let dir = '';
let conf = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rtpe-conf-'));
  conf = join(dir, 'rtpengine.conf');
  await writeFile(conf, DEBIAN_CONF);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Debian default config', () => {
  it('loads unchanged', async () => {
    const { options: o, warnings } = await loadOptions([`--config-file=${conf}`], env);
    expect(o.interfaces).toEqual([
      { name: 'default', address: '192.0.2.2', family: 'IP4' },
      { name: 'default', address: 'fd00::2', family: 'IP6' },
    ]);
    expect(o.listenNg).toEqual([{ address: '127.0.0.1', port: 2223, family: 'IP4' }]);
    expect(o.listenHttp).toEqual([{ address: '127.0.0.1', port: 2225, family: 'IP4' }]);
    expect(o).toMatchObject({
      table: 0, timeout: 60, silentTimeout: 3600, tos: 184, portMin: 30000, portMax: 40000,
      recordingDir: '/var/spool/rtpengine', recordingMethod: 'proc', foreground: false, logLevel: 6,
    });
    expect(o.listenCli?.map((l) => l.port)).toContain(2224);
    expect(warnings).toEqual([]);
  });

  it('loads with the Debian service command line', async () => {
    const { options: o } = await loadOptions(
      ['-f', '-E', '--no-log-timestamps', '--pidfile', '/run/rtpengine/rtpengine.pid', '--config-file', conf],
      env,
    );
    expect([o.foreground, o.logStderr, o.noLogTimestamps, o.pidfile]).toEqual([
      true, true, true, '/run/rtpengine/rtpengine.pid',
    ]);
    expect(o.configFile).toBe(conf);
  });

  it('loads the [rtpengine-testing] example section', async () => {
    const { options: o } = await loadOptions([`--config-file=${conf}`, '--config-section=rtpengine-testing'], env);
    expect(o.interfaces).toEqual([{ name: 'default', address: '10.15.20.121', family: 'IP4' }]);
    expect(o.listenNg.map((l) => l.address)).toEqual(['0.0.0.0', '::']);
    expect([o.table, o.foreground, o.logStderr, o.logLevel]).toEqual([-1, true, true, 7]);
  });

  const installed = '/etc/rtpengine/rtpengine.conf';
  it.skipIf(!existsSync(installed))('loads the installed /etc/rtpengine/rtpengine.conf', async () => {
    const { options: o } = await loadOptions([`--config-file=${installed}`], env);
    expect(o.configFile).toBe(installed);
    expect(o.interfaces.length).toBeGreaterThan(0);
    expect(o.listenNg.length).toBeGreaterThan(0);
  });
});
