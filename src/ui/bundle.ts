import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import type { UiAssets } from './assets.ts';

const appDir = resolve(import.meta.dirname, 'app');

/**
 * Bundles the dashboard (src/ui/app, Preact) into one minified script and one
 * stylesheet, in memory. scripts/build.ts embeds the result in the
 * executable; from source, src/ui/assets.ts calls this on the first request.
 */
export async function bundleUi(): Promise<UiAssets> {
  const result = await build({
    entryPoints: [resolve(appDir, 'main.tsx'), resolve(appDir, 'app.css')],
    outdir: '/ui',
    write: false,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const output = (ext: string) => {
    const file = result.outputFiles.find((f) => f.path.endsWith(ext));
    if (!file) throw new Error(`the dashboard bundle has no ${ext} output`);
    return file.text;
  };
  const js = output('.js');
  const css = output('.css');
  // The hash makes each build's asset URLs new, so a browser never runs an old script against a new API.
  const version = createHash('sha256').update(js).update(css).digest('base64url').slice(0, 12);
  return { js, css, version };
}
