// --help text in GLib's layout.
import { describe, expect, it } from 'vitest';
import { helpText } from '../../daemon/config/options.js';
import { OPTION_TABLE } from '../../daemon/config/option-table.js';

describe('helpText', () => {
  const text = helpText();
  const lines = text.split('\n');

  it('starts with the GLib usage header', () => {
    expect(lines.slice(0, 4)).toEqual([
      'Usage:', '  rtpengine [OPTION…]  - next-generation media proxy', '', 'Help Options:',
    ]);
    expect(helpText('rtpengine-ts')).toContain('  rtpengine-ts [OPTION…]');
  });

  it('lists every option with its short letter and value name, descriptions aligned', () => {
    expect(text).toContain('  -i, --interface=[NAME/]IP[!IP]');
    expect(text).toContain('  --no-log-timestamps ');
    expect(text).toContain('  -h, --help ');
    const optionLines = lines.filter((l) => l.startsWith('  -'));
    expect(optionLines).toHaveLength(OPTION_TABLE.length + 1);
    // rtpengine 10.5's --help starts every description in column 62
    for (const def of OPTION_TABLE) {
      const line = optionLines.find((l) => l.includes(`--${def.long}${def.metavar ? '=' : ' '}`));
      expect(line?.indexOf(def.help), def.long).toBe(62);
    }
    for (const def of OPTION_TABLE) expect(text).toContain(`--${def.long}`);
  });

  it('says which options take effect: the others are marked as accepted for compatibility only', () => {
    for (const def of OPTION_TABLE) {
      const line = lines.find((l) => l.includes(`--${def.long}${def.metavar ? '=' : ' '}`))!;
      expect(line.endsWith(' [accepted, no effect]'), def.long).toBe(!def.implemented);
    }
    expect(lines.find((l) => l.includes('--interface='))).not.toContain('no effect');
    expect(lines.find((l) => l.includes('--redis='))).toContain('[accepted, no effect]');
    expect(text).toContain('Options marked [accepted, no effect]');
  });
});
