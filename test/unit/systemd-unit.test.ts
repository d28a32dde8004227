// docs/systemd/rtpengine-ts.service is a unit systemd accepts (systemd-analyze verify), Type=notify.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const UNIT = new URL('../../docs/systemd/rtpengine-ts.service', import.meta.url);
const hasAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

describe('systemd unit', () => {
  const text = readFileSync(UNIT, 'utf8');

  it('runs the daemon in the foreground as Type=notify with the installed binary and config', () => {
    expect(text).toMatch(/^Type=notify$/m);
    expect(text).toMatch(/^ExecStart=@BIN@ --config-file=\/etc\/rtpengine-ts\/rtpengine\.conf --foreground /m);
  });

  it.skipIf(!hasAnalyze)('passes systemd-analyze verify once installed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtpe-unit-'));
    try {
      const f = join(dir, 'rtpengine-ts.service');
      writeFileSync(f, text.replace('@BIN@', '/usr/bin/true'));
      const r = spawnSync('systemd-analyze', ['verify', f], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
