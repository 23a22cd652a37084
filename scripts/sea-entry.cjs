/**
 * The main script of the single executable (scripts/build-sea.ts), bundled
 * with dist/relay-snapshot.cjs and run once, while `node --build-sea` builds
 * V8's startup snapshot: it evaluates the modules the snapshot holds
 * (scripts/lib/snapshot-modules.ts), and the deserialized heap starts with
 * them. At each start, the function given to setDeserializeMainFunction runs
 * relay's bundle, the SEA asset `relay.cjs`, with the V8 code cache in the
 * asset `relay.cache`; the bundle takes the snapshot's modules from
 * `globalThis.__relaySnapshotModules`.
 *
 * Why not the bundle as the main script with Node's `useCodeCache`: Node makes
 * that cache by compiling the script without running it, so it holds the top
 * level only, and every module of the bundle (a function esbuild wraps and
 * calls on first import) was still compiled at each start. The cache here is
 * taken from a real start of this executable (scripts/lib/code-cache.ts), so
 * it holds every function a start runs.
 *
 * V8 takes a cache only for the same source, the same V8 and the same V8
 * flags; a rejected cache means a slower start, never a wrong one, and says so
 * on stderr (the build checks that `--version` and `schema` write nothing
 * there).
 *
 * `require` here, as in any single executable, loads Node's built-ins only.
 * node:sea is required at start, not while the snapshot is built, which Node
 * does not support for it.
 */
'use strict';
const { startupSnapshot } = require('node:v8');

globalThis.__relaySnapshotModules = require('../dist/relay-snapshot.cjs');
// Built-ins every start loads that Node's own snapshot lacks and that Node supports in a user
// snapshot: loaded here, a start does not compile them.
for (const builtin of ['node:crypto', 'node:dns', 'node:fs/promises', 'node:timers/promises'])
  require(builtin);

// What a start does with these modules, done once here: the functions it runs are then compiled in the
// snapshot (with zod's compiled fast paths), where the code cache of the main bundle cannot reach. The
// start parses its config, declares its command line and logs; the logger here writes nowhere.
const modules = globalThis.__relaySnapshotModules;
modules['src/config/load.ts'].parseConfig(require('../config.example.yaml'), { env: {}, baseDir: __dirname });
modules['src/log.ts']
  .createLogger('info', { write() {} })
  .child({ component: 'warm-up' })
  .info({ at: 1 }, 'warm');
const { Command, Option } = modules.commander;
new Command('warm-up')
  .option('-c, --config <file>')
  .addOption(new Option('--level <level>').choices(['info']).default('info'))
  .command('run')
  .action(() => {})
  .parent.parseAsync(['run', '--config', 'relay.yaml'], { from: 'user' });

startupSnapshot.setDeserializeMainFunction(() => {
  const { getAsset, getAssetKeys, getRawAsset } = require('node:sea');
  const { Script } = require('node:vm');
  const { dirname } = require('node:path');

  const assets = new Set(getAssetKeys());
  // The bundle comes wrapped as a CommonJS module's function (build-sea.ts). Raw assets are the
  // executable's own pages, read in place rather than copied; ASCII, so decoded as latin1 (one
  // byte a character, faster than UTF-8).
  const source = Buffer.from(getRawAsset('relay.cjs')).toString('latin1');
  const script = new Script(source, {
    filename: 'relay.cjs',
    cachedData: assets.has('relay.cache') ? new Uint8Array(getRawAsset('relay.cache')) : undefined,
  });
  if (script.cachedDataRejected) process.emitWarning('the code cache was rejected: relay starts without it');

  // Only in the build's training executable, which carries this asset instead of a cache.
  if (assets.has('code-cache-output')) {
    const output = getAsset('code-cache-output', 'utf8');
    process.once('exit', () => require('node:fs').writeFileSync(output, script.createCachedData()));
  }

  // What a single executable's main script gets: its __filename is the executable.
  const module = { exports: {} };
  script.runInThisContext()(module.exports, require, module, process.execPath, dirname(process.execPath));
});
