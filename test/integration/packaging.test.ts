/**
 * Packaging (slow, ~30 s: one `npm pack` and one `npm install` that compiles the native addons): the
 * tarball `npm pack` makes installs into an empty directory and its `rtpengine-ts` bin runs there,
 * with the addons built by the package's install script and answering an ng ping on loopback.
 * Needs `npx tsc -p .` first (packs the current dist/ with --ignore-scripts: `npm test` has built it).
 * Skipped when npm cannot reach its registry, except under CI=true, where it must run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freeUdpPort } from '../helpers/daemon-process.js';
import { NgClient, str } from '../helpers/ng-client.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CI = process.env.CI === 'true';
// npm test runs vitest under npm: its npm_* variables (package, lifecycle, config) must not leak into the child npm runs.
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));

function npm(args: string[], cwd: string, timeoutMs: number): { code: number | null; out: string } {
  const r = spawnSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=warn'], { cwd, env: ENV, encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

const online = CI || npm(['ping'], ROOT, 15000).code === 0;
const tmp: string[] = [];
const tempDir = (tag: string): string => {
  const d = mkdtempSync(join(tmpdir(), `rtpengine-ts-${tag}-`));
  tmp.push(d);
  return d;
};
afterAll(() => {
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(!online)('packaging (slow): npm pack, npm install of the tarball, the bin runs', () => {
  it('installs into an empty directory, builds the addons, and the daemon answers ping', async () => {
    expect(existsSync(join(ROOT, 'dist/daemon/main.js')), 'run `npx tsc -p .` first').toBe(true);
    const packDir = tempDir('pack');
    const pack = npm(['pack', '--ignore-scripts', '--pack-destination', packDir], ROOT, 60000);
    expect(pack.code, pack.out).toBe(0);
    const tgz = readdirSync(packDir).find((f) => f.endsWith('.tgz'));
    expect(tgz, pack.out).toBeDefined();

    const app = tempDir('app');
    writeFileSync(join(app, 'package.json'), '{ "name": "packaging-test", "private": true }\n');
    const inst = npm(['install', '--prefer-offline', join(packDir, tgz!)], app, 150000);
    expect(inst.code, inst.out).toBe(0);

    const pkg = join(app, 'node_modules/rtpengine-ts');
    for (const addon of ['batch_io', 'srtp_crypto', 'service']) {
      expect(existsSync(join(pkg, `daemon/media/native/build/Release/${addon}.node`)), `${addon}.node built\n${inst.out}`).toBe(true);
    }
    expect(existsSync(join(pkg, 'docs/rtpengine-ts.8'))).toBe(true);
    expect(existsSync(join(pkg, 'daemon/media/native/src/batch_io.c'))).toBe(true);

    const bin = join(app, 'node_modules/.bin/rtpengine-ts');
    const version = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 15000 });
    expect(version.status).toBe(0);
    expect(`${version.stdout}${version.stderr}`).toMatch(/^Version: rtpengine-ts \d+\.\d+\.\d+/m);

    const ngPort = await freeUdpPort();
    const proc = spawn(bin, ['--config-file=none', '-i', '127.0.0.1', '-n', `127.0.0.1:${ngPort}`, '-f', '-E', '--num-threads=1'], {
      stdio: ['ignore', 'pipe', 'pipe'], env: ENV,
    });
    let log = '';
    proc.stdout!.on('data', (d: Buffer) => { log += d.toString(); });
    proc.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
    const ng = new NgClient(ngPort);
    try {
      let result = '';
      for (let i = 0; i < 40 && result === ''; i++) {
        try {
          result = str((await ng.request({ command: 'ping' }, undefined)).get('result'));
        } catch {
          if (proc.exitCode !== null) break;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
      expect(result, log).toBe('pong');
      // The installed addons load: no fallback notice at start-up.
      expect(log).not.toMatch(/Native addons not loaded/);
    } finally {
      ng.close();
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r(null) : proc.once('exit', r)));
    }
  }, 240000);
});
