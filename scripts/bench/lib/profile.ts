/**
 * Reads the V8 CPU profiles relay wrote with --cpu-prof and lists the
 * functions with the most self time, as a share of the time relay was not
 * idle.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { root } from './relay.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  fn: string;
  where: string;
  selfMs: number;
  /** Share of relay's non-idle time. */
  percent: number;
}

/** Hot spots of every profile in the folders named `name` or `name-*` (not the `-baseline` ones). */
export function hotSpots(profiles: string, name: string, top = 15): HotSpot[] {
  if (!existsSync(profiles)) return [];
  const files = readdirSync(profiles)
    .filter((dir) => dir === name || (dir.startsWith(`${name}-`) && !dir.endsWith('-baseline')))
    .flatMap((dir) =>
      readdirSync(join(profiles, dir))
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => join(profiles, dir, f)),
    );
  const self = new Map<string, { fn: string; where: string; us: number }>();
  let busy = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    profile.samples.forEach((id, i) => {
      const frame = byId.get(id)!.callFrame;
      const us = profile.timeDeltas[i] ?? 0;
      if (frame.functionName === '(idle)') return;
      busy += us;
      const where = frame.url ? `${shorten(frame.url)}:${frame.lineNumber + 1}` : '';
      const key = `${frame.functionName}@${where}`;
      const entry = self.get(key) ?? { fn: frame.functionName || '(anonymous)', where, us: 0 };
      entry.us += us;
      self.set(key, entry);
    });
  }
  return [...self.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((e) => ({
      fn: e.fn,
      where: e.where,
      selfMs: e.us / 1000,
      percent: busy > 0 ? (100 * e.us) / busy : 0,
    }));
}

function shorten(url: string): string {
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  return path.startsWith(root) ? relative(root, path) : path;
}

export function hotSpotTable(spots: HotSpot[]): string {
  const lines = ['| self % | self ms | function | where |', '| ---: | ---: | --- | --- |'];
  for (const s of spots) {
    lines.push(`| ${s.percent.toFixed(1)} | ${s.selfMs.toFixed(0)} | ${s.fn} | ${s.where} |`);
  }
  return lines.join('\n');
}
