import type { z } from 'zod';
import { applyEdits, type ManagedEdit } from '../config/live.ts';
import { type ManagedSpec, problemsOf } from '../config/managed.ts';
import { ConfigError, RelayError } from '../errors.ts';
import { type EndpointView, showEndpoint } from './endpoints.ts';
import { type RouteView, showRoute } from './route-list.ts';
import type { Call } from './router.ts';
import type { endpointDeleted, routeDeleted } from './schemas/managed.ts';

type Kind = 'endpoint' | 'route';
/** A body as written in the YAML file (schemas/managed.ts): the config schema checks the rest. */
type Spec = { name?: string | undefined } & Record<string, unknown>;

/** What each kind's answers show. */
interface Shown {
  endpoint: EndpointView;
  route: RouteView;
}

const noun: Record<Kind, string> = { endpoint: 'endpoint', route: 'route' };

/**
 * Endpoints and routes through the admin API: `POST` creates one (its name
 * in the body), `PUT` creates or replaces one by name, `PATCH` merges into
 * it (JSON merge patch: `null` removes a key), `DELETE` removes it. The body
 * is the object as it would be written in the YAML file, validated by the
 * same schema with the rest of the running config; file objects are
 * read-only here (409). Deleting an endpoint holds its unfinished
 * deliveries, as removing it from the file does.
 */
export async function createObject<K extends Kind>(
  call: Call<Spec & { name: string }>,
  kind: K,
): Promise<Shown[K]> {
  const { name, ...spec } = call.body;
  if (existing(call, kind, name)) {
    throw new RelayError(
      'RELAY_ERR_CONFLICT',
      `${noun[kind]} '${name}' already exists (PUT or PATCH changes it)`,
    );
  }
  refuseFileObject(call, kind, name);
  await change(call, { kind, name, spec });
  return show(call, kind, name);
}

export async function putObject<K extends Kind>(call: Call<Spec>, kind: K): Promise<Shown[K]> {
  const name = call.params[0]!;
  const { name: named, ...spec } = call.body;
  if (named !== undefined && named !== name) {
    throw new RelayError(
      'RELAY_ERR_BAD_REQUEST',
      `name in the body ('${String(named)}') is not the one in the URL`,
      {
        problems: [`name: must be '${name}' (the URL's) or left out`],
      },
    );
  }
  refuseFileObject(call, kind, name);
  await change(call, { kind, name, spec });
  return show(call, kind, name);
}

export async function patchObject<K extends Kind>(call: Call<Spec>, kind: K): Promise<Shown[K]> {
  const name = call.params[0]!;
  const patch = call.body;
  refuseFileObject(call, kind, name);
  const object = existing(call, kind, name);
  if (!object)
    throw new RelayError('RELAY_ERR_NOT_FOUND', `no ${noun[kind]} named '${name}' made through the API`);
  if (patch.name !== undefined && patch.name !== name) {
    throw new RelayError(
      'RELAY_ERR_BAD_REQUEST',
      'a name cannot be changed: create the new one, then delete this',
      {
        problems: ['name: cannot be changed'],
      },
    );
  }
  await change(call, { kind, name, spec: mergePatch(object.spec, patch) as Record<string, unknown> });
  return show(call, kind, name);
}

export async function deleteEndpoint(call: Call): Promise<z.infer<typeof endpointDeleted>> {
  const name = await deleteObject(call, 'endpoint');
  return { deleted: name, held_deliveries: call.ctx.backlog.of(name) };
}

export async function deleteRoute(call: Call): Promise<z.infer<typeof routeDeleted>> {
  return { deleted: await deleteObject(call, 'route') };
}

async function deleteObject(call: Call, kind: Kind): Promise<string> {
  const name = call.params[0]!;
  refuseFileObject(call, kind, name);
  if (!existing(call, kind, name)) {
    throw new RelayError('RELAY_ERR_NOT_FOUND', `no ${noun[kind]} named '${name}' made through the API`);
  }
  await change(call, { kind, name, spec: undefined });
  call.ctx.log.info({ [kind]: name, by: call.caller.name }, `${noun[kind]} deleted through the API`);
  return name;
}

function existing(call: Call, kind: Kind, name: string): ManagedSpec | undefined {
  return call.ctx.managed.objects().find((o) => o.kind === kind && o.name === name);
}

function refuseFileObject(call: Call, kind: Kind, name: string): void {
  const file = call.ctx.managed.file();
  const inFile =
    kind === 'endpoint'
      ? Object.hasOwn(file.endpoints, name)
      : file.routes.some((route) => route.name === name);
  if (inFile) {
    throw new RelayError(
      'RELAY_ERR_CONFLICT',
      `${noun[kind]} '${name}' comes from the config file: it is read-only through the API (edit the file)`,
    );
  }
}

/** Validates, stores with its audit entry and applies one edit; a config problem is a 400 listing every one. */
async function change(call: Call, edit: ManagedEdit & { kind: Kind }): Promise<void> {
  const { ctx } = call;
  try {
    await ctx.managed.change([edit], {
      at: ctx.clock.now(),
      actor: call.caller.name,
      action: call.action!,
      target: edit.name,
      reason: call.reason,
      outcome: 'ok',
      // The keys given, never their values: a spec may hold secrets.
      detail: edit.spec === undefined ? undefined : { keys: Object.keys(edit.spec).sort() },
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const after = applyEdits(ctx.managed.objects(), [edit]);
    const problems = problemsOf(error, ctx.managed.file(), after, edit);
    throw new RelayError(
      'RELAY_ERR_BAD_REQUEST',
      `the ${noun[edit.kind]} is not valid: ${problems.join('; ')}`,
      {
        problems,
      },
    );
  }
  ctx.log.info(
    { [edit.kind]: edit.name, by: call.caller.name, action: call.action },
    'changed through the API',
  );
}

async function show<K extends Kind>(call: Call, kind: K, name: string): Promise<Shown[K]> {
  const shown = kind === 'endpoint' ? await showEndpoint(call.ctx, name) : showRoute(call.ctx, name);
  return shown as Shown[K];
}

/** RFC 7386: objects merge key by key, `null` removes a key, anything else replaces. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const base =
    target !== null && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete base[key];
    else base[key] = mergePatch(base[key], value);
  }
  return base;
}
