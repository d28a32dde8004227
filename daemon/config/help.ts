// `--help` output in the layout GLib prints for rtpengine.

import { OPTION_TABLE, type OptionDef } from './option-table.js';

function left(def: OptionDef | { long: string; short?: string; metavar?: string }): string {
  const short = def.short !== undefined ? `-${def.short}, ` : '';
  const meta = def.metavar !== undefined ? `=${def.metavar}` : '';
  return `  ${short}--${def.long}${meta}`;
}

export function helpText(program = 'rtpengine'): string {
  const helpEntry = { long: 'help', short: 'h', help: 'Show help options' };
  const widest = Math.max(
    ...OPTION_TABLE.map((d) => `--${d.long}${d.metavar !== undefined ? `=${d.metavar}` : ''}`.length),
  );
  const column = 2 + 4 + widest + 1;
  const line = (d: { long: string; short?: string; metavar?: string; help: string; implemented?: boolean }): string =>
    `${left(d).padEnd(column)}${d.help}${d.implemented === false ? ' [accepted, no effect]' : ''}`;
  return [
    'Usage:',
    `  ${program} [OPTION…]  - next-generation media proxy`,
    '',
    'Help Options:',
    line(helpEntry),
    '',
    'Application Options:',
    ...OPTION_TABLE.map((d) => line({ ...d, implemented: d.implemented === true || d.long === 'help' })),
    '',
    `Options marked [accepted, no effect] are rtpengine ${'10.5'}'s: ${program} takes them (on the command line and in the`,
    "[rtpengine] section of the config file) so that existing configurations start unchanged, but does not act on them.",
    '',
  ].join('\n');
}
