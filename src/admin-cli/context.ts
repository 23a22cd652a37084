import { AdminClient } from './client.ts';
import { resolveTarget, type TargetOptions } from './target.ts';

/** What an ops command needs: the admin API, and how to print. */
export interface Ops {
  client: AdminClient;
  /** `--json`: print the API's answer as it is, for scripts. */
  json: boolean;
  /** Prints text as a line, or any other value as indented JSON. */
  print(value: unknown): void;
}

export interface OpsOptions extends TargetOptions {
  json?: boolean;
  /** `--reason`: sent as X-Relay-Reason, recorded in the audit log. */
  reason?: string;
}

export function createOps(
  options: OpsOptions,
  write: (text: string) => void = (t) => process.stdout.write(t),
): Ops {
  const target = resolveTarget(options);
  return {
    client: new AdminClient(target.url, target.token, options.reason),
    json: options.json === true,
    print(value) {
      write(typeof value === 'string' ? `${value}\n` : `${JSON.stringify(value, null, 2)}\n`);
    },
  };
}
