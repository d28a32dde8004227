// Command-line tokenizer following GLib's GOptionContext rules, as rtpengine uses them.
//
// node:util parseArgs is not used because GLib differs from it in ways real
// rtpengine command lines rely on: `-t -1` / `--table -1` (a value option always
// takes the next argument, even when it starts with `-`), `--foreground=whatever`
// (GLib accepts a value on a flag and just sets the flag), and `-?` for help.
//
// Accepted forms: `--name=value`, `--name value`, `-x value`, grouped flags
// (`-fE`, `-fEL 7`), `--` ends option parsing. As an extension over GLib,
// `-xVALUE` (value glued to a short option) is accepted too.

import { ConfigError } from './errors.js';
import { findLongOption, findShortOption, type OptionDef } from './option-table.js';

export type ArgToken =
  | { type: 'option'; def: OptionDef; value: string | true; spelled: string }
  | { type: 'help' }
  | { type: 'positional'; value: string };

const HELP_LONG = new Set(['help', 'help-all', 'help-application']);

/** Yields tokens in order; throws ConfigError at the first bad argument. */
export function* iterateArgv(argv: readonly string[], notes?: string[]): Generator<ArgToken> {
  let onlyPositional = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (onlyPositional || arg === '-' || !arg.startsWith('-')) {
      yield { type: 'positional', value: arg };
      continue;
    }
    if (arg === '--') {
      onlyPositional = true;
      continue;
    }
    if (arg.startsWith('--')) {
      const body = arg.slice(2);
      const eq = body.indexOf('=');
      const name = eq >= 0 ? body.slice(0, eq) : body;
      if (HELP_LONG.has(name)) {
        yield { type: 'help' };
        continue;
      }
      const def = findLongOption(name);
      if (!def) throw new ConfigError(`Unknown option --${name}`);
      const spelled = `--${name}`;
      if (def.kind === 'bool') {
        if (eq >= 0 && notes) {
          notes.push(`option ${spelled} takes no value; "${body.slice(eq + 1)}" ignored and the option set (GLib semantics)`);
        }
        yield { type: 'option', def, value: true, spelled };
        continue;
      }
      let value: string;
      if (eq >= 0) value = body.slice(eq + 1);
      else if (i + 1 < argv.length) value = argv[++i]!;
      else throw new ConfigError(`Missing argument for ${spelled}`);
      yield { type: 'option', def, value, spelled };
      continue;
    }
    // group of short options
    for (let j = 1; j < arg.length; j++) {
      const letter = arg[j]!;
      if (letter === 'h' || letter === '?') {
        yield { type: 'help' };
        continue;
      }
      const def = findShortOption(letter);
      if (!def) throw new ConfigError(`Unknown option -${letter}`);
      const spelled = `-${letter}`;
      if (def.kind === 'bool') {
        yield { type: 'option', def, value: true, spelled };
        continue;
      }
      let value: string;
      if (j + 1 < arg.length) value = arg.slice(j + 1);
      else if (i + 1 < argv.length) value = argv[++i]!;
      else throw new ConfigError(`Missing argument for ${spelled}`);
      yield { type: 'option', def, value, spelled };
      break;
    }
  }
}

export interface TokenizeResult {
  tokens: ArgToken[];
  /** Non-fatal remarks (e.g. a value given to a flag). */
  notes: string[];
}

export function tokenizeArgv(argv: readonly string[]): TokenizeResult {
  const notes: string[] = [];
  const tokens = [...iterateArgv(argv, notes)];
  return { tokens, notes };
}

/**
 * What GLib would do before anything else: `help` if -h/--help/-?/--help-all comes
 * before any parse error, else `version` if -v/--version is present (rtpengine
 * prints "Version: ..." to stderr and exits 0), else undefined.
 */
export function argvRequest(argv: readonly string[]): 'help' | 'version' | undefined {
  let version = false;
  try {
    for (const t of iterateArgv(argv)) {
      if (t.type === 'help') return 'help';
      if (t.type === 'option' && t.def.long === 'version') version = true;
    }
  } catch {
    return undefined; // loadOptions will report the error
  }
  return version ? 'version' : undefined;
}

export function isHelpRequest(argv: readonly string[]): boolean {
  return argvRequest(argv) === 'help';
}

export function isVersionRequest(argv: readonly string[]): boolean {
  return argvRequest(argv) === 'version';
}

/**
 * GLib G_OPTION_ARG_INT on the command line: strtol(value, base 0), so `0x10`
 * is 16 and `010` is 8; trailing garbage or an out-of-range value is an error.
 */
export function parseCliInteger(value: string, spelled: string): number {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/.exec(value);
  if (!m) throw new ConfigError(`Cannot parse integer value "${value}" for ${spelled}`);
  const digits = m[2]!;
  let n: number;
  if (/^0[xX]/.test(digits)) n = parseInt(digits.slice(2), 16);
  else if (digits.length > 1 && digits.startsWith('0')) n = parseInt(digits.slice(1), 8);
  else n = parseInt(digits, 10);
  if (m[1] === '-' && n !== 0) n = -n;
  if (!Number.isSafeInteger(n) || n > 2147483647 || n < -2147483648) {
    throw new ConfigError(`Integer value "${value}" for ${spelled} out of range`);
  }
  return n;
}
