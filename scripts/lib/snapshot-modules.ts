/**
 * The modules the single executable evaluates while its V8 startup snapshot
 * is built (scripts/sea-entry.cjs), instead of at every start: commander,
 * pino, yaml, zod and relay's config loader with its schemas. Two bundles
 * share them:
 *
 * - dist/relay-snapshot.cjs evaluates them and exports each one by its key
 *   (a package name, or a source file's path from the repository root);
 * - dist/relay.cjs gets, for every import of one of them, a module of one
 *   line that takes it from the global the snapshot holds
 *   (`globalThis.__relaySnapshotModules`), so both see the same instance of
 *   every module and a class checked with `instanceof` is one class.
 *
 * Run by Node from dist/ (no snapshot), dist/relay.cjs requires the snapshot
 * bundle beside it for the same global.
 *
 * What a snapshot may hold: Node 26.10 aborts the build ("global handle not
 * serialized") when a module that loads node:http is evaluated, and a module
 * must not open files, sockets or timers at load, nor keep what it read of
 * the build machine (pid, hostname, environment, clock): it would be frozen
 * in. The entries below, and what they import, do none of that but for pino,
 * which reads at load the pid and hostname for its default `base` and the
 * wall clock for its `isoTimeNano`: relay's logger sets its own `base` and
 * logs with `isoTime` (src/log.ts).
 */
import { relative, resolve } from 'node:path';
import { type BuildOptions, build, type Metafile, type Plugin } from 'esbuild';
import { NARROWED, startupImports } from './startup-imports.ts';

/** What both bundles are built with: CommonJS for this Node, whitespace and syntax minified only (names stay readable in stack traces and logs). */
export const NODE_BUNDLE = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: `node${process.versions.node.split('.')[0]}`,
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'eof',
  logLevel: 'warning',
  metafile: true,
} as const satisfies BuildOptions;

/**
 * A package by its name, a file by its path: relay's sources, and undici's
 * files that load no node:http (undici itself does), among them the HTTP
 * parser's tables and the header-name tree that each start otherwise builds.
 * The files these require are shared with them (sharedModules).
 */
const entries = [
  'commander',
  'pino',
  'yaml',
  'zod',
  'src/errors.ts',
  'src/log.ts',
  'src/config/load.ts',
  'node_modules/undici/lib/llhttp/constants.js',
  'node_modules/undici/lib/core/tree.js',
  'node_modules/undici/lib/core/errors.js',
  'node_modules/undici/lib/core/symbols.js',
];

/** The name of the snapshot bundle beside dist/relay.cjs. */
export const SNAPSHOT_BUNDLE = 'relay-snapshot.cjs';

const namespace = 'snapshot-modules';

/**
 * Writes the snapshot bundle to `outfile` and returns the keys of the modules
 * it exports: the entries, every source file they import statically, and the
 * packages those files import.
 */
export async function bundleSnapshotModules(root: string, outfile: string): Promise<Set<string>> {
  const imports = entries.map(
    (key, i) => `export * as m${i} from ${JSON.stringify(isPath(key) ? `./${key}` : key)};`,
  );
  const shared = sharedModules(root, await bundle(root, imports.join('\n'), undefined));
  // Each key is required by the file an import of it resolves to: a bare `require('zod')` would take
  // zod's CommonJS build, where relay's imports take its ES module, and the bundle would hold both.
  const requires = [...shared].map(
    ([key, file]) => `  ${JSON.stringify(key)}: require(${JSON.stringify(`./${file}`)}),`,
  );
  const result = await bundle(root, `module.exports = {\n${requires.join('\n')}\n};\n`, outfile);
  const lazy = sourceFiles(root, result).filter((file) => !shared.has(file));
  if (lazy.length > 0) {
    // Such a file would have one instance in each bundle.
    throw new Error(`the snapshot bundle reaches ${lazy.join(', ')} only by a dynamic import()`);
  }
  return new Set(shared.keys());
}

/** For dist/relay.cjs: an import of a module the snapshot holds becomes a read of the snapshot's global. */
export function fromSnapshot(root: string, shared: Set<string>): Plugin {
  return {
    name: namespace,
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /.*/ }, async (args) => {
        if (args.namespace !== 'file' || args.pluginData === namespace) return undefined;
        if (shared.has(args.path)) return { path: args.path, namespace };
        if (!args.path.startsWith('.')) return undefined;
        const resolved = await pluginBuild.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          with: args.with,
          pluginData: namespace,
        });
        const key = relative(root, resolved.path);
        return shared.has(key) ? { path: key, namespace } : resolved;
      });
      pluginBuild.onResolve({ filter: new RegExp(`^\\./${SNAPSHOT_BUNDLE.replace('.', '\\.')}$`) }, () => ({
        external: true,
      }));
      pluginBuild.onLoad({ filter: /.*/, namespace }, (args) => ({
        resolveDir: root,
        loader: 'js',
        contents: `module.exports = (globalThis.__relaySnapshotModules ??= require('./${SNAPSHOT_BUNDLE}'))[${JSON.stringify(args.path)}];`,
      }));
    },
  };
}

async function bundle(root: string, contents: string, outfile: string | undefined): Promise<Metafile> {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: 'js' },
    absWorkingDir: root,
    outfile,
    write: outfile !== undefined,
    plugins: startupImports(root),
    ...NODE_BUNDLE,
  });
  return result.metafile;
}

/**
 * By key, the file each shared module is: the entries, the files they reach
 * by static imports (relay's sources, and a package's files from one taken by
 * its path), and the packages those files import.
 */
function sharedModules(root: string, metafile: Metafile): Map<string, string> {
  const shared = new Map<string, string>();
  const visit = (key: string, file: string) => {
    if (shared.has(key)) return;
    shared.set(key, file);
    // A package taken by its name is shared whole; a file inside one, taken by its path, with the
    // files it requires, so that each of them too has one instance.
    if (file.includes('node_modules') && !isPath(key)) return;
    for (const imported of metafile.inputs[file]!.imports) {
      if (imported.external || imported.kind === 'dynamic-import') continue;
      const specifier = imported.original ?? imported.path;
      visit(specifier.startsWith('.') ? keyOf(root, imported.path) : specifier, imported.path);
    }
  };
  for (const imported of metafile.inputs['<stdin>']!.imports) {
    const specifier = imported.original ?? imported.path;
    visit(specifier.startsWith('.') ? keyOf(root, imported.path) : specifier, imported.path);
  }
  return shared;
}

function isPath(key: string): boolean {
  return key.startsWith('src/') || key.startsWith('node_modules/');
}

function keyOf(root: string, input: string): string {
  return relative(root, resolve(root, input));
}

function sourceFiles(root: string, metafile: Metafile): string[] {
  return Object.keys(metafile.inputs)
    .filter((input) => input !== '<stdin>' && !input.includes('node_modules') && !input.startsWith(NARROWED))
    .map((input) => keyOf(root, input));
}
