import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { systemClock } from '../../src/clock.ts';
import type { RelayConfig } from '../../src/config/schema.ts';
import { Dispatcher } from '../../src/dispatch/dispatcher.ts';
import { type SettledMessage, settledChannel } from '../../src/dispatch/observe.ts';
import { BackgroundFailures, createLogger } from '../../src/log.ts';
import { RelayMetrics } from '../../src/metrics.ts';
import { Backlog } from '../../src/store/backlog.ts';
import type { Claim, Store } from '../../src/store/store.ts';
import { event } from '../store/contract/fixtures.ts';

/** The real store, with every endpoint a claim asked for written down in `asked`. */
export function recordingClaims(store: Store, asked: string[]): Store {
  return new Proxy(store, {
    get(target, key) {
      if (key === 'claim') {
        return (asks: Parameters<Store['claim']>[0], now: number) => {
          asked.push(...asks.map((ask) => ask.endpoint));
          return target.claim(asks, now);
        };
      }
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A dispatcher on `store` with the system clock and silent logs, as main.ts makes it. */
export async function dispatcherOn(config: RelayConfig, store: Store): Promise<Dispatcher> {
  const log = createLogger('silent');
  return new Dispatcher(config, await store.endpointStates(), {
    store,
    backlog: new Backlog(),
    metrics: new RelayMetrics(),
    clock: systemClock,
    log,
    failures: new BackgroundFailures(log, () => {}),
    userAgent: 'relay-test',
  });
}

/**
 * The real store, whose next claim once armed runs only after `until`
 * resolves: `asked` resolves when the dispatcher sent it, `answered` with
 * what it claimed.
 */
export function claimsHeldBack(store: Store) {
  let armed: { until: Promise<unknown>; asked: () => void; answered: (claims: Claim[]) => void } | undefined;
  const proxy = new Proxy(store, {
    get(target, key) {
      if (key === 'claim') {
        return async (asks: Parameters<Store['claim']>[0], now: number) => {
          const held = armed;
          armed = undefined;
          if (!held) return target.claim(asks, now);
          held.asked();
          await held.until;
          const claims = await target.claim(asks, systemClock.now());
          // After the dispatcher took the answer (its handler runs in this promise's reactions).
          setImmediate(() => held.answered(claims));
          return claims;
        };
      }
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const holdNext = (until: Promise<unknown>) => {
    const asked = Promise.withResolvers<void>();
    const answered = Promise.withResolvers<Claim[]>();
    armed = { until, asked: asked.resolve, answered: answered.resolve };
    return { asked: asked.promise, answered: answered.promise };
  };
  return { store: proxy, holdNext };
}

/** Resolves once an outcome of `endpoint` was written to the store. */
export function appliedOutcome(endpoint: string): Promise<SettledMessage> {
  return new Promise((resolve) => {
    const listener = (message: unknown) => {
      const settled = message as SettledMessage;
      if (settled.endpoint !== endpoint || !settled.applied) return;
      unsubscribe(settledChannel.name, listener);
      resolve(settled);
    };
    subscribe(settledChannel.name, listener);
  });
}

/** Stores an event `id` of source `app` routed to `crm`, received now, on `store`. */
export async function storeCrmEvent(store: Store, id: string): Promise<void> {
  await store.enqueue(event({ id, source: 'app', receivedAt: systemClock.now() }));
}
