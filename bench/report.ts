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
