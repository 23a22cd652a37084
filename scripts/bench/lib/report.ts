/** One line of the results table. Rates are per second, latencies in ms, memory in MiB. */
export interface Row {
  name: string;
  rate: number;
  unit: string;
  p50?: number | undefined;
  p99?: number | undefined;
  /** What the latency measures: "ack" (request → answer) or "e2e" (sent → received by the target). */
  latency?: 'ack' | 'e2e' | undefined;
  /** Peak resident memory of the process(es) under test. */
  peakRss?: number | undefined;
  /** CPU of the process(es) under test, in cores (1.0 = one core busy). */
  cpu?: number | undefined;
  notes?: string[] | undefined;
}

/** What a scenario or reference hands back: its table rows and the figures the targets read. */
export interface Section {
  id: string;
  rows: Row[];
  figures: Record<string, number>;
  notes: string[];
  skipped?: string | undefined;
}

export interface Goal {
  name: string;
  /** The measured value, undefined when a needed section did not run. */
  value: number | undefined;
  goal: string;
  met: boolean | undefined;
  shown: string;
}

const fmt = (n: number | undefined, digits = 0) =>
  n === undefined || Number.isNaN(n)
    ? '–'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function ms(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return '–';
  return n < 10 ? fmt(n, 2) : n < 100 ? fmt(n, 1) : fmt(n, 0);
}

export function resultsTable(sections: Section[]): string {
  const lines = [
    '| scenario | throughput | p50 | p99 | peak RSS | CPU | notes |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const section of sections) {
    if (section.skipped) {
      lines.push(`| ${section.id} | – | – | – | – | – | skipped: ${section.skipped} |`);
      continue;
    }
    for (const row of section.rows) {
      const kind = row.latency === 'ack' ? ' ack' : row.latency === 'e2e' ? ' e2e' : '';
      lines.push(
        `| ${row.name} | ${fmt(row.rate)} ${row.unit} | ${row.p50 === undefined ? '–' : `${ms(row.p50)} ms${kind}`} | ${
          row.p99 === undefined ? '–' : `${ms(row.p99)} ms${kind}`
        } | ${row.peakRss === undefined ? '–' : `${fmt(row.peakRss)} MiB`} | ${
          row.cpu === undefined ? '–' : `${fmt(row.cpu * 100)} %`
        } | ${(row.notes ?? []).join('; ')} |`,
      );
    }
  }
  return lines.join('\n');
}

export function goalsTable(goals: Goal[]): string {
  const lines = ['| target | measured | goal | |', '| --- | ---: | --- | --- |'];
  for (const goal of goals) {
    const verdict = goal.met === undefined ? 'not measured' : goal.met ? 'met' : '**missed**';
    lines.push(`| ${goal.name} | ${goal.shown} | ${goal.goal} | ${verdict} |`);
  }
  return lines.join('\n');
}

export { fmt };
