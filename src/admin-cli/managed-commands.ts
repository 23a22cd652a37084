import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import type { EndpointView } from '../admin/endpoints.ts';
import type { RouteView } from '../admin/route-list.ts';
import type { Ops } from './context.ts';
import { plural, table } from './format.ts';

/** The flags of `relay endpoints add|set`: each one key of the endpoint as written in YAML. */
export interface EndpointFlags {
  url?: string;
  secret?: string;
  secretFile?: string;
  scheme?: string;
  header?: string[];
  timeout?: string;
  concurrency?: number;
  jsonBody?: string;
  file?: string;
}

const DEFAULT_SCHEME = 'standard-webhooks';

const objectPath = (kind: 'endpoint' | 'route', name: string) =>
  `/admin/${kind}s/${encodeURIComponent(name)}`;

/** `relay endpoints add NAME --url U [--secret S | --secret-file F] …` (POST) */
export async function addEndpoint(ops: Ops, name: string, flags: EndpointFlags): Promise<void> {
  const spec = endpointSpec(flags, DEFAULT_SCHEME);
  const answer = await ops.client.send<EndpointView>('POST', '/admin/endpoints', { ...spec, name });
  if (ops.json) return ops.print(answer);
  ops.print(`${answer.name}: created, ${describe(answer)}`);
}

/** `relay endpoints set NAME [--url U …]` (PATCH: the keys not given stay) */
export async function setEndpoint(ops: Ops, name: string, flags: EndpointFlags): Promise<void> {
  const patch = endpointSpec(flags, undefined);
  if (Object.keys(patch).length === 0)
    throw new InvalidArgumentError('nothing to change: pass --url, --secret, …');
  const answer = await ops.client.send<EndpointView>('PATCH', objectPath('endpoint', name), patch);
  if (ops.json) return ops.print(answer);
  ops.print(`${answer.name}: updated, ${describe(answer)}`);
}

/** `relay endpoints rm NAME`, `relay routes rm NAME` */
export async function removeObject(ops: Ops, kind: 'endpoint' | 'route', name: string): Promise<void> {
  const answer = await ops.client.send<{ deleted: string; held_deliveries?: number }>(
    'DELETE',
    objectPath(kind, name),
  );
  if (ops.json) return ops.print(answer);
  const held = answer.held_deliveries
    ? ` (${plural(answer.held_deliveries, 'unfinished delivery', 'unfinished deliveries')} held: relay backlogs)`
    : '';
  ops.print(`${answer.deleted}: deleted${held}`);
}

/** `relay routes` */
export async function routes(ops: Ops): Promise<void> {
  const answer = await ops.client.get<{ routes: RouteView[] }>('/admin/routes');
  if (ops.json) return ops.print(answer);
  if (answer.routes.length === 0) return ops.print('no routes');
  const list = (value: string[] | '*') => (value === '*' ? '*' : value.join(','));
  ops.print(
    table(
      ['ROUTE', 'ORIGIN', 'FROM', 'TYPES', 'FILTER', 'TO'],
      answer.routes.map((r) => [
        r.name,
        r.origin,
        list(r.from),
        list(r.types),
        r.filter ? 'yes' : '-',
        r.to.join(','),
      ]),
    ),
  );
}

/** `relay routes add NAME --from a,b --types x,y --to e1,e2` */
export async function addRoute(
  ops: Ops,
  name: string,
  flags: { from?: string[]; types?: string[]; to: string[] },
): Promise<void> {
  const answer = await ops.client.send<RouteView>('POST', '/admin/routes', {
    name,
    ...(flags.from ? { from: flags.from } : {}),
    ...(flags.types ? { types: flags.types } : {}),
    to: flags.to,
  });
  if (ops.json) return ops.print(answer);
  const list = (value: string[] | '*') => (value === '*' ? 'every' : value.join(','));
  ops.print(
    `${answer.name}: created, ${list(answer.from)} source(s), ${list(answer.types)} type(s) → ${answer.to.join(',')}`,
  );
}

/**
 * The endpoint object from the flags, over the whole object given with
 * `--json-body` or `-f`. `scheme`: the signing scheme a secret goes with when
 * `--scheme` is not given (none for a PATCH, which keeps the stored one).
 */
function endpointSpec(flags: EndpointFlags, scheme: string | undefined): Record<string, unknown> {
  const spec: Record<string, unknown> = flags.file
    ? jsonObject(readText(flags.file, '--file'), flags.file)
    : flags.jsonBody
      ? jsonObject(flags.jsonBody, '--json-body')
      : {};
  if (flags.url !== undefined) spec.url = flags.url;
  if (flags.timeout !== undefined) spec.timeout = flags.timeout;
  if (flags.concurrency !== undefined) spec.concurrency = flags.concurrency;
  if (flags.header) spec.headers = { ...(spec.headers as object | undefined), ...headersOf(flags.header) };
  const secret = flags.secretFile ? readText(flags.secretFile, '--secret-file').trim() : flags.secret;
  if (secret !== undefined || flags.scheme !== undefined) {
    const chosen = flags.scheme ?? scheme;
    spec.signing = {
      ...(spec.signing as object | undefined),
      ...(chosen === undefined ? {} : { scheme: chosen }),
      ...(secret === undefined ? {} : { secret }),
    };
  }
  return spec;
}

function headersOf(pairs: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    // The value may be a secret: the message names the header only.
    if (at <= 0) throw new InvalidArgumentError(`--header takes NAME=VALUE, not "${pair.split('=')[0]}"`);
    headers[pair.slice(0, at).trim()] = pair.slice(at + 1);
  }
  return headers;
}

function readText(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new InvalidArgumentError(
      `${flag}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
}

function jsonObject(text: string, where: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidArgumentError(`${where} is not valid JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidArgumentError(`${where} must hold a JSON object`);
  }
  return value as Record<string, unknown>;
}

function describe(e: EndpointView): string {
  return `${e.url} (${e.origin}, signing ${e.signing ?? 'none'}, ${e.state})`;
}
