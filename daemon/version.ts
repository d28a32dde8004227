import { readFileSync } from 'node:fs';

/** The package version, read once from package.json (two levels above dist/daemon/). */
function readVersion(): string {
  for (const rel of ['../../package.json', '../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { version: string }).version;
    } catch { /* try the next location */ }
  }
  return 'unknown';
}

export const VERSION = `rtpengine-ts ${readVersion()}`;
