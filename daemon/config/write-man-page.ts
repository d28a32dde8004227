// `npm run man`: writes docs/rtpengine-ts.8 (or the path given) from the option table.
import { writeFileSync } from 'node:fs';
import { renderManPage } from './man-page.js';
import { VERSION } from '../version.js';

const out = process.argv[2] ?? 'docs/rtpengine-ts.8';
writeFileSync(out, renderManPage(VERSION));
process.stdout.write(`wrote ${out}\n`);
