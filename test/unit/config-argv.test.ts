// GLib-style command-line tokenizer.
import { describe, expect, it } from 'vitest';
import {
  argvRequest, isHelpRequest, isVersionRequest, parseCliInteger, tokenizeArgv, type ArgToken,
} from '../../daemon/config/argv.js';
import { ConfigError } from '../../daemon/config/errors.js';

function pairs(tokens: ArgToken[]): [string, string | true][] {
  return tokens.flatMap((t) => (t.type === 'option' ? [[t.def.long, t.value] as [string, string | true]] : []));
}

describe('tokenizeArgv', () => {
  it('accepts --name=value, --name value, -x value and -xVALUE', () => {
    const { tokens } = tokenizeArgv(['--port-min=1000', '--port-max', '2000', '-i', '127.0.0.1', '-n2223']);
    expect(pairs(tokens)).toEqual([
      ['port-min', '1000'], ['port-max', '2000'], ['interface', '127.0.0.1'], ['listen-ng', '2223'],
    ]);
  });

  it('gives a value option the next argument even if it starts with a dash', () => {
    expect(pairs(tokenizeArgv(['-t', '-1', '--table', '-2']).tokens)).toEqual([['table', '-1'], ['table', '-2']]);
  });

  it('expands grouped short flags, the last one may take a value', () => {
    expect(pairs(tokenizeArgv(['-fEL', '7']).tokens)).toEqual([
      ['foreground', true], ['log-stderr', true], ['log-level', '7'],
    ]);
  });

  it('keeps repeated options in order', () => {
    expect(pairs(tokenizeArgv(['-i', 'a', '--interface=b', '-i', 'c']).tokens)).toEqual([
      ['interface', 'a'], ['interface', 'b'], ['interface', 'c'],
    ]);
  });

  it('sets a flag given with =value (GLib ignores the value) and notes it', () => {
    const r = tokenizeArgv(['--foreground=false']);
    expect(pairs(r.tokens)).toEqual([['foreground', true]]);
    expect(r.notes.join('\n')).toMatch(/--foreground takes no value/);
  });

  it('treats everything after -- and bare words as positional', () => {
    const { tokens } = tokenizeArgv(['extra', '--', '-f']);
    expect(tokens).toEqual([{ type: 'positional', value: 'extra' }, { type: 'positional', value: '-f' }]);
  });

  it('rejects unknown long and short options', () => {
    expect(() => tokenizeArgv(['--foo'])).toThrow(new ConfigError('Unknown option --foo'));
    expect(() => tokenizeArgv(['--foo=1'])).toThrow('Unknown option --foo');
    expect(() => tokenizeArgv(['--log-level-bogus=3'])).toThrow('Unknown option --log-level-bogus');
    expect(() => tokenizeArgv(['-Z'])).toThrow('Unknown option -Z');
  });

  it('rejects a value option without its value', () => {
    expect(() => tokenizeArgv(['--interface'])).toThrow('Missing argument for --interface');
    expect(() => tokenizeArgv(['-f', '-L'])).toThrow('Missing argument for -L');
  });
});

describe('help and version requests', () => {
  it('detects help in all its spellings', () => {
    for (const a of [['-h'], ['--help'], ['-?'], ['--help-all'], ['-f', '--help']]) {
      expect(isHelpRequest(a), a.join(' ')).toBe(true);
    }
    expect(isHelpRequest(['-f'])).toBe(false);
  });

  it('detects version, help winning over version', () => {
    expect(isVersionRequest(['-v'])).toBe(true);
    expect(isVersionRequest(['--config-file=none', '--version'])).toBe(true);
    expect(argvRequest(['--version', '--help'])).toBe('help');
    expect(argvRequest(['-f'])).toBeUndefined();
  });

  it('does not see options hidden in option values or after a parse error', () => {
    expect(isVersionRequest(['--pidfile', '-v'])).toBe(false);
    expect(isHelpRequest(['--bogus', '--help'])).toBe(false);
  });
});

describe('parseCliInteger (strtol base 0)', () => {
  it('parses decimal, hex, octal and negative values', () => {
    expect(parseCliInteger('42', '-x')).toBe(42);
    expect(parseCliInteger('-1', '-t')).toBe(-1);
    expect(parseCliInteger('0x10', '-t')).toBe(16);
    expect(parseCliInteger('010', '-t')).toBe(8);
    expect(parseCliInteger('0', '-t')).toBe(0);
  });

  it('rejects garbage and out-of-range values', () => {
    expect(() => parseCliInteger('abc', '--table')).toThrow('Cannot parse integer value "abc" for --table');
    expect(() => parseCliInteger('12x', '--table')).toThrow(ConfigError);
    expect(() => parseCliInteger('', '--table')).toThrow(ConfigError);
    expect(() => parseCliInteger('3000000000', '--table')).toThrow(/out of range/);
  });
});
