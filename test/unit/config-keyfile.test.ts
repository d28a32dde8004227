// GLib key-file reader: groups, comments, `;` list separator, escapes, typed values.
import { describe, expect, it } from 'vitest';
import {
  keyFileBoolean, keyFileInteger, keyFileString, keyFileStringList, parseKeyFile,
} from '../../daemon/config/keyfile.js';
import { ConfigError } from '../../daemon/config/errors.js';

describe('parseKeyFile', () => {
  it('reads groups and key = value pairs, skipping # comments and blank lines', () => {
    const kf = parseKeyFile([
      '# leading comment',
      '[rtpengine]',
      '',
      'table = 0',
      '   # indented comment',
      'interface=any',
      '[rtpengine-testing]',
      'table = -1',
    ].join('\n'));
    expect([...kf.groups.keys()]).toEqual(['rtpengine', 'rtpengine-testing']);
    expect(kf.groups.get('rtpengine')).toEqual(new Map([['table', '0'], ['interface', 'any']]));
    expect(kf.groups.get('rtpengine-testing')?.get('table')).toBe('-1');
  });

  it('does not treat ; or an inline # as a comment (unlike generic ini parsers)', () => {
    const kf = parseKeyFile('[g]\ninterface = internal/10.0.0.1;external/192.0.2.1\nx = a # b\n; not a comment = 1\n');
    const g = kf.groups.get('g')!;
    expect(g.get('interface')).toBe('internal/10.0.0.1;external/192.0.2.1');
    expect(g.get('x')).toBe('a # b');
    expect(g.get('; not a comment')).toBe('1');
  });

  it('merges repeated groups, lets the last assignment win and handles CRLF', () => {
    const kf = parseKeyFile('[a]\r\nk = 1\r\n[b]\r\nk = 2\r\n[a]\r\nk = 3\r\nj = 4\r\n');
    expect(kf.groups.get('a')).toEqual(new Map([['k', '3'], ['j', '4']]));
  });

  it('ignores localised keys', () => {
    const kf = parseKeyFile('[a]\nname[de] = x\nname = y\n');
    expect(kf.groups.get('a')).toEqual(new Map([['name', 'y']]));
  });

  it('rejects lines that are not key/value, group or comment, and keys before a group', () => {
    expect(() => parseKeyFile('[a]\njunk\n')).toThrow(ConfigError);
    expect(() => parseKeyFile('k = 1\n[a]\n')).toThrow(/does not start with a group/);
    expect(() => parseKeyFile('[a\nk=1\n')).toThrow(ConfigError);
  });
});

describe('typed key-file values', () => {
  it('splits lists at unescaped ; and drops a trailing empty element', () => {
    expect(keyFileStringList('a;b;c')).toEqual(['a', 'b', 'c']);
    expect(keyFileStringList('a;b;')).toEqual(['a', 'b']);
    expect(keyFileStringList('a;;b')).toEqual(['a', '', 'b']);
    expect(keyFileStringList('a\\;b;c')).toEqual(['a;b', 'c']);
  });

  it('unescapes strings and rejects invalid escapes', () => {
    expect(keyFileString('\\sx\\ty\\\\')).toBe(' x\ty\\');
    expect(keyFileString('a;b')).toBe('a;b');
    expect(() => keyFileString('a\\;b')).toThrow(/invalid escape/);
    expect(() => keyFileString('ab\\')).toThrow(ConfigError);
  });

  it('parses booleans like GLib', () => {
    expect(keyFileBoolean('true')).toBe(true);
    expect(keyFileBoolean('1')).toBe(true);
    expect(keyFileBoolean('false  ')).toBe(false);
    expect(keyFileBoolean('0')).toBe(false);
    expect(() => keyFileBoolean('yes')).toThrow(ConfigError);
  });

  it('parses integers base 10, allowing whitespace then anything after the number', () => {
    expect(keyFileInteger('60')).toBe(60);
    expect(keyFileInteger('-1')).toBe(-1);
    expect(keyFileInteger('60 # one minute')).toBe(60);
    expect(keyFileInteger('010')).toBe(10);
    expect(() => keyFileInteger('60s')).toThrow(ConfigError);
    expect(() => keyFileInteger('0x10')).toThrow(ConfigError);
    expect(() => keyFileInteger('')).toThrow(ConfigError);
    expect(() => keyFileInteger('99999999999')).toThrow(/out of range/);
  });
});
