/**
 * esbuild plugins for the single executable's bundle that keep what the
 * daemon evaluates before it is ready to what it uses. Each one answers the
 * imports of one package (or of one file inside a package) from the files
 * that use it with a small module of its own:
 *
 * - undici, from src/dispatch/: its Pool and its connector alone, without
 *   the API methods (request, stream, pipeline, connect, upgrade) the index
 *   mixes into every dispatcher. Its index also evaluates fetch, WebSocket,
 *   EventSource, the HTTP cache, the interceptors and the mocks. The admin
 *   CLI's `request` still comes from the index, loaded only when an ops
 *   command runs.
 * - prom-client, from src/metrics*: the metric classes, the registry and the
 *   default metrics. Its index also evaluates the Pushgateway (node:https,
 *   node:zlib), the Summary (tdigest) and the cluster aggregator (node:cluster).
 * - nodemailer, from the e-mail transport: evaluated at the first
 *   `createTransport`, when a relay with an e-mail endpoint opens its SMTP
 *   pool, instead of at every start.
 * - undici's HTTP/2 client, from its client: evaluated at the first
 *   connection that negotiates h2, instead of loading node:http2 at every
 *   start.
 * - pino's caller lookup, from pino.js: at every `pino()` it takes the
 *   stack's call sites (`util.getCallSites`, which computes the line ends of
 *   each script on the stack, the whole 1.9 MB bundle among them) only to
 *   resolve a relative transport target, and relay's logger has no transport
 *   (src/log.ts). About 7 % of a start's instructions (callgrind).
 *
 * A name a file imports beyond these fails the build ("No matching export").
 */
import type { Plugin } from 'esbuild';

interface Narrowing {
  /** The import, as the importing files write it. */
  specifier: string;
  /** The importing files that get `contents` instead of the package's index. */
  importers: RegExp;
  contents: string;
}

const narrowings: Narrowing[] = [
  {
    specifier: 'undici',
    importers: /[\\/]src[\\/]dispatch[\\/]/,
    // Without undici's API methods (request(), stream() and the rest, which its index mixes into
    // Dispatcher.prototype): an attempt calls the pool's dispatch() alone (send.ts).
    contents: `
      export { default as Pool } from 'undici/lib/dispatcher/pool.js';
      export { default as buildConnector } from 'undici/lib/core/connect.js';
    `,
  },
  {
    specifier: 'prom-client',
    importers: /[\\/]src[\\/]metrics(\.ts$|[\\/])/,
    contents: `
      export { default as Counter } from 'prom-client/lib/counter.js';
      export { default as Gauge } from 'prom-client/lib/gauge.js';
      export { default as Histogram } from 'prom-client/lib/histogram.js';
      export { default as Registry } from 'prom-client/lib/registry.js';
      export { default as collectDefaultMetrics } from 'prom-client/lib/defaultMetrics.js';
    `,
  },
  {
    specifier: 'nodemailer',
    importers: /[\\/]src[\\/]dispatch[\\/]mail[\\/]transport\.ts$/,
    contents: `
      let nodemailer;
      export default {
        createTransport(...args) {
          nodemailer ??= require('nodemailer');
          return nodemailer.createTransport(...args);
        },
      };
    `,
  },
  {
    specifier: './client-h2.js',
    importers: /[\\/]undici[\\/]lib[\\/]dispatcher[\\/]client\.js$/,
    // client.js calls it only when a connection's ALPN protocol is h2.
    contents: `
      let connectH2;
      module.exports = function lazyConnectH2(client, socket) {
        connectH2 ??= require('undici/lib/dispatcher/client-h2.js');
        return connectH2(client, socket);
      };
    `,
  },
  {
    specifier: './lib/caller',
    importers: /[\\/]pino[\\/]pino\.js$/,
    contents: 'module.exports = function getCallers() { return []; };',
  },
];

/** The namespace prefix of the small modules: the bundles' metafiles name them `startup-imports:…`. */
export const NARROWED = 'startup-imports:';

/** For both bundles: the snapshot's (pino is evaluated there) and the main one. */
export function startupImports(root: string): Plugin[] {
  return narrowings.map(({ specifier, importers, contents }) => ({
    name: `${NARROWED}${specifier}`,
    setup(build) {
      const namespace = `${NARROWED}${specifier}`;
      build.onResolve(
        { filter: new RegExp(`^${specifier.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) },
        (args) => (importers.test(args.importer) ? { path: specifier, namespace } : undefined),
      );
      build.onLoad({ filter: /.*/, namespace }, () => ({ resolveDir: root, loader: 'js', contents }));
    },
  }));
}
