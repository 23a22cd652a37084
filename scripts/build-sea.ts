/**
 * Builds the single executable dist/relay from dist/relay.cjs (npm run build)
 * with Node's own `--build-sea`, on the Node that runs this script (the pinned
 * Node 26 of node_modules/.bin when run through npm).
 *
 *   npm run build:sea            # npm run build, then this
 *   npm run build:sea -- --no-strip
 *
 * - The main script is scripts/sea-entry.cjs bundled with
 *   dist/relay-snapshot.cjs, run at build time to make V8's startup snapshot
 *   (`useSnapshot`): a start deserializes commander, pino, yaml, zod and the
 *   config schemas already evaluated (scripts/lib/snapshot-modules.ts), with
 *   the built-ins and the compiled functions sea-entry.cjs adds.
 * - The rest of relay travels as the asset `relay.cjs` with a V8 code cache of
 *   a real start beside it (`relay.cache`). The asset is dist/relay.cjs
 *   already wrapped as the function a CommonJS module is (`wrapped`), so a
 *   start compiles the executable's own bytes as they are, with no copy of
 *   1.9 MB made to unwrap or wrap it. A first build of the executable
 *   carries no cache and writes one during a training start
 *   (scripts/lib/code-cache.ts), the second carries it.
 * - better-sqlite3's prebuilt addon for this platform travels as the SEA asset
 *   `better_sqlite3.node`, its SHA-256 beside it; src/store/sqlite/native.ts
 *   writes it out under that digest and loads it at start.
 * - The experimental-feature warning is off, and NODE_OPTIONS is ignored
 *   (`execArgvExtension: "none"`): the environment cannot change the daemon.
 * - V8's young generation is capped at 16 MiB per semi-space
 *   (`--max-semi-space-size=16`): under sustained load V8 otherwise grows it
 *   to several times that, which showed as 20–50 MB more peak RSS in
 *   `npm run bench` with no gain in throughput or CPU per delivery. It
 *   starts at 4 MiB (`--min-semi-space-size=4`): from V8's initial 1 MiB, a
 *   start ran two scavenges before it was ready (5 ms, `--trace-gc`), at
 *   4 MiB none, for about 1 MB more RSS when idle.
 * - V8 does not run its peephole pass on regular expression bytecode
 *   (`--no-regexp-peephole-optimization`). A regular expression runs once as
 *   bytecode and is then compiled to machine code (V8's tier-up), so the pass
 *   only slows its first run; for Node's IPv6 pattern, which every listen on
 *   a host runs (net's lookupAndListen), that first run took 4.5-6.2 ms with
 *   the pass and 1.5-2.1 ms without (node -e, five runs each).
 * - The Node binary is copied without its symbol tables (`strip`, about 33 MB
 *   less) when `strip` is on PATH, unless --no-strip is given.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { ADDON_ASSET, ADDON_DIGEST_ASSET } from '../src/store/sqlite/native.ts';
import { trainCodeCache } from './lib/code-cache.ts';
import { StepError } from './lib/isolated.ts';
import { buildSingleExecutable, strippedNode } from './lib/sea.ts';
import { SNAPSHOT_BUNDLE } from './lib/snapshot-modules.ts';

const { values } = parseArgs({ options: { strip: { type: 'boolean', default: true } }, allowNegative: true });

const root = resolve(import.meta.dirname, '..');
const dist = resolve(root, 'dist');
const bundle = resolve(dist, 'relay.cjs');
const wrappedBundle = resolve(dist, 'relay-wrapped.cjs');
const snapshotBundle = resolve(dist, SNAPSHOT_BUNDLE);
const output = resolve(dist, 'relay');
const entry = resolve(dist, 'sea-entry.cjs');
const training = resolve(dist, 'relay-code-cache-training');
const codeCache = resolve(dist, 'relay.cache');
const codeCacheOutput = resolve(dist, 'code-cache-output.txt');
const addonDigest = resolve(dist, ADDON_DIGEST_ASSET);
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as {
  version: string;
  engines: { node: string };
};

/** The executable's V8 flags (the list above says why each). */
const v8Flags = ['--max-semi-space-size=16', '--min-semi-space-size=4', '--no-regexp-peephole-optimization'];

/**
 * The V8 and Node flags of the process that builds the snapshot; a start of
 * the executable draws its own seeds and honours every warning.
 *
 * - The executable's V8 flags: Node puts in the snapshot the code cache of the
 *   built-in modules it compiled, and V8 takes a code cache only under the
 *   flags it was made with. Built without them, a start rejected it and
 *   compiled from source each built-in it loads (`node:http` and the rest not
 *   in the snapshot): 7 % of a start's CPU samples under `perf record`.
 * - A fixed random seed: V8 takes a code cache only from a build whose
 *   read-only heap has the same checksum, and with a random seed the snapshot
 *   differs from one build to the next, so the shipped build would reject the
 *   cache of the training build.
 * - Warnings of the type `Warning` off: Node warns that child_process (loaded
 *   by commander for its executable subcommands), worker_threads and module
 *   (by pino for its transports) are not verified in a snapshot; relay uses
 *   none of them.
 */
const snapshotBuildFlags = ['--random-seed=1', '--disable-warning=Warning', ...v8Flags];

function fail(message: string): never {
  console.error(`build:sea: ${message}`);
  process.exit(1);
}

const wantedMajor = Number(/\d+/.exec(pkg.engines.node)?.[0]);
const major = Number(process.versions.node.split('.')[0]);
if (major < wantedMajor) {
  fail(
    `Node ${process.version} cannot build it: run it through npm (node_modules/.bin/node is Node ${wantedMajor})`,
  );
}
for (const file of [bundle, snapshotBundle]) {
  if (!existsSync(file)) fail(`${file} is missing: run \`npm run build\` first`);
}

const addon = addonPath();
checkAddonLoads(addon);

mkdirSync(dist, { recursive: true });
const executable = values.strip
  ? strippedNode(resolve(dist, 'node-stripped'), 'build:sea')
  : process.execPath;
let failure: string | undefined;
try {
  await bundleEntry();
  writeFileSync(wrappedBundle, wrapped(readFileSync(bundle, 'latin1')), 'latin1');
  writeFileSync(addonDigest, createHash('sha256').update(readFileSync(addon)).digest('hex'));
  writeFileSync(codeCacheOutput, codeCache);
  buildSea(training, 'sea-config-training.json', { 'code-cache-output': codeCacheOutput });
  await trainCodeCache(training, codeCache);
  buildSea(output, 'sea-config.json', { 'relay.cache': codeCache });
} catch (error) {
  failure = error instanceof StepError ? `training the code cache: ${error.message}` : String(error);
} finally {
  const intermediates = [
    training,
    codeCacheOutput,
    codeCache,
    entry,
    wrappedBundle,
    addonDigest,
    resolve(dist, 'sea-config-training.json'),
  ];
  for (const file of intermediates) rmSync(file, { force: true });
  if (executable !== process.execPath) rmSync(executable, { force: true });
}
if (failure !== undefined) fail(failure);

// The executable must answer on its own before anyone ships it. `--version` exits before a warning
// emitted at start (a rejected code cache) is written: `schema` runs to the end and would show it.
const version = spawnSync(output, ['--version'], { encoding: 'utf8', env: { PATH: '' } });
if (version.status !== 0 || version.stdout.trim() !== pkg.version || version.stderr !== '') {
  fail(`dist/relay --version answered ${version.status}: ${version.stdout}${version.stderr}`);
}
const schema = spawnSync(output, ['schema'], { encoding: 'utf8', env: { PATH: '' } });
if (schema.status !== 0 || schema.stderr !== '') {
  fail(`dist/relay schema answered ${schema.status}: ${schema.stderr}`);
}
console.log(
  `build:sea: dist/relay ${pkg.version} (${(statSync(output).size / 1024 / 1024).toFixed(1)} MiB, Node ${process.version}, ${process.platform}-${process.arch})`,
);

/**
 * One `node --build-sea`. The training build and the shipped one differ only
 * in `extra` assets: V8 takes the cache only under the same flags (execArgv).
 */
function buildSea(target: string, configName: string, extra: Record<string, string>): void {
  buildSingleExecutable(
    resolve(dist, configName),
    {
      main: entry,
      mainFormat: 'commonjs',
      output: target,
      executable,
      disableExperimentalSEAWarning: true,
      useSnapshot: true,
      // The entry is a few lines: the code cache that matters is relay.cache.
      useCodeCache: false,
      execArgv: v8Flags,
      execArgvExtension: 'none',
      assets: {
        'relay.cjs': wrappedBundle,
        [ADDON_ASSET]: addon,
        [ADDON_DIGEST_ASSET]: addonDigest,
        ...extra,
      },
    },
    snapshotBuildFlags,
  );
}

/**
 * The bundle as the function Node wraps a CommonJS module in, which the entry
 * calls with its own `require` and `module`; the `#!` line would not parse
 * inside it. ASCII (scripts/build.ts): latin1 is one byte a character.
 */
function wrapped(source: string): string {
  return `(function (exports, require, module, __filename, __dirname) {${source.replace(/^#!/, '//')}\n})`;
}

/** The main script: scripts/sea-entry.cjs with the snapshot bundle it requires. */
async function bundleEntry(): Promise<void> {
  await build({
    entryPoints: [resolve(root, 'scripts/sea-entry.cjs')],
    outfile: entry,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${major}`,
    loader: { '.yaml': 'text' },
    logLevel: 'warning',
  });
}

/** better-sqlite3's addon for this machine: one compiled from source if there is one, else its prebuild. */
function addonPath(): string {
  const pkgDir = resolve(root, 'node_modules/better-sqlite3');
  if (process.platform === 'linux' && isMusl()) {
    fail('musl libc is not supported: the Node binary the executable is made from links glibc');
  }
  const compiled = resolve(pkgDir, 'build/Release/better_sqlite3.node');
  if (existsSync(compiled)) return compiled;
  const prebuild = resolve(pkgDir, 'prebuilds', `${process.platform}-${process.arch}.node`);
  if (!existsSync(prebuild))
    fail(`better-sqlite3 has no prebuilt addon for ${process.platform}-${process.arch}`);
  return prebuild;
}

function isMusl(): boolean {
  const report = process.report.getReport() as { header?: { glibcVersionRuntime?: string } };
  return !report.header?.glibcVersionRuntime;
}

/** The addon must load on the Node the executable is made from (same ABI). */
function checkAddonLoads(file: string): void {
  try {
    const module = { exports: {} as { Database?: unknown } };
    process.dlopen(module, file);
    if (typeof module.exports.Database !== 'function') fail(`${file} is not better-sqlite3's addon`);
  } catch (error) {
    fail(`${file} does not load on Node ${process.version}: ${(error as Error).message}`);
  }
}
