import { describe, expect, it } from 'vitest';
import { byBackend } from '../helpers/backend.ts';
import { post, startTestRelay, testConfig } from '../helpers/relay.ts';

const sources = `
sources:
  app: { type: { field: type } }
endpoints:
  a: { url: "http://127.0.0.1:9/a" }
routes:
  - { from: [app], types: "*", to: [a] }
`;

describe('ingest when relay cannot store', () => {
  it('answers 503 with Retry-After once max_pending deliveries wait, without storing', async () => {
    const config = testConfig(`limits: { max_pending: 2 }\n${sources}`);
    const relay = await startTestRelay(config);
    expect((await post(`${relay.ingestUrl}/in/app`, '{"type":"x"}')).status).toBe(200);
    expect((await post(`${relay.ingestUrl}/in/app`, '{"type":"x"}')).status).toBe(200);
    const full = await post(`${relay.ingestUrl}/in/app`, '{"type":"x"}');
    expect(full.status).toBe(503);
    expect(full.headers.get('retry-after')).toBe('30');
    expect(full.json()).toMatchObject({ error: { code: 'RELAY_ERR_BACKLOG_FULL' } });
  });

  it('answers 503 below min_free_disk (SQLite: PostgreSQL keeps its data on the server, and ignores it)', async () => {
    const config = testConfig(`limits: { min_free_disk: 1000000GiB }\n${sources}`);
    const relay = await startTestRelay(config);
    const res = await post(`${relay.ingestUrl}/in/app`, '{"type":"x"}');
    byBackend({
      sqlite: () => {
        expect(res.status).toBe(503);
        expect(res.json()).toMatchObject({ error: { code: 'RELAY_ERR_STORAGE_FULL' } });
      },
      postgres: () => expect(res.status).toBe(200),
    })();
  });

  it('fails readiness but keeps answering ingest during the drain delay after close starts', async () => {
    const config = testConfig(`delivery: { drain_delay: 300ms }\n${sources}`);
    const relay = await startTestRelay(config);
    const closed = relay.close();
    expect((await fetch(`${relay.adminUrl}/readyz`)).status).toBe(503);
    expect((await post(`${relay.ingestUrl}/in/app`, '{"type":"x"}')).status).toBe(200);
    await closed;
  });
});
