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
 * the build machine (pid, hostname, environment): it would be frozen in. The
 * entries below, and what they import, do none of that.
 */
import { relative, resolve } from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';

const entries = ['commander', 'pino', 'yaml', 'zod', 'src/errors.ts', 'src/log.ts', 'src/config/load.ts'];

/** The name of the snapshot bundle beside dist/relay.cjs. */
export const SNAPSHOT_BUNDLE = 'relay-snapshot.cjs';

const namespace = 'snapshot-modules';

/**
 * Writes the snapshot bundle to `outfile` and returns the keys of the modules
 * it exports: the entries, every source file they import statically, and the
 * packages those files import.
 */
export async function bundleSnapshotModules(root: string, outfile: string): Promise<Set<string>> {
  const firstPass = await bundle(root, entries, undefined);
  const shared = sharedKeys(root, firstPass);
  const result = await bundle(root, [...shared], outfile);
  const lazy = sourceFiles(root, result).filter((file) => !shared.has(file));
  if (lazy.length > 0) {
    // Such a file would have one instance in each bundle.
    throw new Error(`the snapshot bundle reaches ${lazy.join(', ')} only by a dynamic import()`);
  }
  return shared;
}

/** For dist/relay.cjs: an import of a module the snapshot holds becomes a read of the snapshot's global. */
export function fromSnapshot(root: string, shared: Set<string>): Plugin {
  return {
    name: namespace,
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /.*/ }, async (args) => {
        if (args.namespace !== 'file' || args.pluginData === namespace) return undefined;
        if (shared.has(args.path)) return { path: args.path, namespace };
        if (!args.path.startsWith('.') || args.importer.includes('node_modules')) return undefined;
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

async function bundle(root: string, keys: string[], outfile: string | undefined): Promise<Metafile> {
  const requires = keys.map((key) => {
    const specifier = key.startsWith('src/') ? `./${key}` : key;
    return `  ${JSON.stringify(key)}: require(${JSON.stringify(specifier)}),`;
  });
  const result = await build({
    stdin: { contents: `module.exports = {\n${requires.join('\n')}\n};\n`, resolveDir: root, loader: 'js' },
    absWorkingDir: root,
    outfile,
    write: outfile !== undefined,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'eof',
    logLevel: 'warning',
    metafile: true,
  });
  return result.metafile;
}

/** The entries, the source files they reach by static imports, and the packages those files import. */
function sharedKeys(root: string, metafile: Metafile): Set<string> {
  const shared = new Set<string>();
  const visit = (input: string) => {
    const key = relative(root, resolve(root, input));
    if (shared.has(key)) return;
    shared.add(key);
    for (const imported of metafile.inputs[input]!.imports) {
      if (imported.external || imported.kind === 'dynamic-import') continue;
      const specifier = imported.original ?? imported.path;
      if (!specifier.startsWith('.')) shared.add(specifier);
      else visit(imported.path);
    }
  };
  for (const imported of metafile.inputs['<stdin>']!.imports) {
    if (imported.path.includes('node_modules')) shared.add(imported.original ?? imported.path);
    else visit(imported.path);
  }
  return shared;
}

function sourceFiles(root: string, metafile: Metafile): string[] {
  return Object.keys(metafile.inputs)
    .filter((input) => input !== '<stdin>' && !input.includes('node_modules'))
    .map((input) => relative(root, resolve(root, input)));
}
