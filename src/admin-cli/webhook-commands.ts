import type { listAudit } from '../admin/audit.ts';
import type { Ops } from './context.ts';
import { table } from './format.ts';

type AuditList = Awaited<ReturnType<typeof listAudit>>;

/** SendBlue's list shape: per type, a URL, or `{url, secret: "***"}` for one with its own secret. */
interface WebhookList {
  status: string;
  webhooks: Record<string, (string | { url: string; secret: string })[] | string>;
}

/** `relay webhooks` */
export async function webhooks(ops: Ops): Promise<void> {
  const answer = await ops.client.get<WebhookList>('/admin/webhooks');
  if (ops.json) return ops.print(answer);
  const { globalSecret, ...byType } = answer.webhooks;
  const rows = Object.entries(byType).flatMap(([type, hooks]) =>
    (hooks as (string | { url: string })[]).map((hook) =>
      typeof hook === 'string' ? [type, globalSecret ? 'global' : 'none', hook] : [type, 'own', hook.url],
    ),
  );
  if (rows.length === 0) return ops.print('no webhooks');
  ops.print(table(['TYPE', 'SECRET', 'URL'], rows));
}

/** `relay webhooks add URL [--type T] [--secret S]`; the secret is sent, never printed. */
export async function addWebhook(
  ops: Ops,
  url: string,
  flags: { type: string; secret?: string },
): Promise<void> {
  const hook = flags.secret === undefined ? url : { url, secret: flags.secret };
  const answer = await ops.client.send<WebhookList>('POST', '/admin/webhooks', {
    webhooks: [hook],
    type: flags.type,
  });
  if (ops.json) return ops.print(answer);
  ops.print(
    `${url}: receives ${flags.type} events${flags.secret === undefined ? '' : ' (with its own secret)'}`,
  );
}

/** `relay webhooks rm URL [--type T]` */
export async function removeWebhook(ops: Ops, url: string, type: string): Promise<void> {
  const before = await ops.client.get<WebhookList>('/admin/webhooks');
  const listed = (before.webhooks[type] as (string | { url: string })[] | undefined) ?? [];
  if (!listed.some((hook) => (typeof hook === 'string' ? hook : hook.url) === url)) {
    throw new Error(`no ${type} webhook with the URL ${url}`);
  }
  const answer = await ops.client.send<WebhookList>('DELETE', '/admin/webhooks', { webhooks: [url], type });
  if (ops.json) return ops.print(answer);
  ops.print(`${url}: removed from ${type}`);
}

/** `relay audit [--since 1h] [--limit N] [--cursor C]` */
export async function audit(
  ops: Ops,
  query: { since?: string; limit?: string; cursor?: string },
): Promise<void> {
  const answer = await ops.client.get<AuditList>('/admin/audit', query);
  if (ops.json) return ops.print(answer);
  if (answer.entries.length === 0) return ops.print('no changes recorded');
  ops.print(
    table(
      ['AT', 'ACTOR', 'ACTION', 'TARGET', 'OUTCOME', 'REASON'],
      answer.entries.map((e) => [
        e.at ?? '-',
        e.actor,
        e.action,
        e.target ?? '-',
        e.outcome,
        e.reason ?? '-',
      ]),
    ),
  );
  if (answer.next_cursor) ops.print(`more: add --cursor ${answer.next_cursor}`);
}
