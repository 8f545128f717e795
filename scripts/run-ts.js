// Runs a TypeScript entry point without paying for type-checking on every run:
// esbuild bundles it (tens of milliseconds), node runs the bundle. `npm test` type-checks.
const path = require('node:path');
const esbuild = require('esbuild');

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.js <entry.ts> [args...]');
  process.exit(2);
}
const root = path.resolve(__dirname, '..');
const outfile = path.join(root, '.build', path.basename(entry).replace(/\.ts$/, '.js'));
esbuild.buildSync({
  entryPoints: [path.resolve(root, entry)],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  sourcemap: 'inline',
  outfile,
  logLevel: 'warning',
});
process.argv = [process.argv[0], outfile, ...args];
require(outfile);
