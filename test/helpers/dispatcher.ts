import { systemClock } from '../../src/clock.ts';
import type { RelayConfig } from '../../src/config/schema.ts';
import { Dispatcher } from '../../src/dispatch/dispatcher.ts';
import { BackgroundFailures, createLogger } from '../../src/log.ts';
import { RelayMetrics } from '../../src/metrics.ts';
import { Backlog } from '../../src/store/backlog.ts';
import type { Store } from '../../src/store/store.ts';

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
