import { describe, expect, it } from 'vitest';
import { busyRelay } from './helpers/busy-relay.ts';
import { promtool } from './helpers/promtool.ts';

describe('/metrics', () => {
  it("passes Prometheus's linter, every series of a relay that has done some work", async () => {
    const { metrics } = await busyRelay();
    expect(await promtool(['check', 'metrics'], metrics)).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});
