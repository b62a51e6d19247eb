// `npm test`: lint, architecture check, type check, unit + integration (vitest), build, end to end (Playwright in Chromium).
// Ends with one line that counts every test: "tests: N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const reports = path.join(root, '.tmp', 'reports');
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });
const vitestJson = path.join(reports, 'vitest.json');
const playwrightJson = path.join(reports, 'playwright.json');

const stages = [
  { name: 'lint', cmd: ['npx', 'biome', 'ci', '.'] },
  // The arrows of docs/ARCHITECTURE.md (dependency-cruiser, .dependency-cruiser.cjs) and no SQL outside store/.
  { name: 'arch', cmd: ['npm', 'run', 'lint:arch', '--silent'] },
  { name: 'types', cmd: ['npx', 'tsc', '--noEmit', '-p', 'tsconfig.json'] },
  {
    name: 'unit',
    cmd: ['npx', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`],
  },
  { name: 'build', cmd: ['npm', 'run', 'build', '--silent'] },
  { name: 'e2e', cmd: ['npx', 'playwright', 'test'], env: { PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson } },
];

const only = process.argv.slice(2);
const failures = [];
for (const stage of stages) {
  if (only.length > 0 && !only.includes(stage.name)) continue;
  process.stdout.write(`\n▶ ${stage.name}: ${stage.cmd.join(' ')}\n`);
  const started = Date.now();
  const run = spawnSync(stage.cmd[0], stage.cmd.slice(1), {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...stage.env },
    shell: process.platform === 'win32',
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (run.status !== 0) {
    failures.push(stage.name);
    process.stdout.write(`✖ ${stage.name} failed (${seconds} s)\n`);
    if (stage.name === 'build') break; // End-to-end tests need the build.
  } else {
    process.stdout.write(`✔ ${stage.name} (${seconds} s)\n`);
  }
}

const counts = { passed: 0, failed: 0, skipped: 0 };
if (existsSync(vitestJson)) {
  const v = JSON.parse(readFileSync(vitestJson, 'utf8'));
  counts.passed += v.numPassedTests ?? 0;
  counts.failed += v.numFailedTests ?? 0;
  counts.skipped += (v.numPendingTests ?? 0) + (v.numTodoTests ?? 0);
}
if (existsSync(playwrightJson)) {
  const p = JSON.parse(readFileSync(playwrightJson, 'utf8')).stats ?? {};
  counts.passed += (p.expected ?? 0) + (p.flaky ?? 0);
  counts.failed += p.unexpected ?? 0;
  counts.skipped += p.skipped ?? 0;
}
if (failures.length > 0) process.stdout.write(`\nFailed stages: ${failures.join(', ')}\n`);
process.stdout.write(
  `\ntests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`,
);
process.exit(failures.length > 0 || counts.failed > 0 ? 1 : 0);
