import { describe, expect, it } from 'vitest';
import { busyRelay } from './helpers/busy-relay.ts';
import { promtool } from './helpers/promtool.ts';
import { startTestRelay, testConfig } from './helpers/relay.ts';
import { tempDir } from './helpers/temp.ts';

/** The value of one unlabelled series in a relay's /metrics. */
async function sample(adminUrl: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('/metrics', () => {
  it("passes Prometheus's linter, every series of a relay that has done some work", async () => {
    const { metrics } = await busyRelay();
    expect(await promtool(['check', 'metrics'], metrics)).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('says whether relay is ready: 1, then 0 from the moment it starts stopping', async () => {
    const relay = await startTestRelay(testConfig('delivery: { drain_delay: 1s }\nsources: { app: {} }'));
    expect(await sample(relay.adminUrl, 'relay_ready')).toBe(1);
    const closed = relay.close();
    expect(await sample(relay.adminUrl, 'relay_ready')).toBe(0);
    await closed;
  });

  it("shows the disk's free space beside limits.min_free_disk, which a reload changes", async () => {
    const dir = tempDir();
    const relay = await startTestRelay(testConfig('limits: { min_free_disk: 1MiB }', {}, dir));
    expect(await sample(relay.adminUrl, 'relay_disk_free_bytes')).toBeGreaterThan(0);
    expect(await sample(relay.adminUrl, 'relay_disk_min_free_bytes')).toBe(1024 * 1024);
    relay.reload(testConfig('limits: { min_free_disk: 2MiB }', {}, dir));
    expect(await sample(relay.adminUrl, 'relay_disk_min_free_bytes')).toBe(2 * 1024 * 1024);
  });
});
