// Minimal GLib "key file" (GKeyFile) reader, as used by rtpengine for its config file.
//
// We do not use the `ini` npm package (or any generic ini parser) on purpose:
// those treat `;` as a comment character, while GLib uses `;` as the list
// separator (`interface = internal/10.0.0.1;external/192.0.2.1`) and only
// recognises `#` at the start of a line as a comment. Inline `# ...` after a
// value is *not* a comment for GLib either.
//
// Semantics reproduced here:
// * lines are trimmed of leading whitespace; empty lines and lines starting with
//   `#` are ignored;
// * `[group]` starts a group; groups with the same name are merged;
// * `key = value`: whitespace around the key and before the value is dropped;
//   the last assignment of a key in a group wins;
// * `key[locale] = value` entries are localised variants and ignored;
// * a key/value line before the first group, or a line that is neither comment,
//   group nor key/value, is an error (fatal for rtpengine);
// * values are unescaped when read as strings (`\s \n \t \r \\`, plus `\;` in lists).

import { ConfigError } from './errors.js';

export type KeyFileGroup = Map<string, string>;

export interface KeyFile {
  /** Raw (still escaped) values by group name, then key. */
  groups: Map<string, KeyFileGroup>;
}

export function parseKeyFile(text: string, fileName = 'config file'): KeyFile {
  const groups = new Map<string, KeyFileGroup>();
  let current: KeyFileGroup | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const stripped = line.replace(/^\s+/, '');
    if (stripped === '' || stripped.startsWith('#')) continue;
    if (stripped.startsWith('[')) {
      const m = /^\[([^\[\]]+)\]\s*$/.exec(stripped);
      if (!m) throw new ConfigError(`${fileName}:${i + 1}: invalid group line "${line}"`);
      const name = m[1]!;
      current = groups.get(name);
      if (!current) {
        current = new Map();
        groups.set(name, current);
      }
      continue;
    }
    const eq = stripped.indexOf('=');
    if (eq <= 0) {
      throw new ConfigError(
        `${fileName}:${i + 1}: line "${line}" is not a key-value pair, group, or comment`,
      );
    }
    if (!current) throw new ConfigError(`${fileName}: key file does not start with a group`);
    const key = stripped.slice(0, eq).trim();
    if (key === '') {
      throw new ConfigError(`${fileName}:${i + 1}: line "${line}" has an empty key`);
    }
    if (/\[.*\]$/.test(key)) continue; // localised entry, key[locale] = value
    const value = stripped.slice(eq + 1).replace(/^\s+/, '');
    current.set(key, value);
  }
  return { groups };
}

function unescapeInto(raw: string, list: boolean): string[] {
  const pieces: string[] = [];
  let cur = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === '\\') {
      i++;
      if (i >= raw.length) throw new ConfigError(`value "${raw}" contains an escape character at end of line`);
      const e = raw[i]!;
      switch (e) {
        case 's': cur += ' '; break;
        case 'n': cur += '\n'; break;
        case 't': cur += '\t'; break;
        case 'r': cur += '\r'; break;
        case '\\': cur += '\\'; break;
        default:
          if (e === ';' && list) { cur += ';'; break; }
          throw new ConfigError(`value "${raw}" contains invalid escape sequence "\\${e}"`);
      }
      continue;
    }
    if (list && ch === ';') {
      pieces.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  // GLib drops a trailing empty element ("a;b;" is two elements).
  if (!list || cur !== '') pieces.push(cur);
  return pieces;
}

/** g_key_file_get_string: unescape a value. */
export function keyFileString(raw: string): string {
  return unescapeInto(raw, false)[0]!;
}

/** g_key_file_get_string_list: split at unescaped `;` and unescape the pieces. */
export function keyFileStringList(raw: string): string[] {
  return unescapeInto(raw, true);
}

/** g_key_file_get_boolean: `true`/`false`/`1`/`0`, trailing whitespace allowed. */
export function keyFileBoolean(raw: string): boolean {
  const v = raw.replace(/\s+$/, '');
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new ConfigError(`value "${raw}" cannot be interpreted as a boolean`);
}

/**
 * g_key_file_get_integer: base-10 strtol; the number may be followed by
 * whitespace and then anything (so `timeout = 60 # one minute` is 60),
 * but not directly by other characters.
 */
export function keyFileInteger(raw: string): number {
  const m = /^([+-]?\d+)(.*)$/s.exec(raw);
  if (!m || (m[2] !== '' && !/^\s/.test(m[2]!))) {
    throw new ConfigError(`value "${raw}" cannot be interpreted as a number`);
  }
  const n = Number(m[1]);
  if (!Number.isSafeInteger(n) || n > 2147483647 || n < -2147483648) {
    throw new ConfigError(`value "${raw}" is out of range for an integer`);
  }
  return n;
}
