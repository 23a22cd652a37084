import type * as backlogApi from '../admin/backlogs.ts';
import type { listCluster } from '../admin/cluster.ts';
import type { retryDelivery } from '../admin/deliveries.ts';
import type { listEvents, showEvent } from '../admin/events.ts';
import type { Ops } from './context.ts';
import { duration, outcome, plural, snippet, table } from './format.ts';

type EventList = ReturnType<typeof listEvents>;
type EventDetail = ReturnType<typeof showEvent>;
type RetryAnswer = Awaited<ReturnType<typeof retryDelivery>>;
type BacklogList = ReturnType<typeof backlogApi.listBacklogs>;
type MoveAnswer = Awaited<ReturnType<typeof backlogApi.moveBacklog>>;
type DropAnswer = Awaited<ReturnType<typeof backlogApi.dropBacklog>>;

export interface EventQuery {
  source?: string;
  type?: string;
  state?: string;
  endpoint?: string;
  since?: string;
  limit?: string;
  cursor?: string;
}

/** `relay events [--source --type --state --endpoint --since --limit --cursor]` */
export async function events(ops: Ops, query: EventQuery): Promise<void> {
  const answer = await ops.client.get<EventList>('/admin/events', { ...query });
  if (ops.json) return ops.print(answer);
  if (answer.events.length === 0) return ops.print('no events match');
  ops.print(
    table(
      ['EVENT', 'RECEIVED', 'SOURCE', 'TYPE', 'DELIVERIES'],
      answer.events.map((e) => [
        e.id,
        e.received_at ?? '-',
        e.source,
        e.type,
        e.deliveries.map((d) => `${d.endpoint}:${d.state}`).join(' ') || '(none)',
      ]),
    ),
  );
  if (answer.next_cursor) ops.print(`more: add --cursor ${answer.next_cursor}`);
}

/** `relay event ID`: the event, its body, each delivery and every attempt. */
export async function event(ops: Ops, id: string): Promise<void> {
  const answer = await ops.client.get<EventDetail>(`/admin/events/${encodeURIComponent(id)}`);
  if (ops.json) return ops.print(answer);
  const lines = [
    `event ${answer.id}`,
    `  source    ${answer.source}`,
    `  type      ${answer.type}`,
    `  received  ${answer.received_at}`,
    `  content   ${answer.content_type ?? '(none)'}, ${plural(answer.size, 'byte')}`,
    answer.body_encoding === 'utf8' ? `  body      ${answer.body}` : `  body      (base64) ${answer.body}`,
  ];
  if (answer.deliveries.length === 0) lines.push('', 'no deliveries (no route matched)');
  for (const d of answer.deliveries) {
    const next = d.next_attempt_at ? `, next attempt ${d.next_attempt_at}` : '';
    const finished = d.finished_at ? `, finished ${d.finished_at}` : '';
    lines.push('', `delivery ${d.id} → ${d.endpoint}: ${d.state}${next}${finished}`);
    const rows = d.attempts.map((a) => [
      `#${a.n}`,
      a.started_at ?? '-',
      outcome(a.status, a.error),
      `${a.duration_ms} ms`,
      snippet(a.response, 60),
    ]);
    lines.push(
      rows.length === 0
        ? '  no attempts yet'
        : indent(table(['ATTEMPT', 'AT', 'RESULT', 'TOOK', 'RESPONSE'], rows)),
    );
  }
  ops.print(lines.join('\n'));
}

/** `relay retry DELIVERY_ID` */
export async function retry(ops: Ops, id: string): Promise<void> {
  const answer = await ops.client.post<RetryAnswer>(`/admin/deliveries/${encodeURIComponent(id)}/retry`);
  if (ops.json) return ops.print(answer);
  const d = answer.delivery;
  const what = answer.action === 'requeued' ? 'requeued' : 'made due now';
  const held =
    answer.endpoint_state === 'active' ? '' : ` (endpoint ${d.endpoint} is ${answer.endpoint_state})`;
  ops.print(`delivery ${d.id} of ${d.event_id} to ${d.endpoint}: ${what}${held}`);
}

/** `relay backlogs`: deliveries held for endpoints the config no longer names. */
export async function backlogs(ops: Ops): Promise<void> {
  const answer = await ops.client.get<BacklogList>('/admin/backlogs');
  if (ops.json) return ops.print(answer);
  if (answer.backlogs.length === 0) return ops.print('no held backlogs');
  ops.print(
    table(
      ['ENDPOINT', 'PENDING', 'IN FLIGHT', 'OLDEST'],
      answer.backlogs.map((b) => [
        b.endpoint,
        String(b.pending),
        String(b.in_flight),
        duration(b.oldest_pending_seconds),
      ]),
    ),
  );
  ops.print(
    'move one with `relay backlogs move NAME --to ENDPOINT`, or drop it with `relay backlogs drop NAME`',
  );
}

/** `relay backlogs move NAME --to ENDPOINT` */
export async function moveBacklog(ops: Ops, name: string, to: string): Promise<void> {
  const answer = await ops.client.post<MoveAnswer>(`/admin/backlogs/${encodeURIComponent(name)}/move`, {
    to,
  });
  if (ops.json) return ops.print(answer);
  ops.print(
    `${answer.endpoint} → ${answer.to}: ${plural(answer.moved, 'delivery', 'deliveries')} moved, ` +
      `${answer.dropped} dropped (the event already had a delivery to ${answer.to})`,
  );
}

/** `relay backlogs drop NAME` */
export async function dropBacklog(ops: Ops, name: string): Promise<void> {
  const answer = await ops.client.post<DropAnswer>(`/admin/backlogs/${encodeURIComponent(name)}/drop`);
  if (ops.json) return ops.print(answer);
  ops.print(`${answer.endpoint}: ${plural(answer.dropped, 'delivery', 'deliveries')} marked dropped`);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

type ClusterList = ReturnType<typeof listCluster>;

/** `relay cluster`: the relays sharing the database, with what each owns. */
export async function cluster(ops: Ops): Promise<void> {
  const answer = await ops.client.get<ClusterList>('/admin/cluster');
  if (ops.json) return ops.print(answer);
  if (answer.members.length === 0)
    return ops.print('no cluster: this relay stores on SQLite and owns every endpoint');
  ops.print(
    table(
      ['INSTANCE', 'LAST SEEN', 'ENDPOINTS OWNED'],
      answer.members.map((m) => [m.instance, m.last_seen, String(m.endpoints_owned)]),
    ),
  );
}
