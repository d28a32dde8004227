/**
 * docs/rtpengine-ts.8 is generated from the option table (`npm run man`): the checked-in page must be
 * what renderManPage() gives today, so an option added or marked implemented without regenerating fails here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderManPage } from '../../daemon/config/man-page.js';
import { OPTION_TABLE } from '../../daemon/config/option-table.js';
import { VERSION } from '../../daemon/version.js';

const checkedIn = readFileSync(new URL('../../docs/rtpengine-ts.8', import.meta.url), 'utf8');

describe('man page', () => {
  it('docs/rtpengine-ts.8 is up to date with the option table (run `npm run man`)', () => {
    expect(checkedIn).toBe(renderManPage(VERSION));
  });

  it('lists every option, marking the ones without effect', () => {
    const page = renderManPage('rtpengine-ts 0.0.0');
    for (const d of OPTION_TABLE) {
      const tag = `\\fB\\-\\-${d.long.replace(/-/g, '\\-')}\\fR`;
      const at = page.indexOf(tag);
      expect(at, d.long).toBeGreaterThan(0);
      const entry = page.slice(at, page.indexOf('\n.TP', at) >>> 0);
      expect(entry.includes('(no effect)'), d.long).toBe(d.implemented !== true);
    }
  });

  it('has no line starting with a stray control character', () => {
    for (const line of renderManPage('x').split('\n')) {
      if (line.startsWith("'")) throw new Error(`line starts with ': ${line}`);
      if (line.startsWith('.') && !/^\.(\\"|TH|SH|TP|PP|B|I|BR|nf|fi)( |$)/.test(line)) throw new Error(`unknown macro: ${line}`);
    }
  });
});
