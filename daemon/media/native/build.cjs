'use strict';
// The package's `install` script (see docs/packaging.md): builds the native addons (batch_io,
// srtp_crypto, service) with the node-gyp npm puts on PATH for lifecycle scripts. A failed build
// (no C compiler, no Node headers, not Linux) does not fail the install: the daemon then uses
// node:dgram, the JS SRTP primitives and stderr logging, and says so at start-up.
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');

const dir = __dirname;
// npm passes the node-gyp it bundles as npm_config_node_gyp; run directly (`node build.cjs`), use
// the one next to this node's npm, else a node-gyp on PATH.
const bundled = [
  process.env.npm_config_node_gyp,
  path.join(path.dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
].find((f) => f && existsSync(f));
// The headers of the node that runs this, when it has them installed beside it (Debian's nodejs:
// /usr/include/node): without a nodedir (npm passes its `nodedir` setting as npm_config_nodedir),
// node-gyp would download them from nodejs.org, which an offline machine cannot.
const prefix = path.join(path.dirname(process.execPath), '..');
const args = ['rebuild', '--directory', dir];
if (!process.env.npm_config_nodedir && existsSync(path.join(prefix, 'include/node/common.gypi'))) args.push(`--nodedir=${prefix}`);
const r = bundled
  ? spawnSync(process.execPath, [bundled, ...args], { stdio: 'inherit' })
  : spawnSync('node-gyp', args, { stdio: 'inherit' });
if (r.status !== 0) {
  const why = r.error ? r.error.message : `node-gyp exited with ${r.status ?? r.signal}`;
  process.stderr.write(
    `rtpengine-ts: native addons not built (${why}); the daemon will run with node:dgram media I/O, ` +
      'JS SRTP crypto and no syslog/sd_notify. Install a C toolchain and python3, then `npm rebuild rtpengine-ts`.\n',
  );
}
process.exit(0);
