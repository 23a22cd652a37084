import { applyEdits, type ManagedEdit } from '../config/live.ts';
import { type ManagedSpec, problemsOf } from '../config/managed.ts';
import { ConfigError, RelayError } from '../errors.ts';
import { requiredString } from './body.ts';
import { showEndpoint } from './endpoints.ts';
import { showRoute } from './route-list.ts';
import type { Call } from './router.ts';

type Kind = 'endpoint' | 'route';

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
export async function createObject(call: Call, kind: Kind, body: Record<string, unknown>) {
  const name = requiredString(body, 'name');
  const { name: _, ...spec } = body;
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

export async function putObject(call: Call, kind: Kind, body: Record<string, unknown>) {
  const name = call.params[0]!;
  const { name: named, ...spec } = body;
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

export async function patchObject(call: Call, kind: Kind, patch: Record<string, unknown>) {
  const name = call.params[0]!;
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

export async function deleteObject(call: Call, kind: Kind) {
  const name = call.params[0]!;
  refuseFileObject(call, kind, name);
  if (!existing(call, kind, name)) {
    throw new RelayError('RELAY_ERR_NOT_FOUND', `no ${noun[kind]} named '${name}' made through the API`);
  }
  await change(call, { kind, name, spec: undefined });
  const held = kind === 'endpoint' ? call.ctx.backlog.of(name) : 0;
  call.ctx.log.info({ [kind]: name, by: call.caller.name }, `${noun[kind]} deleted through the API`);
  return { deleted: name, ...(kind === 'endpoint' ? { held_deliveries: held } : {}) };
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

function show(call: Call, kind: Kind, name: string) {
  return kind === 'endpoint' ? showEndpoint(call.ctx, name) : showRoute(call.ctx, name);
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
