/**
 * An esbuild plugin for the single executable's bundle: the dispatcher's
 * imports of `undici` get its Pool and its connector alone.
 *
 * The dispatcher uses nothing else of undici, but undici's index also loads
 * fetch, WebSocket, EventSource, the HTTP cache, the interceptors and the
 * mocks, and the daemon evaluated all of them before it was ready. A name the
 * dispatcher imports beyond these two fails the build ("No matching export").
 * The admin CLI's `request` still comes from the index, loaded only when an
 * ops command runs.
 */
import type { Plugin } from 'esbuild';

const NAMESPACE = 'undici-pool-only';

export function undiciPoolOnly(root: string): Plugin {
  return {
    name: NAMESPACE,
    setup(build) {
      build.onResolve({ filter: /^undici$/ }, (args) =>
        /[\\/]src[\\/]dispatch[\\/]/.test(args.importer)
          ? { path: 'undici', namespace: NAMESPACE }
          : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, () => ({
        resolveDir: root,
        loader: 'js',
        // What undici's index does for its dispatchers: `request()` and the other
        // API methods are mixed into Dispatcher.prototype there, not in the class.
        contents: `
          import Dispatcher from 'undici/lib/dispatcher/dispatcher.js';
          import api from 'undici/lib/api/index.js';
          Object.assign(Dispatcher.prototype, api);
          export { default as Pool } from 'undici/lib/dispatcher/pool.js';
          export { default as buildConnector } from 'undici/lib/core/connect.js';
        `,
      }));
    },
  };
}
