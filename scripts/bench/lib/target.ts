import { resolve } from 'node:path';
import { Child } from './child.ts';
import type { LatencySummary } from './stats.ts';
import { sleep } from './stats.ts';
import type { TargetStats } from './target-server.ts';

export type { TargetStats };

/** The target process seen from the harness. */
export class Target {
  private readonly child: Child;

  private constructor(child: Child) {
    this.child = child;
  }

  static async start(): Promise<Target> {
    return new Target(await Child.start(resolve(import.meta.dirname, 'target-server.ts')));
  }

  get pid(): number {
    return this.child.pid;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.child.port}${path}`;
  }

  reset(): Promise<void> {
    return this.child.request('reset');
  }

  stats(): Promise<TargetStats> {
    return this.child.request('stats', { latency: false });
  }

  /** Counts plus received → delivered latency (ms) of everything since the last reset. */
  latency(): Promise<TargetStats & { latency: LatencySummary }> {
    return this.child.request('stats', { latency: true });
  }

  /** Polls until `count` requests were answered, or `timeoutMs` passed; returns the last stats. */
  async waitFor(count: number, timeoutMs: number): Promise<TargetStats> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const stats = await this.stats();
      if (stats.received >= count || performance.now() > deadline) return stats;
      await sleep(100);
    }
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}
