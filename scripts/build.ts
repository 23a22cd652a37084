/**
 * Bundles the CLI and everything it imports into one CommonJS file,
 * dist/relay.cjs: the input of the single executable (scripts/build-sea.ts).
 *
 *   npm run build
 *
 * CommonJS because the executable runs it as a CommonJS module
 * (scripts/sea-entry.cjs); the `import()` calls in cli.ts become lazy
 * `require`s inside the bundle, so `--version` still loads none of
 * the heavy modules. better-sqlite3 is bundled too: inside the executable it
 * gets its addon through the `nativeBinding` option (src/store/sqlite/native.ts), never by
 * a path on disk.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Plugin } from 'esbuild';
import { bundleUi } from '../src/ui/bundle.ts';
import { bundleSnapshotModules, fromSnapshot, NODE_BUNDLE, SNAPSHOT_BUNDLE } from './lib/snapshot-modules.ts';
import { startupImports } from './lib/startup-imports.ts';

const root = resolve(import.meta.dirname, '..');
const outfile = resolve(root, 'dist/relay.cjs');
const snapshotOutfile = resolve(root, 'dist', SNAPSHOT_BUNDLE);

// The dashboard is bundled first and embedded as strings: the executable serves it from memory.
const ui = await bundleUi();
const embedUi: Plugin = {
  name: 'embed-ui',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /[\\/]src[\\/]ui[\\/]assets\.ts$/ }, () => ({
      loader: 'ts',
      contents: `export const uiAssets = () => Promise.resolve(${JSON.stringify(ui)});`,
    }));
  },
};

// First the modules the executable's startup snapshot holds; the main bundle takes them from it.
const snapshotModules = await bundleSnapshotModules(root, snapshotOutfile);
const result = await build({
  plugins: [embedUi, fromSnapshot(root, snapshotModules), ...startupImports(root)],
  entryPoints: [resolve(root, 'src/cli.ts')],
  outfile,
  ...NODE_BUNDLE,
  // pg's optional libpq binding, required only when `pg.native` is read (relay never does).
  // External, so a pg-native that happens to be installed is not pulled into the bundle.
  external: ['pg-native'],
});

// The executable runs the bundle through vm.Script, which cannot run a dynamic import(): refuse a bundle with one.
const code = readFileSync(outfile, 'utf8');
const dynamicImport = /\bimport\s*\(/.exec(code);
if (dynamicImport) {
  const around = code.slice(Math.max(0, dynamicImport.index - 80), dynamicImport.index + 80);
  console.error(`build: dist/relay.cjs still calls import(), which the executable cannot run:\n…${around}…`);
  process.exit(1);
}

// The executable reads the bundle as one-byte text (scripts/sea-entry.cjs): a quarter of the time UTF-8
// decoding takes, and V8 keeps it at one byte a character. esbuild already escapes non-ASCII characters
// in code; the few left are in the license comments at the end, written here as \u{…}.
const ascii = code.replace(/[^\p{ASCII}]/gu, (char) => `\\u{${char.codePointAt(0)!.toString(16)}}`);
if (ascii !== code) writeFileSync(outfile, ascii);

const bytes = result.metafile.outputs[Object.keys(result.metafile.outputs)[0]!]!.bytes;
console.log(`build: dist/relay.cjs (${(bytes / 1024).toFixed(0)} KiB)`);
const gzipped = (text: string) => (gzipSync(text).length / 1024).toFixed(1);
console.log(
  `build: dashboard ${(ui.js.length / 1024).toFixed(1)} KiB script (${gzipped(ui.js)} KiB gzipped), ` +
    `${(ui.css.length / 1024).toFixed(1)} KiB stylesheet (${gzipped(ui.css)} KiB gzipped)`,
);
