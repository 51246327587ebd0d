// Bundles src/main.ts into one minified IIFE, dist/widget.js, and prints its exact
// gzipped size: the widget loads on every page of a customer's site, so its weight
// is a number we watch (target: 25 KB gzipped).
import { build } from 'esbuild';
import fs from 'node:fs';
import zlib from 'node:zlib';

const LIMIT = 25 * 1024;
const out = 'dist/widget.js';

await build({
  entryPoints: ['src/main.ts'],
  outfile: out,
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2020',
  legalComments: 'none',
  charset: 'utf8',
  logLevel: 'warning',
});

const code = fs.readFileSync(out);
const gzipped = zlib.gzipSync(code, { level: 9 }).length;
console.log(`${out}: ${code.length} bytes, ${gzipped} bytes gzipped (limit ${LIMIT})`);
if (gzipped > LIMIT) {
  console.error(`widget.js is over the ${LIMIT}-byte gzipped budget`);
  process.exit(1);
}
