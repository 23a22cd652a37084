import { Gauge, type Registry } from 'prom-client';

/** What the readiness and disk gauges read at scrape time. */
export interface HealthSnapshot {
  ready(): Promise<boolean>;
  /** Undefined where the store does not write to a local disk (a remote database). */
  diskFreeBytes(): number | undefined;
  minFreeDiskBytes(): number;
}

/** A gauge set from the health snapshot at each scrape (none until one is observed). */
export function healthGauge(
  registry: Registry,
  health: () => HealthSnapshot | undefined,
  name: string,
  help: string,
  read: (health: HealthSnapshot) => number | undefined | Promise<number>,
): Gauge {
  const gauge: Gauge = new Gauge({
    name,
    help,
    registers: [registry],
    collect: async () => {
      const snapshot = health();
      const value = snapshot && (await read(snapshot));
      if (value !== undefined) gauge.set(value);
    },
  });
  return gauge;
}
