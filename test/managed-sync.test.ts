import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.ts';
import { createLogger } from '../src/log.ts';
import { type Relay, startRelay } from '../src/main.ts';
import { api, listDeliveries } from './admin/api.ts';
import { freshPostgresDatabase } from './helpers/postgres.ts';
import { post } from './helpers/relay.ts';
import { startTarget, type Target } from './helpers/target.ts';
import { tempDir } from './helpers/temp.ts';

const APPLIED = 'managed objects changed through another relay: applied';
const REFUSED =
  "managed objects changed through another relay do not fit this relay's config file; the running config stays";

type Line = Record<string, unknown>;
/** An endpoint or backlog as the admin API lists it. */
type Listed = Record<string, unknown> & { name: string; endpoint: string };

/** A relay in this process, with its log lines; `logged` resolves on the first line (seen or to come) that matches. */
interface Member {
  relay: Relay;
  lines: Line[];
  logged(matches: (line: Line) => boolean): Promise<Line>;
}

const members: Member[] = [];
afterEach(async () => {
  await Promise.all(members.splice(0).map((member) => member.relay.close()));
});

/** One relay of a cluster on `url`: the file names the source `app` and the endpoint `base` (`extra` adds to the file). */
async function member(
  url: string,
  instance: string,
  target: Target,
  options: { lease?: string; extra?: string } = {},
) {
  const text = `listen: { ingest: "127.0.0.1:0", admin: "127.0.0.1:0" }
storage: { backend: postgres, url: "\${RELAY_DATABASE_URL}", pool: 4 }
cluster: { instance: ${instance}, lease: ${options.lease ?? '60s'} }
sources:
  app: { type: { field: type } }
endpoints:
  base: { url: "${target.url}/base" }
${options.extra ?? ''}
routes: [{ name: to-base, from: [app], types: "*", to: [base] }]
`;
  const config = parseConfig(text, { env: { RELAY_DATABASE_URL: url }, baseDir: tempDir() });
  const lines: Line[] = [];
  const waiters: { matches: (line: Line) => boolean; resolve: (line: Line) => void }[] = [];
  const log = createLogger('info', {
    write(text: string) {
      const line = JSON.parse(text) as Line;
      lines.push(line);
      for (const waiter of [...waiters]) {
        if (!waiter.matches(line)) continue;
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    },
  });
  const relay = await startRelay(config, { log });
  const joined: Member = {
    relay,
    lines,
    logged: (matches) =>
      new Promise((resolve) => {
        const seen = lines.find(matches);
        if (seen) resolve(seen);
        else waiters.push({ matches, resolve });
      }),
  };
  members.push(joined);
  return joined;
}

const applied = (endpoints: number, routes: number, reason?: string) => (line: Line) =>
  line.msg === APPLIED &&
  line.endpoints === endpoints &&
  line.routes === routes &&
  (reason === undefined || line.reason === reason);

async function ingest(relay: Relay, type: string): Promise<{ id: string; deliveries: number }> {
  const answer = await post(`${relay.ingestUrl}/in/app`, JSON.stringify({ type }));
  expect(answer.status).toBe(200);
  return answer.json() as { id: string; deliveries: number };
}

const listed = async (relay: Relay, name: string) =>
  ((await api(relay.adminUrl, '/admin/endpoints')).json.endpoints as Listed[]).find((e) => e.name === name);

/** Statements on `url` from a connection of the test's own. */
async function sql(url: string, text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows;
  } finally {
    await client.end();
  }
}

describe('managed objects on several relays sharing one PostgreSQL', () => {
  it('a change through any relay reaches the others: create on a, patch on b, delete on a', async () => {
    const { url } = await freshPostgresDatabase();
    const target = await startTarget();
    const a = await member(url, 'a', target);
    const b = await member(url, 'b', target);
    const created = await api(a.relay.adminUrl, '/admin/endpoints', {
      body: { name: 'hook', url: `${target.url}/hook`, retry: { schedule: ['1h'], jitter: 0 } },
    });
    expect(created.status).toBe(201);
    const route = { name: 'to-hook', from: ['app'], types: ['ping'], to: ['hook'] };
    const routeSent = Date.now();
    expect((await api(a.relay.adminUrl, '/admin/routes', { body: route })).status).toBe(201);
    const heard = await b.logged(applied(1, 1));
    console.info(
      `managed change: b applied a's new route ${Date.parse(heard.time as string) - routeSent} ms after a was asked`,
    );
    expect(await listed(b.relay, 'hook')).toMatchObject({ name: 'hook', origin: 'api' });
    // b learnt of hook after a took its share: b, under its share, takes it and joins the spread.
    await b.logged((l) => l.msg === 'endpoint ownership changed' && (l.gained as string[]).includes('hook'));
    const owners = await Promise.all([a, b].map(async (m) => (await listed(m.relay, 'hook'))?.owner));
    expect(owners).toEqual(['b', 'b']);
    expect((await ingest(b.relay, 'ping')).deliveries).toBe(2);
    await target.waitFor(1, 10_000, (r) => r.path === '/hook');

    const patched = await api(b.relay.adminUrl, '/admin/endpoints/hook', {
      method: 'PATCH',
      body: { url: `${target.url}/moved` },
    });
    expect(patched.status).toBe(200);
    await a.logged((l) => l.msg === APPLIED && l.reason === 'changed');
    expect(await listed(a.relay, 'hook')).toMatchObject({ url: `${target.url}/moved`, origin: 'api' });
    const viaA = await ingest(a.relay, 'ping');
    await target.waitFor(1, 10_000, (r) => r.headers['webhook-id'] === viaA.id && r.path === '/moved');

    // hook fails from now on: its next event waits an hour to be retried, then hook is deleted.
    target.script = (r) => ({ status: r.path === '/moved' ? 500 : 200 });
    const failing = await ingest(b.relay, 'ping');
    await target.waitFor(1, 10_000, (r) => r.headers['webhook-id'] === failing.id && r.path === '/moved');
    expect((await api(a.relay.adminUrl, '/admin/routes/to-hook', { method: 'DELETE' })).status).toBe(200);
    expect((await api(a.relay.adminUrl, '/admin/endpoints/hook', { method: 'DELETE' })).status).toBe(200);
    await b.logged(applied(0, 0));
    expect(await listed(b.relay, 'hook')).toBeUndefined();
    expect((await ingest(b.relay, 'ping')).deliveries).toBe(1);
    const backlogs = (await api(b.relay.adminUrl, '/admin/backlogs')).json.backlogs as Listed[];
    expect(backlogs.map((backlog) => backlog.endpoint)).toEqual(['hook']);
    const held = await listDeliveries(b.relay.adminUrl, 'endpoint=hook&state=pending');
    expect(held.filter((d) => d.endpoint === 'hook').map((d) => d.event_id)).toEqual([failing.id]);
    // a change read back by the relay that made it applies nothing: a applied only b's patch.
    expect(a.lines.filter((l) => l.msg === APPLIED)).toHaveLength(1);
  }, 30_000);

  it('a webhook added through /admin/webhooks on one relay delivers events ingested on another', async () => {
    const { url } = await freshPostgresDatabase();
    const target = await startTarget();
    const a = await member(url, 'a', target);
    const b = await member(url, 'b', target);
    const added = await api(a.relay.adminUrl, '/admin/webhooks', {
      body: { webhooks: [{ url: `${target.url}/wh`, secret: 'wh-secret' }], type: 'receive' },
    });
    expect(added.status).toBe(200);
    await b.logged(applied(1, 1));
    const event = await ingest(b.relay, 'receive');
    expect(event.deliveries).toBe(2);
    const [sent] = await target.waitFor(1, 10_000, (r) => r.path === '/wh');
    expect(sent!.headers).toMatchObject({ 'webhook-id': event.id, 'sb-signing-secret': 'wh-secret' });
  }, 30_000);

  it('catches up by reading the objects again after its signal connection was cut', async () => {
    const { url } = await freshPostgresDatabase();
    const target = await startTarget();
    const a = await member(url, 'a', target);
    const b = await member(url, 'b', target);
    // Once b has this, it listens.
    await api(a.relay.adminUrl, '/admin/endpoints', { body: { name: 'early', url: `${target.url}/early` } });
    await b.logged(applied(1, 0));
    const listenOf = `SELECT pid FROM pg_stat_activity WHERE application_name = 'relay b listen'`;
    const [listener] = await sql(url, listenOf);
    expect(listener).toBeDefined();
    await sql(url, 'SELECT pg_terminate_backend($1)', [listener!.pid]);
    // Bounded: the backend is gone within milliseconds of the signal; b connects again a second later.
    for (let n = 0; (await sql(url, `${listenOf} AND pid = $1`, [listener!.pid])).length > 0; n++) {
      if (n > 100) throw new Error('the listening backend did not end');
    }
    const created = await api(a.relay.adminUrl, '/admin/endpoints', {
      body: { name: 'late', url: `${target.url}/late` },
    });
    expect(created.status).toBe(201);
    // Sent while b was not listening: b finds the change only by reading again once it listens again.
    await b.logged(applied(2, 0, 'resync'));
    const [again] = await sql(url, listenOf);
    expect(again!.pid).not.toBe(listener!.pid);
    await api(a.relay.adminUrl, '/admin/routes', {
      body: { name: 'to-late', from: ['app'], types: '*', to: ['late'] },
    });
    await b.logged(applied(2, 1, 'changed'));
    expect((await ingest(b.relay, 'any')).deliveries).toBe(2);
    await target.waitFor(1, 10_000, (r) => r.path === '/late');
  }, 30_000);

  it('finds a change no relay was told of by comparing the stored version', async () => {
    const { url } = await freshPostgresDatabase();
    const target = await startTarget();
    // A lease of 3 s: the version is compared every second.
    const a = await member(url, 'a', target, { lease: '3s' });
    const b = await member(url, 'b', target, { lease: '3s' });
    // Once b has this, it has read the objects since it started listening: only the backstop is left.
    const first = await api(a.relay.adminUrl, '/admin/endpoints', {
      body: { name: 'first', url: `${target.url}/first` },
    });
    expect(first.status).toBe(201);
    await b.logged(applied(1, 0));
    const route = { from: ['app'], types: ['direct'], to: ['direct'] };
    await sql(
      url,
      `INSERT INTO managed (kind, name, spec, created_at, updated_at) VALUES
         ('endpoint', 'direct', $1, $3, $3), ('route', 'to-direct', $2, $3, $3)`,
      [{ url: `${target.url}/direct` }, route, Date.now()],
    );
    await b.logged(applied(2, 1, 'poll'));
    expect((await ingest(b.relay, 'direct')).deliveries).toBe(2);
    await target.waitFor(1, 10_000, (r) => r.path === '/direct');
  }, 30_000);

  it('keeps its running config when the stored objects clash with its file, and follows again once they fit', async () => {
    const { url } = await freshPostgresDatabase();
    const target = await startTarget();
    const a = await member(url, 'a', target);
    const b = await member(url, 'b', target, { extra: `  shared: { url: "${target.url}/b-shared" }` });
    const clash = await api(a.relay.adminUrl, '/admin/endpoints', {
      body: { name: 'shared', url: `${target.url}/a-shared` },
    });
    expect(clash.status).toBe(201);
    const refused = await b.logged((l) => l.msg === REFUSED);
    expect(refused.problems).toEqual([
      expect.stringMatching(
        /^endpoints\.shared: 'shared' is defined in the config file and through the admin API/,
      ),
    ]);
    expect(await listed(b.relay, 'shared')).toMatchObject({ origin: 'file' });
    expect((await api(b.relay.adminUrl, '/admin/endpoints/shared')).json.url).toBe(`${target.url}/b-shared`);
    expect((await api(a.relay.adminUrl, '/admin/endpoints/shared', { method: 'DELETE' })).status).toBe(200);
    expect(
      (
        await api(a.relay.adminUrl, '/admin/endpoints', {
          body: { name: 'other', url: `${target.url}/other` },
        })
      ).status,
    ).toBe(201);
    await b.logged(applied(1, 0));
    expect(await listed(b.relay, 'other')).toMatchObject({ origin: 'api' });
    expect((await api(b.relay.adminUrl, '/healthz')).status).toBe(200);
  }, 30_000);
});
