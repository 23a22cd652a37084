import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { api } from '../admin/api.ts';
import { byBackend } from '../helpers/backend.ts';
import { ManualClock } from '../helpers/clock.ts';
import { post, startTestRelay, testConfig } from '../helpers/relay.ts';
import { startTarget } from '../helpers/target.ts';

const DAY = 24 * 3_600_000;

async function setup() {
  const target = await startTarget();
  const config = testConfig(`
sources: { mobiniti: { type: { from: path } } }
endpoints:
  crm: { url: "${target.url}/crm" }
  pager: { url: "${target.url}/pager" }
  log: { url: "${target.url}/log" }
routes:
  - { name: bounces, from: [mobiniti], types: [bounce], to: [crm], threshold: { key: phone_number, count: 3, within: 30d } }
  - { name: page-once, from: [mobiniti], types: [bounce], to: [pager], threshold: { key: phone_number, count: 3, within: 30d, once: true } }
  - { name: everything, from: [mobiniti], types: "*", to: [log] }
`);
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  const relay = await startTestRelay(config, clock);
  const bounce = async (phone: string, n: number) => {
    const res = await post(
      `${relay.ingestUrl}/in/mobiniti/bounce`,
      JSON.stringify({ phone_number: phone, n }),
    );
    expect(res.status).toBe(200);
    return res.json() as { id: string; deliveries: number; held_by?: string[] };
  };
  return { target, relay, clock, bounce };
}

describe('per-contact thresholds', () => {
  it('delivers the event that reaches the count and every later one; once only that one; per key', async () => {
    const { target, relay, bounce } = await setup();
    const first = await bounce('+1555', 1);
    expect(first).toMatchObject({ deliveries: 1, held_by: ['bounces', 'page-once'] });
    expect((await bounce('+1555', 2)).deliveries).toBe(1);
    // Another contact's bounces count on their own.
    expect((await bounce('+1999', 1)).held_by).toEqual(['bounces', 'page-once']);
    const third = await bounce('+1555', 3);
    expect(third).toEqual({ id: third.id, deliveries: 3 });
    const fourth = await bounce('+1555', 4);
    expect(fourth).toMatchObject({ deliveries: 2, held_by: ['page-once'] });
    const arrived = await target.waitFor(8);
    const paths = (id: string) =>
      arrived
        .filter((r) => r.headers['webhook-id'] === id)
        .map((r) => r.path)
        .sort();
    expect(paths(third.id)).toEqual(['/crm', '/log', '/pager']);
    expect(paths(fourth.id)).toEqual(['/crm', '/log']);
    expect(paths(first.id)).toEqual(['/log']);

    const detail = await api(relay.adminUrl, `/admin/events/${first.id}`);
    expect(detail.json.held).toEqual([
      { route: 'bounces', reason: 'threshold: 1 of 3 within the window' },
      { route: 'page-once', reason: 'threshold: 1 of 3 within the window' },
    ]);
    const list = await api(relay.adminUrl, '/admin/events?limit=10');
    const listed = list.json.events.find((e: { id: string }) => e.id === fourth.id);
    expect(listed.held_by).toEqual(['page-once']);
    const metrics = await (await fetch(`${relay.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/relay_threshold_held_total\{route="bounces"\} 3/);
    expect(metrics).toMatch(/relay_threshold_held_total\{route="page-once"\} 4/);
  });

  it('counts only within the window, and prunes counts past it', async () => {
    const { clock, relay, bounce } = await setup();
    await bounce('+1555', 1);
    await bounce('+1555', 2);
    clock.advance(31 * DAY);
    // The two earlier bounces are outside the window now: this one is the first again.
    expect((await bounce('+1555', 3)).held_by).toEqual(['bounces', 'page-once']);
    clock.advance(DAY);
    await bounce('+1555', 4);
    expect((await bounce('+1555', 5)).deliveries).toBe(3);
    clock.advance(60 * DAY);
    // Every hit of both routes is past the window now. PostgreSQL keeps a key's hits in one row and
    // drops the expired ones when the key is next counted (the 3rd bounce dropped 2 per route).
    expect((await relay.pruneNow()).counts).toBeGreaterThanOrEqual(
      byBackend({ sqlite: 2 * 5, postgres: 2 * 3 }),
    );
  });

  it('refuses a threshold without a key or with a count below 1', () => {
    expect(() =>
      parseConfig(
        `
sources: { a: {} }
endpoints: { e: { url: "https://e.example.com/" } }
routes: [{ from: [a], to: [e], threshold: { count: 0, within: 1d } }]
`,
        { env: {}, baseDir: '/tmp' },
      ),
    ).toThrow(
      /routes\[0\]\.threshold\.key: required[\s\S]*routes\[0\]\.threshold\.count: must be a positive integer/,
    );
  });
});
