// rtpengine's log line from a pino record (daemon/log.ts).
import { describe, expect, it } from 'vitest';
import { formatRecord } from '../../daemon/log.js';

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
