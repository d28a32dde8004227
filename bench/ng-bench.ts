/**
 * `npm run bench:ng`: the ng control benchmark alone (same options as `npm run bench`; the default
 * tests are `ng` (closed loop) and `ngrate2000` (paced at 2000 calls/s)).
 */
import { main } from './relay-bench.js';

main(process.argv.slice(2), { tests: ['ng', 'ngrate2000'] }, 'npm run bench:ng --').then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  },
);
