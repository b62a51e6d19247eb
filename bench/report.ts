import { performance } from 'node:perf_hooks';
/** One line of a benchmark table; `ok` is set where the row carries a goal. */
export interface BenchRow {
  name: string;
  value: string;
  goal?: string;
  ok?: boolean;
}

export function printTable(title: string, rows: BenchRow[]): void {
  process.stdout.write(`\n${title}\n`);
  const cells = rows.map((r) => [
    r.name,
    r.value,
    r.goal ?? '',
    r.ok === undefined ? '' : r.ok ? 'met' : 'MISSED',
  ]);
  const header = ['measure', 'value', 'goal', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
  process.stdout.write(`${line(header)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n`);
  for (const c of cells) process.stdout.write(`${line(c)}\n`);
}

/** True when the module is the script node was asked to run (so a bench file can also run alone). */
export function isMain(moduleUrl: string): boolean {
  return moduleUrl === `file://${process.argv[1]}`;
}

/** The p-th percentile of samples already sorted ascending. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * Runs `fns` round-robin, `repeats` samples in all, after warming each once (the statement and the page
 * cache, as a view has them warm after its first paint).
 */
export function timeRepeated(repeats: number, ...fns: Array<() => unknown>): { p50: number; p95: number } {
  for (const fn of fns) fn();
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const fn = fns[r % fns.length]!;
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p95: percentile(samples, 95) };
}

export const ms = (value: number) => `${value.toFixed(2)} ms`;
