// The JavaScript a first visit downloads, from a built dist/: the entry chunk
// index.html loads, plus the chunk of each page named on the command line,
// each with the chunks it imports statically. Sizes raw and gzipped (level 9).
//
//   npm run build && node scripts/first-load.mjs LoginPage
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const assets = new URL('../dist/assets/', import.meta.url).pathname;
const html = readFileSync(new URL('../dist/index.html', import.meta.url), 'utf8');
const names = readdirSync(assets).filter((f) => f.endsWith('.js'));

const roots = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="[^"]*\/assets\/([^"/]+\.js)"/g)].map((m) => m[1]);
for (const page of process.argv.slice(2)) {
  const chunk = names.find((f) => f.startsWith(`${page}-`));
  if (!chunk) throw new Error(`no chunk for ${page} in ${assets}`);
  roots.push(chunk);
}

// Static imports only (`import{…}from"./x.js"`, `import"./x.js"`); `import("./x.js")` is a later chunk.
const seen = new Set();
const visit = (file) => {
  if (seen.has(file)) return;
  seen.add(file);
  const code = readFileSync(join(assets, file), 'utf8');
  for (const m of code.matchAll(/\bimport\s*(?:[^"'()]*?from\s*)?["']\.\/([^"']+\.js)["']/g)) visit(m[1]);
};
roots.forEach(visit);

let raw = 0;
let gzip = 0;
for (const file of seen) {
  const bytes = readFileSync(join(assets, file));
  const zipped = gzipSync(bytes, { level: 9 }).length;
  raw += bytes.length;
  gzip += zipped;
  console.log(`${file.padEnd(32)} ${(bytes.length / 1000).toFixed(2).padStart(8)} kB  gzip ${(zipped / 1000).toFixed(2).padStart(7)} kB`);
}
console.log(`${'first load'.padEnd(32)} ${(raw / 1000).toFixed(2).padStart(8)} kB  gzip ${(gzip / 1000).toFixed(2).padStart(7)} kB`);
