import { type Command, InvalidArgumentError } from 'commander';

/** Where and how every ops command calls: `--admin`, `--token`, `--json`. */
export function withTarget(command: Command): Command {
  return command
    .option(
      '--admin <url>',
      "the admin API (default: the config's listen.admin with --config, else http://127.0.0.1:9090)",
    )
    .option('--token <token>', 'the admin bearer token (default: $RELAY_ADMIN_TOKEN)')
    .option('--json', 'print the JSON answer, for scripts');
}

/** A change: `--reason`, which the audit log records (and admin.require_reason demands). */
export function withReason(command: Command): Command {
  return withTarget(command).option('--reason <text>', 'why, for the audit log (sent as X-Relay-Reason)');
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number above 0');
  return n;
}

/** `a,b,c` → ['a', 'b', 'c'] (blanks left out). */
export function commaList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** For an option given more than once: each value joins the list. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
