import type { ManagedEdit } from '../config/live.ts';
import type { AdminContext } from './context.ts';
import { withoutWebhookEndpoint } from './webhooks.ts';

/**
 * An endpoint with `on_gone: remove` answered 410 Gone, as SendBlue's
 * webhooks do to be removed: an API endpoint is deleted (with the routes
 * that send only to it; a webhook leaves the webhooks list), its pending
 * deliveries are dropped, and its state is reset so a later object of the
 * same name starts active. A file endpoint cannot be deleted from the file:
 * it stays disabled, its pending deliveries dropped. Returns how many were dropped.
 */
export async function removeGoneEndpoint(ctx: AdminContext, name: string): Promise<number> {
  const edits = withoutWebhookEndpoint(ctx, name) ?? withoutApiEndpoint(ctx, name);
  const now = ctx.clock.now();
  if (edits.length > 0) {
    await ctx.managed.change(edits, {
      at: now,
      actor: 'relay',
      action: 'endpoint.remove',
      target: name,
      reason: 'answered 410 Gone (on_gone: remove)',
      outcome: 'ok',
      detail: undefined,
    });
    await ctx.store.setEndpointState(name, 'active', now, 'removed after 410 Gone');
  }
  const dropped = await ctx.backlog.writing([name], () => ctx.store.operator.dropBacklog(name, now));
  ctx.backlog.remove(name, dropped);
  ctx.log.warn({ endpoint: name, dropped }, 'endpoint answered 410 Gone: removed (on_gone: remove)');
  return dropped;
}

function withoutApiEndpoint(ctx: AdminContext, name: string): ManagedEdit[] {
  if (ctx.managed.origin('endpoint', name) !== 'api') return [];
  const edits: ManagedEdit[] = [{ kind: 'endpoint', name, spec: undefined }];
  for (const object of ctx.managed.objects()) {
    if (object.kind !== 'route') continue;
    const to = (object.spec.to as string[] | undefined) ?? [];
    if (!to.includes(name)) continue;
    const rest = to.filter((n) => n !== name);
    edits.push({
      kind: 'route',
      name: object.name,
      spec: rest.length === 0 ? undefined : { ...object.spec, to: rest },
    });
  }
  return edits;
}
