import { EventEmitter, once } from 'node:events';
import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.ts';
import { createLogger, type Logger } from '../src/log.ts';
import { ConfigReloader, loadWatched } from '../src/reload.ts';
import { listDeliveries } from './admin/api.ts';
import { withLoopbackDefaults } from './helpers/loopback-config.ts';
import { post, startTestRelay } from './helpers/relay.ts';
import { watchSettled } from './helpers/settled.ts';
import { startTarget, type Target } from './helpers/target.ts';
import { tempDir } from './helpers/temp.ts';

const SECRET_A = `whsec_${Buffer.from('first-secret-key-0123456789abcd').toString('base64')}`;
const SECRET_B = `whsec_${Buffer.from('second-secret-key-0123456789abc').toString('base64')}`;
const reloaders: ConfigReloader[] = [];
afterEach(() => {
  for (const reloader of reloaders.splice(0)) reloader.stop();
});

function yaml(target: Target, endpoints: Record<string, string>, to: string[]): string {
  return withLoopbackDefaults(
    `sources: { app: { type: { field: type } } }
endpoints:
${Object.entries(endpoints)
  .map(([name, extra]) => `  ${name}: { url: "${target.url}/${name}"${extra ? `, ${extra}` : ''} }`)
  .join('\n')}
routes: [{ from: [app], types: "*", to: [${to.join(', ')}] }]
`,
    './relay.db',
  );
}

/** Writes the config where relay reads it; returns the path relay is given. */
type Place = (dir: string, text: string) => string;

const plainFile: Place = (dir, text) => {
  const file = join(dir, 'relay.yaml');
  writeFileSync(file, text);
  return file;
};

/** A container config map's layout: relay.yaml -> ..data/relay.yaml, ..data -> a versioned directory. */
const configMap: Place = (dir, text) => {
  mkdirSync(join(dir, '..v0'));
  writeFileSync(join(dir, '..v0', 'relay.yaml'), text);
  symlinkSync('..v0', join(dir, '..data'));
  symlinkSync('..data/relay.yaml', join(dir, 'relay.yaml'));
  return join(dir, 'relay.yaml');
};

/** What the kubelet does on an update: a new version directory, `..data` swapped to it by rename, the old one removed. */
function swapConfigMap(dir: string, from: string, to: string, text: string): void {
  mkdirSync(join(dir, to));
  writeFileSync(join(dir, to, 'relay.yaml'), text);
  symlinkSync(to, join(dir, '..data_tmp'));
  renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  rmSync(join(dir, from), { recursive: true });
}

/** An editor's save: the new text written beside the file, then renamed over it. */
function saveByRename(file: string, text: string): void {
  writeFileSync(`${file}.swp`, text);
  renameSync(`${file}.swp`, file);
}

async function setup(
  initial: (target: Target) => string,
  {
    log = createLogger('silent'),
    place = plainFile,
    whileStarting,
  }: { log?: Logger; place?: Place; whileStarting?: (file: string, target: Target) => void } = {},
) {
  const target = await startTarget();
  const dir = tempDir();
  const file = place(dir, initial(target));
  // As the daemon loads its file (cli.ts).
  const { config, baseline } = loadWatched(file, loadConfig);
  const relay = await startTestRelay(config);
  whileStarting?.(file, target);
  const outcomes = watchSettled();
  // Each load the reloader makes is announced once its reload has been decided (reload() is synchronous).
  const loads = new EventEmitter();
  let loadCount = 0;
  const reloader = new ConfigReloader({
    file,
    relay,
    log,
    load: (f) => {
      try {
        return loadConfig(f);
      } finally {
        queueMicrotask(() => {
          loadCount++;
          loads.emit('load');
        });
      }
    },
    baseline,
  });
  reloaders.push(reloader);
  reloader.watch();
  const sample = async (series: string) => {
    const text = await (await fetch(`${relay.adminUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  const reloads = async (result: string) =>
    (await sample(`relay_config_reloads_total{result="${result}"}`)) ?? 0;
  const untilReloaded = async (result: string, count: number) => {
    const signal = AbortSignal.timeout(10_000);
    for (;;) {
      const seen = loadCount;
      if ((await reloads(result)) >= count) break;
      // A load that came while the metrics were read is not waited for again.
      if (loadCount !== seen) continue;
      await once(loads, 'load', { signal }).catch(() => {
        throw new Error(`config reload #${count} (${result}) not seen in 10 s`);
      });
    }
    expect(await reloads(result)).toBe(count);
  };
  const send = async () => {
    const res = await post(`${relay.ingestUrl}/in/app`, '{"type":"t"}');
    expect(res.status).toBe(200);
    return (res.json() as { id: string }).id;
  };
  return { target, dir, file, relay, config, outcomes, untilReloaded, send, sample };
}

describe('hot reload', () => {
  it('adds an endpoint when the file is edited: it receives the next event', async () => {
    const { target, file, relay, outcomes, untilReloaded, send } = await setup((t) =>
      yaml(t, { a: '' }, ['a']),
    );
    await send();
    await target.waitFor(1);
    writeFileSync(file, yaml(target, { a: '', b: '' }, ['a', 'b']));
    await untilReloaded('success', 1);
    await send();
    // Two lanes, each on its own: either may deliver first.
    await target.waitFor(1, 15_000, (r) => r.path === '/b');
    await target.waitFor(2, 15_000, (r) => r.path === '/a');
    expect(target.requests.filter((r) => r.path === '/a')).toHaveLength(2);
    const metrics = async () => (await fetch(`${relay.adminUrl}/metrics`)).text();
    await outcomes.next({ endpoint: 'b', settlement: { kind: 'delivered' }, applied: true });
    // Removing an endpoint drops its delivery series.
    writeFileSync(file, yaml(target, { b: '' }, ['b']));
    await untilReloaded('success', 2);
    expect(await metrics()).not.toContain('relay_delivery_attempts_total{endpoint="a"');
    expect(await metrics()).toContain('relay_delivery_attempts_total{endpoint="b",outcome="success"} 1');
  });

  it("follows an editor's save by rename, each time: the new file is read, not the old one", async () => {
    const { target, file, untilReloaded, send } = await setup((t) => yaml(t, { a: '' }, ['a']));
    saveByRename(file, yaml(target, { b: '' }, ['b']));
    await untilReloaded('success', 1);
    await send();
    await target.waitFor(1, 15_000, (r) => r.path === '/b');
    // The file relay looks at is the one now at the path, not the inode it first read.
    saveByRename(file, yaml(target, { c: '' }, ['c']));
    await untilReloaded('success', 2);
    await send();
    await target.waitFor(1, 15_000, (r) => r.path === '/c');
    expect(target.requests.map((r) => r.path)).toEqual(['/b', '/c']);
  });

  it("follows a config map's symlink swap, each time", async () => {
    const { target, dir, untilReloaded, send } = await setup((t) => yaml(t, { a: '' }, ['a']), {
      place: configMap,
    });
    await send();
    await target.waitFor(1, 15_000, (r) => r.path === '/a');
    swapConfigMap(dir, '..v0', '..v1', yaml(target, { b: '' }, ['b']));
    await untilReloaded('success', 1);
    await send();
    await target.waitFor(1, 15_000, (r) => r.path === '/b');
    swapConfigMap(dir, '..v1', '..v2', yaml(target, { c: '' }, ['c']));
    await untilReloaded('success', 2);
    await send();
    await target.waitFor(1, 15_000, (r) => r.path === '/c');
    expect(target.requests.map((r) => r.path)).toEqual(['/a', '/b', '/c']);
  });

  it('applies a changed signing secret from the next delivery', async () => {
    const signed = (secret: string) => `signing: { scheme: standard-webhooks, secret: "${secret}" }`;
    const { target, file, untilReloaded, send } = await setup((t) => yaml(t, { a: signed(SECRET_A) }, ['a']));
    await send();
    const [first] = await target.waitFor(1);
    expect(() => new Webhook(SECRET_A).verify(first!.body.toString(), first!.headers as never)).not.toThrow();
    writeFileSync(file, yaml(target, { a: signed(SECRET_B) }, ['a']));
    await untilReloaded('success', 1);
    await send();
    const [, second] = await target.waitFor(2);
    expect(() =>
      new Webhook(SECRET_B).verify(second!.body.toString(), second!.headers as never),
    ).not.toThrow();
    expect(() => new Webhook(SECRET_A).verify(second!.body.toString(), second!.headers as never)).toThrow();
  });

  it('holds the pending deliveries of a removed endpoint, and resumes them when it returns', async () => {
    let holdB = true;
    const { target, file, relay, outcomes, untilReloaded, send } = await setup((t) =>
      yaml(t, { a: '', b: 'concurrency: 1' }, ['a', 'b']),
    );
    target.script = (r) => (r.path === '/b' && holdB ? { hold: true } : { status: 200 });
    await Promise.all([send(), send(), send()]);
    await target.waitFor(3, 15_000, (r) => r.path === '/a');
    await target.waitFor(1, 15_000, (r) => r.path === '/b');

    writeFileSync(file, yaml(target, { a: '' }, ['a']));
    await untilReloaded('success', 1);
    target.releaseHeld();
    // The held attempt is recorded; then a wake-up and a probe event to `a`: one
    // look at every lane comes before the probe is claimed, so once it is
    // delivered a `b` that still sent would have a delivery in flight.
    await outcomes.next({ endpoint: 'b', settlement: { kind: 'delivered' }, applied: true });
    relay.wake();
    const probe = await send();
    await outcomes.next({ eventId: probe, endpoint: 'a', settlement: { kind: 'delivered' } });
    expect(target.requests.filter((r) => r.path === '/b')).toHaveLength(1);
    const forB = async () =>
      (await listDeliveries(relay.adminUrl, 'endpoint=b'))
        .filter((d) => d.endpoint === 'b')
        .map((d) => d.state)
        .sort();
    expect(await forB()).toEqual(['delivered', 'pending', 'pending']);
    const metrics = await (await fetch(`${relay.adminUrl}/metrics`)).text();
    expect(metrics).toContain('relay_queue_depth{endpoint="b",state="held"} 2');

    holdB = false;
    writeFileSync(file, yaml(target, { a: '', b: '' }, ['a', 'b']));
    await untilReloaded('success', 2);
    await target.waitFor(3, 15_000, (r) => r.path === '/b');
    await outcomes.until(3, { endpoint: 'b', settlement: { kind: 'delivered' }, applied: true });
    expect(await forB()).toEqual(['delivered', 'delivered', 'delivered']);
  });

  it('applies a change written while relay was starting, after its config was read', async () => {
    // Before the reloader exists: a baseline taken by it or by its first poll would hold this text and never reload.
    const { untilReloaded, relay } = await setup((t) => yaml(t, { a: '' }, ['a']), {
      whileStarting: (file, target) => writeFileSync(file, yaml(target, { a: '', b: '' }, ['a', 'b'])),
    });
    await untilReloaded('success', 1);
    const endpoints = await (await fetch(`${relay.adminUrl}/admin/endpoints`)).json();
    expect((endpoints as { endpoints: { name: string }[] }).endpoints.map((e) => e.name)).toEqual(['a', 'b']);
  });

  it('keeps the running config when the new file is broken, and counts the error', async () => {
    const { target, file, untilReloaded, send, sample } = await setup((t) => yaml(t, { a: '' }, ['a']));
    expect(await sample('relay_config_last_reload_successful')).toBe(1);
    writeFileSync(file, `${yaml(target, { a: '' }, ['a'])}\nbogus_key: true\n`);
    await untilReloaded('error', 1);
    expect(await sample('relay_config_last_reload_successful')).toBe(0);
    await send();
    await target.waitFor(1, 15_000, (r) => r.path === '/a');
  });

  it('refuses whole a file that changes a restart-only setting: logged, counted, the running config stays', async () => {
    const logs: { msg?: string; settings?: string[] }[] = [];
    const log = createLogger('info', { write: (line: string) => void logs.push(JSON.parse(line)) });
    const { target, file, relay, untilReloaded, send, sample } = await setup(
      (t) => yaml(t, { a: '' }, ['a']),
      { log },
    );
    const withB = yaml(target, { a: '', b: '' }, ['a', 'b']);
    writeFileSync(file, withB.replace(/ingest: 127\.0\.0\.1:0/, 'ingest: 127.0.0.1:1'));
    await untilReloaded('restart_required', 1);
    expect(logs.find((l) => l.msg?.startsWith('config reload refused'))).toMatchObject({
      settings: ['listen.ingest'],
    });
    expect(await sample('relay_config_last_reload_successful')).toBe(0);
    // Nothing of the refused file applied: b is not an endpoint, events still go to a alone.
    const endpoints = await (await fetch(`${relay.adminUrl}/admin/endpoints`)).json();
    expect((endpoints as { endpoints: { name: string }[] }).endpoints.map((e) => e.name)).toEqual(['a']);
    await send();
    await target.waitFor(1, 15_000, (r) => r.path === '/a');

    writeFileSync(file, withB);
    await untilReloaded('success', 1);
    expect(await sample('relay_config_last_reload_successful')).toBe(1);
    await send();
    await target.waitFor(1, 15_000, (r) => r.path === '/b');
  });
});
