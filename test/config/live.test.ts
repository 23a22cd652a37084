import { describe, expect, it } from 'vitest';
import { LiveConfig } from '../../src/config/live.ts';
import type { ManagedSpec } from '../../src/config/managed.ts';
import { ConfigError } from '../../src/errors.ts';
import { testConfig } from '../helpers/relay.ts';

const FILE = `sources: { app: {} }
endpoints: { crm: { url: "http://127.0.0.1:9/crm" } }
routes: [{ name: to-crm, from: [app], types: "*", to: [crm] }]
`;

const hook: ManagedSpec = {
  kind: 'endpoint',
  name: 'hook',
  spec: { url: 'http://127.0.0.1:9/hook', timeout: '2s', headers: { 'x-b': '2', 'x-a': '1' } },
};
const toHook: ManagedSpec = {
  kind: 'route',
  name: 'to-hook',
  spec: { from: ['app'], types: '*', to: ['hook'] },
};

describe('LiveConfig.adoptManaged', () => {
  it('makes the stored objects current, and answers undefined for those running already, whatever their key order', async () => {
    const live = new LiveConfig(testConfig(FILE), []);
    const config = await live.adoptManaged(async () => [hook, toHook]);
    expect(Object.keys(config!.endpoints)).toEqual(['crm', 'hook']);
    expect(config!.endpoints.hook!.timeout).toBe(2_000);
    expect(config!.routes.map((r) => r.name)).toEqual(['to-crm', 'to-hook']);
    expect(live.config).toBe(config);
    expect(live.origin('endpoint', 'hook')).toBe('api');
    // As PostgreSQL's jsonb gives them back: keys sorted.
    const reordered: ManagedSpec = {
      ...hook,
      spec: { headers: { 'x-a': '1', 'x-b': '2' }, timeout: '2s', url: 'http://127.0.0.1:9/hook' },
    };
    expect(await live.adoptManaged(async () => [reordered, toHook])).toBeUndefined();
    expect(live.config).toBe(config);
    const removed = await live.adoptManaged(async () => []);
    expect(Object.keys(removed!.endpoints)).toEqual(['crm']);
    expect(live.managed).toEqual([]);
  });

  it('refuses objects that clash with the file, keeping the running config whole', async () => {
    const live = new LiveConfig(testConfig(FILE), [hook]);
    const before = live.config;
    const clash: ManagedSpec = { kind: 'endpoint', name: 'crm', spec: { url: 'http://127.0.0.1:9/other' } };
    const refused = live.adoptManaged(async () => [hook, toHook, clash]);
    await expect(refused).rejects.toBeInstanceOf(ConfigError);
    await expect(refused).rejects.toMatchObject({
      problems: [
        expect.stringMatching(
          /^endpoints\.crm: 'crm' is defined in the config file and through the admin API/,
        ),
      ],
    });
    expect(live.config).toBe(before);
    expect(live.managed).toEqual([hook]);
    expect(live.origin('route', 'to-hook')).toBe('file');
    // The queue goes on after a refusal.
    expect((await live.adoptManaged(async () => [hook, toHook]))!.routes).toHaveLength(2);
  });

  it('reads the store only once a change of this relay before it is stored', async () => {
    const live = new LiveConfig(testConfig(FILE), []);
    const order: string[] = [];
    let store: () => void = () => {};
    const stored = new Promise<void>((resolve) => {
      store = resolve;
    });
    const change = live.change([{ kind: 'endpoint', name: 'hook', spec: hook.spec }], async () => {
      order.push('persist started');
      await stored;
      order.push('persisted');
    });
    const adopted = live.adoptManaged(async () => {
      order.push('loaded');
      return [hook, toHook];
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['persist started']);
    store();
    await change;
    const config = await adopted;
    expect(order).toEqual(['persist started', 'persisted', 'loaded']);
    expect(config!.routes.map((r) => r.name)).toEqual(['to-crm', 'to-hook']);
    expect(live.managed).toEqual([hook, toHook]);
  });
});
