import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type { ManagedEdit } from '../config/live.ts';
import { ConfigError, RelayError } from '../errors.ts';
import type { AdminContext } from './context.ts';
import type { Call } from './router.ts';
import type { appendBody, deleteBody, replaceBody, WebhooksAnswer } from './schemas/webhooks.ts';

/** One webhook: an event type and a URL, with its own secret or none (the global one applies). */
export interface Webhook {
  type: string;
  url: string;
  secret?: string;
}

/** What the `webhooks` setting stores: the source of every webhook endpoint and route. */
interface WebhookSet {
  globalSecret?: string;
  hooks: Webhook[];
}

const SETTING = 'webhooks';
const DEFAULT_TYPE = 'receive';
const MASK = '***';
/** Webhook endpoints and routes are named by this prefix and a digest of their type and URL. */
export const WEBHOOK_PREFIX = 'webhook-';

const invalid = (message: string) => new RelayError('RELAY_ERR_BAD_REQUEST', message);

/**
 * SendBlue's webhooks API, in its JSON shapes: `GET` lists, `POST` appends
 * to one type, `PUT` replaces them all, `DELETE` removes some. Each (type,
 * URL) is an API endpoint plus a route from every source for that type; its
 * secret (its own, else `globalSecret`) is sent in `admin.webhooks.secret_header`;
 * it answers 410 Gone to be removed. A call is applied whole or not at all.
 */
export function listWebhooks(ctx: AdminContext) {
  return shape(current(ctx));
}

export async function appendWebhooks(call: Call<z.infer<typeof appendBody>>) {
  const { webhooks, type = DEFAULT_TYPE, globalSecret } = call.body;
  const set = current(call.ctx);
  const hooks = [...set.hooks];
  for (const hook of webhooks.map((entry) => hookOf(type, entry))) {
    const at = hooks.findIndex((h) => h.type === hook.type && h.url === hook.url);
    if (at === -1) hooks.push(hook);
    else hooks[at] = hook;
  }
  return save(call, { ...set, ...(globalSecret === undefined ? {} : { globalSecret }), hooks });
}

export async function replaceWebhooks(call: Call<z.infer<typeof replaceBody>>) {
  const { globalSecret, ...types } = call.body.webhooks;
  const hooks = Object.entries(types).flatMap(([type, list]) =>
    (list ?? []).map((entry) => hookOf(type, entry)),
  );
  const set = current(call.ctx);
  return save(call, { ...set, ...(globalSecret === undefined ? {} : { globalSecret }), hooks });
}

export async function deleteWebhooks(call: Call<z.infer<typeof deleteBody>>) {
  const { webhooks, type = DEFAULT_TYPE } = call.body;
  const gone = new Set(webhooks.map((entry) => (typeof entry === 'string' ? entry : entry.url)));
  const set = current(call.ctx);
  return save(call, { ...set, hooks: set.hooks.filter((h) => !(h.type === type && gone.has(h.url))) });
}

/** The edits that remove one webhook endpoint (after it answered 410 Gone), or undefined if it is not one. */
export function withoutWebhookEndpoint(ctx: AdminContext, endpoint: string): ManagedEdit[] | undefined {
  const set = current(ctx);
  const hooks = set.hooks.filter((h) => objectName(h) !== endpoint);
  return hooks.length === set.hooks.length ? undefined : editsFor(ctx, set, { ...set, hooks });
}

function current(ctx: AdminContext): WebhookSet {
  const stored = ctx.managed.objects().find((o) => o.kind === 'setting' && o.name === SETTING);
  return (stored?.spec as WebhookSet | undefined) ?? { hooks: [] };
}

async function save(call: Call, next: WebhookSet) {
  const { ctx } = call;
  const edits = editsFor(ctx, current(ctx), next);
  try {
    await ctx.managed.change(edits, {
      at: ctx.clock.now(),
      actor: call.caller.name,
      action: call.action!,
      target: undefined,
      reason: call.reason,
      outcome: 'ok',
      detail: { webhooks: next.hooks.length },
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // The endpoint schema's words, without the generated names: `Invalid webhook: url: must use https …`.
    const problem = error.problems[0]?.replace(/^(endpoints|routes)(\.[^.:]+|\[\d+\])\.?/, '') ?? 'invalid';
    throw invalid(`Invalid webhook: ${problem.trim()}`);
  }
  return shape(next);
}

/** Every derived endpoint and route of `before` goes, those of `after` come (a changed secret replaces its endpoint). */
function editsFor(ctx: AdminContext, before: WebhookSet, after: WebhookSet): ManagedEdit[] {
  const header = ctx.view().config.admin.webhooks.secret_header;
  const kept = new Set(after.hooks.map(objectName));
  const edits: ManagedEdit[] = [];
  for (const hook of before.hooks) {
    const name = objectName(hook);
    if (kept.has(name)) continue;
    edits.push({ kind: 'route', name, spec: undefined }, { kind: 'endpoint', name, spec: undefined });
  }
  for (const hook of after.hooks) {
    const name = objectName(hook);
    const secret = hook.secret ?? after.globalSecret;
    edits.push(
      {
        kind: 'endpoint',
        name,
        spec: {
          url: hook.url,
          on_gone: 'remove',
          ...(secret === undefined ? {} : { signing: { scheme: 'header', header, secret } }),
        },
      },
      { kind: 'route', name, spec: { from: '*', types: [hook.type], to: [name] } },
    );
  }
  edits.push({ kind: 'setting', name: SETTING, spec: after as unknown as Record<string, unknown> });
  return edits;
}

function objectName(hook: Webhook): string {
  return `${WEBHOOK_PREFIX}${createHash('sha256').update(`${hook.type}\n${hook.url}`).digest('hex').slice(0, 16)}`;
}

/** `{"status":"OK","webhooks":{"receive":["https://a", {"url":"https://b","secret":"***"}], "globalSecret":"***"}}` */
function shape(set: WebhookSet): WebhooksAnswer {
  const webhooks: WebhooksAnswer['webhooks'] = {};
  for (const hook of set.hooks) {
    const list = webhooks[hook.type] ?? [];
    list.push(hook.secret === undefined ? hook.url : { url: hook.url, secret: MASK });
    webhooks[hook.type] = list;
  }
  if (set.globalSecret !== undefined) webhooks.globalSecret = MASK;
  return { status: 'OK', webhooks };
}

function hookOf(type: string, entry: string | { url: string; secret?: string | undefined }): Webhook {
  if (typeof entry === 'string') return { type, url: entry };
  return entry.secret === undefined
    ? { type, url: entry.url }
    : { type, url: entry.url, secret: entry.secret };
}
