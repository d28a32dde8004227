/**
 * How rtpengine's CLI walks a command line (checked against 10.5): a level's handler matches by
 * prefix (`list numsessions`), then one separator character is skipped; numbers are read as C's
 * strtol/strtod do, taking the leading numeric part ("5x" is 5) and failing only without digits.
 */

export const MORE_PARAMS = 'More parameters required.\n';

export type CliHandler = (rest: string, c: import('./cli-context.js').CliContext) => string | Promise<string>;
export type CliTable = readonly (readonly [string, CliHandler])[];

/** The text after the one separator that follows a matched word, or null if nothing follows. */
export function shift(rest: string): string | null {
  return rest.length === 0 ? null : rest.slice(1);
}

/**
 * The first word of `rest` (up to the first blank) and what follows that blank, as rtpengine's
 * str_token_sep: without a blank the whole text is the word. `word` is '' for an empty text or one
 * that starts with the blank.
 */
export function token(rest: string): { word: string; rest: string } {
  const i = rest.indexOf(' ');
  return i < 0 ? { word: rest, rest: '' } : { word: rest.slice(0, i), rest: rest.slice(i + 1) };
}

/**
 * Dispatches `input` on `table`: exactly `help` lists the table (`helpx` is unknown, as in 10.5), an
 * unmatched word is rtpengine's error line.
 */
export function dispatch(table: CliTable, input: string, c: import('./cli-context.js').CliContext): string | Promise<string> {
  if (input === 'help') return `Available sub-commands at this level:\n${table.map(([w]) => `\t${w}\n`).join('')}`;
  for (const [word, handler] of table) {
    if (input.startsWith(word)) return handler(input.slice(word.length), c);
  }
  return `Unknown or incomplete command::${input}\n`;
}

/** A level whose handlers need at least one more word: `list`, `set`, ... */
export function level(table: CliTable): CliHandler {
  return (rest, c) => {
    const r = shift(rest);
    return r === null ? MORE_PARAMS : dispatch(table, r, c);
  };
}

/** strtol(s, &end, 10): the value, or null when no digits were found (leading blanks and a sign allowed). */
export function strtol(s: string): number | null {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m ? Number(m[1]) : null;
}

/** strtod(s, &end): decimal floating point including exponents, or null without digits. */
export function strtod(s: string): number | null {
  const m = /^[ \t\n\v\f\r]*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/.exec(s);
  return m ? Number(m[1]) : null;
}

/** printf("%*u")-style right alignment. */
export function padLeft(v: string | number, width: number): string {
  return String(v).padStart(width, ' ');
}
