import { describe, expect, it } from 'vitest';
import { startTestRelay, testConfig } from '../helpers/relay.ts';

describe('admin listener', () => {
  it('serves liveness, readiness and Prometheus metrics with process metrics', async () => {
    const relay = await startTestRelay(testConfig('sources: { app: {} }'));
    const health = await fetch(`${relay.adminUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect((await fetch(`${relay.adminUrl}/readyz`)).status).toBe(200);
    const metrics = await fetch(`${relay.adminUrl}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const text = await metrics.text();
    expect(text).toContain('# TYPE relay_events_received_total counter');
    expect(text).toContain('process_resident_memory_bytes');
    const missing = await fetch(`${relay.adminUrl}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'RELAY_ERR_NOT_FOUND' } });
  });
});
