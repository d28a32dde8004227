/**
 * The CLI's command-line walking, number parsing and text renderers (daemon/control/cli/), without a
 * daemon: rtpengine 10.5's rules as observed on it (prefix match, one separator, strtol-like numbers,
 * its error lines, its JSON and ` %-48s:` layouts).
 */
import { describe, expect, it } from 'vitest';
import type { BEncodable } from '../../protocol/ng/bencode.js';
import type { CliContext } from '../../daemon/control/cli/cli-context.js';
import { countersText, totalsText } from '../../daemon/control/cli/cli-totals.js';
import { jsonStats } from '../../daemon/control/cli/json-stats.js';
import { dispatch, level, MORE_PARAMS, strtod, strtol, type CliTable } from '../../daemon/control/cli/words.js';

const c = {} as CliContext;

describe('CLI words', () => {
  it('reads numbers as strtol/strtod do', () => {
    expect(strtol('5x')).toBe(5);
    expect(strtol('-3')).toBe(-3);
    expect(strtol(' 42')).toBe(42);
    expect(strtol('x5')).toBeNull();
    expect(strtol('')).toBeNull();
    expect(strtod('2.5')).toBe(2.5);
    expect(strtod('1e2')).toBe(100);
    expect(strtod('.5abc')).toBe(0.5);
    expect(strtod('abc')).toBeNull();
  });

  it('dispatches by prefix, skips one separator, and words errors as rtpengine', async () => {
    const seen: string[] = [];
    const table: CliTable = [['loglevels', () => 'all'], ['loglevel', (r) => { seen.push(r); return 'one'; }]];
    const top: CliTable = [['list', level(table)]];
    expect(await dispatch(top, 'list loglevels', c)).toBe('all');
    expect(await dispatch(top, 'list loglevel core', c)).toBe('one');
    expect(seen).toEqual([' core']);
    expect(await dispatch(top, 'list', c)).toBe(MORE_PARAMS);
    expect(await dispatch(top, 'list foo bar', c)).toBe('Unknown or incomplete command::foo bar\n');
    expect(await dispatch(top, 'LIST x', c)).toBe('Unknown or incomplete command::LIST x\n');
    expect(await dispatch(top, 'list help', c)).toBe('Available sub-commands at this level:\n\tloglevels\n\tloglevel\n');
  });
});

describe('CLI renderers', () => {
  const stats = new Map<string, BEncodable>([
    ['currentstatistics', new Map<string, BEncodable>([['sessionsown', 2], ['packetrate_user', 10], ['packetrate', 10]])],
    ['totalstatistics', new Map<string, BEncodable>([['uptime', '15'], ['managedsessions', 3], ['avgcallduration', '1.500000']])],
    ['controlstatistics', new Map<string, BEncodable>([['proxies', [new Map<string, BEncodable>([['proxy', '127.0.0.1'], ['pingcount', 1], ['offercount', 2]])]]])],
    ['interfaces', [new Map<string, BEncodable>([['name', 'default'], ['address', '127.0.0.1'], ['ports', new Map<string, BEncodable>([['used_pct', '0.00']])]])]],
  ]);

  it('prints JSON with fixed-point figures unquoted and names quoted', () => {
    expect(jsonStats(stats)).toBe(
      '{"currentstatistics":{"sessionsown":2,"packetrate_user":10,"packetrate":10},"totalstatistics":{"uptime":15,"managedsessions":3,"avgcallduration":1.500000},'
      + '"controlstatistics":{"proxies":[{"proxy":"127.0.0.1","pingcount":1,"offercount":2}]},'
      + '"interfaces":[{"name":"default","address":"127.0.0.1","ports":{"used_pct":0.00}}]}',
    );
  });

  it('lays out totals and counters in ` %-48s:` lines and the proxy table', () => {
    const t = totalsText(stats);
    expect(t).toContain(' Owned sessions                                  :2\n');
    expect(t).toContain(' Uptime of rtpengine                             :15 seconds\n');
    expect(t).toContain(' Average call duration                           :1.500000 seconds\n');
    expect(t).toContain(' Min/Max/Avg subscribe request requests per second:0/0/0 per sec\n');
    expect(t).toContain('            127.0.0.1 |          1 |          2 |          0 |');
    expect(t.endsWith('0 \n\n\n\n\n')).toBe(true);
    expect(countersText(stats)).toBe('\nCurrent per-second counters:\n\n'
      + ' Packets per second (userspace)                  :10\n Bytes per second (userspace)                    :0\n'
      + ' Errors per second (userspace)                   :0\n Packets per second (kernel)                     :0\n'
      + ' Bytes per second (kernel)                       :0\n Errors per second (kernel)                      :0\n'
      + ' Packets per second (total)                      :10\n Bytes per second (total)                        :0\n'
      + ' Errors per second (total)                       :0\n');
  });
});
