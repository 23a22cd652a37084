import { describe, expect, it } from 'vitest';
import { isPrivateAddress } from '../../src/dispatch/address-policy.ts';
import { api } from '../admin/api.ts';
import { post, startTestRelay, testConfig } from '../helpers/relay.ts';
import { watchSettled } from '../helpers/settled.ts';
import { startTarget } from '../helpers/target.ts';

describe('isPrivateAddress', () => {
  it('knows loopback, private, link-local and mapped addresses from public ones', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00::5',
      '::ffff:127.0.0.1',
      '100.64.0.1',
    ]) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8', '172.32.0.1']) {
      expect(isPrivateAddress(address), address).toBe(false);
    }
  });
});

describe('delivery.deny_private', () => {
  it('refuses loopback targets, by literal address and by a name that resolves to one, before connecting', async () => {
    const target = await startTarget();
    const port = new URL(target.url).port;
    const config = testConfig(`
delivery: { deny_private: true }
sources: { app: { type: { field: type } } }
endpoints:
  literal: { url: "http://127.0.0.1:${port}/literal", retry: { schedule: [], jitter: 0 } }
  named: { url: "http://localhost:${port}/named", retry: { schedule: [], jitter: 0 } }
routes: [{ from: [app], types: "*", to: [literal, named] }]
`);
    const relay = await startTestRelay(config);
    const outcomes = watchSettled();
    const id = ((await post(`${relay.ingestUrl}/in/app`, '{"type":"t"}')).json() as { id: string }).id;
    await outcomes.until(2, { eventId: id, settlement: { kind: 'dead' }, applied: true });
    const { deliveries } = (await api(relay.adminUrl, `/admin/events/${id}`)).json;
    expect(
      deliveries.map(({ endpoint, state, last_error }: Record<string, string>) => ({
        endpoint,
        state,
        last_error,
      })),
    ).toEqual([
      { endpoint: 'literal', state: 'dead', last_error: 'RELAY_ERR_PRIVATE_ADDRESS' },
      { endpoint: 'named', state: 'dead', last_error: 'RELAY_ERR_PRIVATE_ADDRESS' },
    ]);
    expect(target.requests).toHaveLength(0);
  });

  it('still reaches the networks listed in allow_networks', async () => {
    const target = await startTarget();
    const port = new URL(target.url).port;
    const config = testConfig(`
delivery: { deny_private: true, allow_networks: [127.0.0.0/8, "::1/128"] }
sources: { app: { type: { field: type } } }
endpoints:
  literal: { url: "http://127.0.0.1:${port}/literal" }
  named: { url: "http://localhost:${port}/named" }
  other: { url: "http://10.255.255.1:${port}/other", retry: { schedule: [], jitter: 0 }, timeout: 1s }
routes: [{ from: [app], types: "*", to: [literal, named, other] }]
`);
    const relay = await startTestRelay(config);
    const outcomes = watchSettled();
    const id = ((await post(`${relay.ingestUrl}/in/app`, '{"type":"t"}')).json() as { id: string }).id;
    await target.waitFor(2);
    expect(target.requests.map((r) => r.path).sort()).toEqual(['/literal', '/named']);
    await outcomes.next({ eventId: id, endpoint: 'other', settlement: { kind: 'dead' }, applied: true });
    const { deliveries } = (await api(relay.adminUrl, `/admin/events/${id}`)).json;
    expect(deliveries.find((d: { endpoint: string }) => d.endpoint === 'other')).toMatchObject({
      state: 'dead',
      last_error: 'RELAY_ERR_PRIVATE_ADDRESS',
    });
  });
});
