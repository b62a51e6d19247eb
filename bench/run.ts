// `npm run bench`: speed, reported against baselines measured in the same process. Not part of `npm test`.
import { benchIngest } from './ingest.bench';
import { benchStore } from './store.bench';

export interface BenchRow {
  name: string;
  value: string;
  goal?: string;
  ok?: boolean;
}

function printTable(title: string, rows: BenchRow[]): void {
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

const suites: Array<[string, () => Promise<BenchRow[]>]> = [
  ['Store and history', benchStore],
  ['Image ingest', benchIngest],
];
const only = process.argv.slice(2);
let missed = 0;
for (const [title, run] of suites) {
  if (only.length > 0 && !only.some((o) => title.toLowerCase().includes(o.toLowerCase()))) continue;
  const rows = await run();
  missed += rows.filter((r) => r.ok === false).length;
  printTable(title, rows);
}
process.stdout.write(`\n${missed === 0 ? 'All goals met.' : `${missed} goal(s) missed.`}\n`);
