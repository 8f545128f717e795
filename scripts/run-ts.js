// Runs a TypeScript entry point without paying for type-checking on every run: esbuild
// bundles it, node runs the bundle. `npm test` type-checks (and synth checks its input files
// itself, see synth/typecheck.ts). The bundle is reused while none of the files it was built
// from changed (their list and mtimes are kept beside it). A source map sits beside it, so an
// error can be traced to its source line (synth/failure.ts; or `node --enable-source-maps`).
const fs = require('node:fs');
const path = require('node:path');

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.js <entry.ts> [args...]');
  process.exit(2);
}
const root = path.resolve(__dirname, '..');
// Named after the entry's path, so entries with the same file name never share a bundle.
const name = path
  .relative(root, path.resolve(root, entry))
  .replace(/\.ts$/, '')
  .replace(/[\\/]/g, '__');
const outfile = path.join(root, '.build', `${name}.js`);
const metafile = path.join(root, '.build', `${name}.inputs.json`);

/** Whether the bundle exists and is newer than every file it was built from. */
function upToDate() {
  try {
    const built = fs.statSync(outfile).mtimeMs;
    const inputs = JSON.parse(fs.readFileSync(metafile, 'utf8'));
    return inputs.every((input) => fs.statSync(path.join(root, input)).mtimeMs <= built);
  } catch {
    return false;
  }
}

if (!upToDate()) {
  const esbuild = require('esbuild');
  // Stamped with the start time: a source saved while bundling still counts as newer.
  const started = new Date();
  const result = esbuild.buildSync({
    entryPoints: [path.resolve(root, entry)],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    outfile,
    write: false,
    metafile: true,
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: 'warning',
  });
  // Written under private names and renamed: concurrent runs never load a half-written bundle.
  fs.mkdirSync(path.dirname(outfile), { recursive: true });
  const output = (suffix) => result.outputFiles.find((file) => file.path.endsWith(suffix));
  const stagingBundle = `${outfile}.${process.pid}`;
  const stagingMap = `${outfile}.map.${process.pid}`;
  const stagingInputs = `${metafile}.${process.pid}`;
  fs.writeFileSync(stagingBundle, output('.js').contents);
  fs.utimesSync(stagingBundle, started, started);
  fs.writeFileSync(stagingMap, output('.js.map').contents);
  fs.writeFileSync(stagingInputs, JSON.stringify(Object.keys(result.metafile.inputs).sort()));
  fs.renameSync(stagingInputs, metafile);
  fs.renameSync(stagingMap, `${outfile}.map`);
  fs.renameSync(stagingBundle, outfile);
}
process.argv = [process.argv[0], outfile, ...args];
require(outfile);
