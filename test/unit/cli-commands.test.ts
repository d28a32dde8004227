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
import { dispatch, level, MORE_PARAMS, strtod, strtol, token, type CliTable } from '../../daemon/control/cli/words.js';
import { Call } from '../../daemon/call/call.js';
import type { StreamReleaser } from '../../daemon/call/stream.js';
import { callCommand } from '../../daemon/control/cli/cli-call.js';
import { debug, debugFlag } from '../../daemon/control/cli/cli-debug.js';
import { canonicalPath, cliCommandOfPath } from '../../daemon/control/cli/cli-http.js';

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
    expect(await dispatch(top, 'list helpx', c)).toBe('Unknown or incomplete command::helpx\n');
  });

  it('splits a Call-ID or tag off at the first blank only, as str_token_sep', () => {
    expect(token('cli-ab info')).toEqual({ word: 'cli-ab', rest: 'info' });
    expect(token('cli-ab')).toEqual({ word: 'cli-ab', rest: '' });
    expect(token(' x')).toEqual({ word: '', rest: 'x' });
    expect(token('x/y on')).toEqual({ word: 'x/y', rest: 'on' });
  });

  it('reads the on/off word of debug as 10.5: nothing is on, only the four words count', () => {
    expect(debugFlag('')).toBe(true);
    expect(debugFlag('enable')).toBe(true);
    expect(debugFlag('off')).toBe(false);
    expect(debugFlag('disable')).toBe(false);
    expect(debugFlag('1')).toBeNull();
    expect(debugFlag('on x')).toBeNull();
  });
});

describe('CLI over HTTP', () => {
  it('canonicalizes the path as libwebsockets and keeps the slashes in the command', () => {
    expect(canonicalPath('/cli//call/x')).toBe('/cli/call/x');
    expect(canonicalPath('/cli/call/x//')).toBe('/cli/call/x/');
    expect(canonicalPath('/cli/call/x/./y')).toBe('/cli/call/x/y');
    expect(canonicalPath('/cli/call/x/../y')).toBe('/cli/call/y');
    expect(canonicalPath('/cli/call/.')).toBe('/cli/call/');
    expect(canonicalPath('/cli/call/x/..')).toBe('/cli/call');
    expect(cliCommandOfPath('/cli/list/sessions/all')).toBe('list/sessions/all');
    expect(cliCommandOfPath('/cli/call/x%2Fy%20info')).toBe('call/x/y info');
    expect(cliCommandOfPath('/cli/')).toBe('');
    expect(cliCommandOfPath('/cli/..')).toBeNull();
  });
});

describe('call and debug on a Call', () => {
  const call = new Call('cid', 0, 0, 0, {} as StreamReleaser);
  const ctx = {
    calls: { calls: new Map([['cid', call]]) },
  } as unknown as CliContext;

  it('debug <callid> [on|off] switches call.debug, checking the flag before the call', () => {
    expect(debug(' cid', ctx)).toBe("Enabled debugging for call 'cid'\n");
    expect(call.debug).toBe(true);
    expect(debug(' cid off', ctx)).toBe("Disabled debugging for call 'cid'\n");
    expect(call.debug).toBe(false);
    expect(debug(' nope x', ctx)).toBe("Invalid on/off flag ('x') specified\n");
    expect(debug(' nope', ctx)).toBe("Call ID 'nope' not found\n");
    expect(debug('', ctx)).toBe('No call ID specified\n');
    expect(call.debug).toBe(false);
  });

  it('call <callid> debug, and the errors of the call and tag levels', async () => {
    expect(await callCommand(' cid debug', ctx)).toBe("Enabled debugging for call 'cid'\n");
    expect(call.debug).toBe(true);
    expect(await callCommand(' cid debug disable', ctx)).toBe("Disabled debugging for call 'cid'\n");
    expect(call.debug).toBe(false);
    expect(await callCommand('', ctx)).toBe(MORE_PARAMS);
    expect(await callCommand(' ', ctx)).toBe('No call ID specified\n');
    expect(await callCommand(' x info', ctx)).toBe("No such call 'x'\n");
    expect(await callCommand(' cid', ctx)).toBe('Unknown or incomplete command::\n');
    expect(await callCommand(' cid help', ctx)).toBe('Available sub-commands at this level:\n\tinfo\n\tterminate\n\tdebug\n\ttag\n');
    expect(await callCommand(' cid tag', ctx)).toBe(MORE_PARAMS);
    expect(await callCommand(' cid tag ', ctx)).toBe('No tag specified\n');
    expect(await callCommand(' cid tag t info', ctx)).toBe("No such tag 't'\n");
    expect(await callCommand(' cid taginfo', ctx)).toBe("No such tag 'nfo'\n");
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
