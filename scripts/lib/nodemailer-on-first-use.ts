/**
 * An esbuild plugin for the single executable's bundle: nodemailer, imported
 * by the e-mail endpoints' transport (src/dispatch/mail/transport.ts), is
 * evaluated at its first `createTransport`, when a relay with an e-mail
 * endpoint starts one, instead of at every start before relay is ready.
 *
 * The transport imports the default export and calls `createTransport` on it;
 * a name it imports beyond that fails the build ("No matching export").
 */
import type { Plugin } from 'esbuild';

const NAMESPACE = 'nodemailer-on-first-use';

export function nodemailerOnFirstUse(root: string): Plugin {
  return {
    name: NAMESPACE,
    setup(build) {
      build.onResolve({ filter: /^nodemailer$/ }, (args) =>
        /[\\/]src[\\/]dispatch[\\/]mail[\\/]transport\.ts$/.test(args.importer)
          ? { path: 'nodemailer', namespace: NAMESPACE }
          : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, () => ({
        resolveDir: root,
        loader: 'js',
        contents: `
          let nodemailer;
          export default {
            createTransport(...args) {
              nodemailer ??= require('nodemailer');
              return nodemailer.createTransport(...args);
            },
          };
        `,
      }));
    },
  };
}
