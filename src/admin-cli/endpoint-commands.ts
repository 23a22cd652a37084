import type { backfillEndpoint } from '../admin/backfill.ts';
import type { replayEndpoint } from '../admin/deliveries.ts';
import type { EndpointView } from '../admin/endpoints.ts';
import type { TestResult } from '../admin/test-send.ts';
import type { StateAction } from '../dispatch/lane.ts';
import type { Ops } from './context.ts';
import { ago, duration, outcome, plural, snippet, table } from './format.ts';

type ReplayAnswer = Awaited<ReturnType<typeof replayEndpoint>>;
type BackfillAnswer = Awaited<ReturnType<typeof backfillEndpoint>>;

const path = (name: string, action?: string) =>
  `/admin/endpoints/${encodeURIComponent(name)}${action ? `/${action}` : ''}`;

/** `relay endpoints` */
export async function endpoints(ops: Ops): Promise<void> {
  const answer = await ops.client.get<{ endpoints: EndpointView[] }>('/admin/endpoints');
  if (ops.json) return ops.print(answer);
  if (answer.endpoints.length === 0) return ops.print('no endpoints are configured');
  ops.print(
    table(
      ['ENDPOINT', 'STATE', 'CIRCUIT', 'PENDING', 'IN FLIGHT', 'DEAD', 'OLDEST', 'LAST ATTEMPT', 'URL'],
      answer.endpoints.map((e) => [
        e.name,
        e.paused_until ? `${e.state} (waiting)` : e.state,
        e.circuit,
        String(e.pending),
        String(e.in_flight),
        String(e.dead),
        duration(e.oldest_pending_seconds),
        e.last_attempt
          ? `${outcome(e.last_attempt.status, e.last_attempt.error)} ${ago(e.last_attempt.at)}`
          : '-',
        e.url,
      ]),
    ),
  );
}

/** `relay pause|resume|enable ENDPOINT` */
export async function changeState(ops: Ops, name: string, action: StateAction): Promise<void> {
  const answer = await ops.client.post<EndpointView>(path(name, action));
  if (ops.json) return ops.print(answer);
  ops.print(
    `${answer.name} is ${answer.state} (${plural(answer.pending, 'delivery', 'deliveries')} pending)`,
  );
}

/** `relay test ENDPOINT [--type T]`: fails (exit 1) when the endpoint's answer is not a success. */
export async function test(ops: Ops, name: string, type: string | undefined): Promise<void> {
  const answer = await ops.client.post<TestResult>(path(name, 'test'), type ? { type } : {});
  const verdict =
    answer.status === null
      ? `${answer.endpoint}: no answer (${answer.error}) after ${answer.duration_ms} ms`
      : `${answer.endpoint} answered ${answer.status} in ${answer.duration_ms} ms`;
  if (ops.json) ops.print(answer);
  else {
    ops.print(`sent a ${answer.type} test event (webhook-id ${answer.event_id})`);
    ops.print(verdict);
    if (answer.response) ops.print(`response: ${snippet(answer.response, 200)}`);
  }
  if (!answer.ok) throw new Error(`test failed: ${verdict}`);
}

/** `relay replay ENDPOINT --dead|--delivered [--since 2h] [--dry-run] [--limit N]` */
export async function replay(
  ops: Ops,
  name: string,
  options: { state: 'dead' | 'delivered'; since?: string; dryRun: boolean; limit?: number },
): Promise<void> {
  const answer = await ops.client.post<ReplayAnswer>(path(name, 'replay'), {
    state: options.state,
    ...(options.since ? { since: options.since } : {}),
    ...(options.dryRun ? { dry_run: true } : {}),
    ...(options.limit ? { limit: options.limit } : {}),
  });
  if (ops.json) return ops.print(answer);
  const matched = `${answer.endpoint}: ${plural(answer.matched, `${answer.state} delivery`, `${answer.state} deliveries`)}`;
  const window = answer.since ? ` of events received since ${answer.since}` : '';
  if (answer.dry_run) {
    ops.print(`${matched}${window} (dry run: nothing requeued; at most ${answer.limit} would be)`);
    return;
  }
  ops.print(`${matched}${window}, ${answer.requeued} requeued`);
  if (answer.requeued < answer.matched) {
    ops.print(
      `the cap of ${answer.limit} left ${answer.matched - answer.requeued}: run it again, or pass --limit`,
    );
  }
}

/** `relay backfill ENDPOINT --since 24h` */
export async function backfill(ops: Ops, name: string, since: string): Promise<void> {
  const answer = await ops.client.post<BackfillAnswer>(path(name, 'backfill'), { since });
  if (ops.json) return ops.print(answer);
  ops.print(
    `${answer.endpoint}: ${plural(answer.examined, 'event')} since ${answer.since} examined, ` +
      `${answer.matched} routed to it, ${plural(answer.created, 'delivery', 'deliveries')} created`,
  );
}
