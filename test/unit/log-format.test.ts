// rtpengine's log line from a pino record (daemon/log.ts).
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { createLogger, formatRecord, logNotice, NOTICE, pinoLevel, SubsystemLogs } from '../../daemon/log.js';

describe('formatRecord', () => {
  it('writes rtpengine\'s level word, the call id in brackets, the message, then the other fields', () => {
    expect(formatRecord({ level: 40, time: 1, pid: 3, callId: 'abc@host', msg: 'Call deleted', port: 5000, who: 'a b' }, 'default'))
      .toBe('WARNING: [abc@host]: Call deleted port=5000 who="a b"');
    expect(formatRecord({ level: 30, msg: 'Startup complete' }, 'default')).toBe('INFO: Startup complete');
    expect(formatRecord({ level: 20, msg: 'x' }, 'default')).toBe('DEBUG: x');
    expect(formatRecord({ level: 50, msg: 'x' }, 'default')).toBe('ERR: x');
    expect(formatRecord({ level: 60, msg: 'Failed to start', err: { type: 'Error', message: 'EADDRINUSE' } }, 'default'))
      .toBe('CRIT: Failed to start err="EADDRINUSE"');
  });

  it('parsable format names the call as ID="..."; log marks go around the call id', () => {
    expect(formatRecord({ level: 30, callId: 'c1', msg: 'm' }, 'parsable')).toBe('INFO: [ID="c1"]: m');
    expect(formatRecord({ level: 30, callId: 'c1', msg: 'm' }, 'default', ['<<', '>>'])).toBe('INFO: [<<c1>>]: m');
  });
});

describe('NOTICE and per-socket lines', () => {
  it('maps syslog 5 to its own level between INFO and WARNING, printed NOTICE', () => {
    expect([3, 4, 5, 6, 7].map(pinoLevel)).toEqual(['error', 'warn', 'notice', 'info', 'debug']);
    expect(formatRecord({ level: NOTICE, callId: 'c1', sub: 'core', msg: 'Creating new call' }, 'default'))
      .toBe('NOTICE: [c1]: [core] Creating new call');
  });

  it('prefixes a line about one media socket [callid port N], the port in 5 columns, as rtpengine', () => {
    expect(formatRecord({ level: 30, callId: 'c1', streamPort: 43020, sub: 'core', msg: 'Confirmed peer address as 127.0.0.1:5000' }, 'default'))
      .toBe('INFO: [c1 port 43020]: [core] Confirmed peer address as 127.0.0.1:5000');
    expect(formatRecord({ level: 20, callId: 'c1', streamPort: 5000, msg: 'm' }, 'default')).toBe('DEBUG: [c1 port  5000]: m');
    expect(formatRecord({ level: 30, callId: 'c1', streamPort: 43020, msg: 'm' }, 'parsable')).toBe('INFO: [ID="c1" port="43020"]: m');
    expect(formatRecord({ level: 30, callId: 'c1', streamPort: 43020, msg: 'm' }, 'default', ['<', '>'])).toBe('INFO: [<c1> port 43020]: m');
  });

  it('prefixes a line about one participant\'s media [callid/tag/index] (rtpengine\'s ICE agent lines)', () => {
    expect(formatRecord({ level: 20, callId: 'c1', mediaTag: 'ftag', mediaIndex: 1, sub: 'ice', msg: 'm' }, 'default')).toBe('DEBUG: [c1/ftag/1]: [ice] m');
    expect(formatRecord({ level: 20, callId: 'c1', mediaTag: 'ftag', mediaIndex: 2, msg: 'm' }, 'parsable')).toBe('DEBUG: [ID="c1" tag="ftag" index="2"]: m');
  });

  it('-L 5 writes NOTICE lines and not INFO ones; a subsystem logger at 5 likewise', () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => { out.push(String(s)); return true; });
    try {
      const log = createLogger({ level: 5, stderr: true, noTimestamps: true });
      log.info('an info line');
      logNotice(log, { callId: 'c1' }, 'Creating new call');
      log.warn('a warning');
      const core = new SubsystemLogs(log, 5, {}).get('core');
      core.info({ callId: 'c2' }, 'core info');
      logNotice(core, { callId: 'c2' }, 'core notice');
    } finally {
      spy.mockRestore();
    }
    expect(out).toEqual(['NOTICE: [c1]: Creating new call\n', 'WARNING: a warning\n', 'NOTICE: [c2]: [core] core notice\n']);
  });

  it('logNotice falls back to INFO on a logger without the notice level (plain pino)', () => {
    const recs: { level: number; msg: string }[] = [];
    const log = pino({ level: 'info' }, { write: (s: string) => void recs.push(JSON.parse(s)) });
    logNotice(log, {}, 'x');
    expect(recs.map((r) => [r.level, r.msg])).toEqual([[30, 'x']]);
  });
});
