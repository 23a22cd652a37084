/** The dashboard's bundled script and stylesheet, and a hash of both. */
export interface UiAssets {
  js: string;
  css: string;
  version: string;
}

let assets: Promise<UiAssets> | undefined;

/**
 * The dashboard's assets. From source they are bundled on first use (esbuild
 * is a devDependency, there whenever the source runs); scripts/build.ts
 * replaces this module in the executable with one that returns the bundle it
 * made at build time, so the executable never needs esbuild or a file on disk.
 */
export function uiAssets(): Promise<UiAssets> {
  assets ??= import('./bundle.ts').then(({ bundleUi }) => bundleUi());
  // A failed build is tried again on the next request rather than remembered.
  assets.catch(() => {
    assets = undefined;
  });
  return assets;
}
