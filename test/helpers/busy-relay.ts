import type { Relay } from '../../src/main.ts';
import { post, startTestRelay, testConfig } from './relay.ts';
import { startTarget } from './target.ts';

/** The series that show the traffic below has been counted. */
const SETTLED = [
  'relay_deliveries_completed_total{endpoint="ok",result="delivered"} 1',
  'relay_deliveries_completed_total{endpoint="failing",result="dead"} 1',
  'relay_endpoint_state{endpoint="gone",state="disabled"} 1',
  'relay_events_rejected_total{source="signed",reason="unauthorized"} 1',
];

/**
 * A relay that has delivered an event, let one die, seen an endpoint answer
 * 410 Gone and refused a request, so every labelled series has samples; with
 * its /metrics text once they all show.
 */
export async function busyRelay(): Promise<{ relay: Relay; metrics: string }> {
  const target = await startTarget((request) => ({
    status: request.path === '/ok' ? 200 : request.path === '/gone' ? 410 : 500,
  }));
  const relay = await startTestRelay(
    testConfig(`
sources:
  app: { type: { field: type } }
  signed: { verify: { scheme: bearer, secret: s3cret } }
endpoints:
  ok: { url: "${target.url}/ok" }
  failing: { url: "${target.url}/failing", retry: { schedule: [], jitter: 0 } }
  gone: { url: "${target.url}/gone" }
routes: [{ from: [app], types: "*", to: [ok, failing, gone] }]
`),
  );
  expect200(await post(`${relay.ingestUrl}/in/app`, '{"type":"message.received"}'));
  await post(`${relay.ingestUrl}/in/signed`, '{}');
  // Completions are recorded just after the target answers: scrape until they show.
  let metrics = '';
  for (let i = 0; i < 200; i++) {
    metrics = await (await fetch(`${relay.adminUrl}/metrics`)).text();
    if (SETTLED.every((line) => metrics.includes(line))) return { relay, metrics };
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`relay never showed ${SETTLED.filter((line) => !metrics.includes(line)).join(', ')}`);
}

function expect200(answer: { status: number; body: string }): void {
  if (answer.status !== 200) throw new Error(`ingest answered ${answer.status}: ${answer.body}`);
}
