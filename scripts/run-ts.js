// Runs a TypeScript entry point without paying for type-checking on every run:
// esbuild bundles it (tens of milliseconds), node runs the bundle. `npm test` type-checks.
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.js <entry.ts> [args...]');
  process.exit(2);
}
const root = path.resolve(__dirname, '..');
const outfile = path.join(root, '.build', path.basename(entry).replace(/\.ts$/, '.js'));
const result = esbuild.buildSync({
  entryPoints: [path.resolve(root, entry)],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  sourcemap: 'inline',
  outfile,
  write: false,
  logLevel: 'warning',
});
// Written under a private name and renamed: concurrent runs never load a half-written bundle.
const staging = `${outfile}.${process.pid}`;
fs.mkdirSync(path.dirname(outfile), { recursive: true });
fs.writeFileSync(staging, result.outputFiles[0].contents);
fs.renameSync(staging, outfile);
process.argv = [process.argv[0], outfile, ...args];
require(outfile);
