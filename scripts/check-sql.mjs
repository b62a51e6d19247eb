// Part of the architecture check (`npm run lint:arch`): SQL lives in electron/core/store/ only.
// dependency-cruiser forbids importing better-sqlite3 elsewhere; this finds SQL text handed to a database
// handle that came in some other way (`db.prepare('SELECT …')`). It judges the same files as that rule:
// its scope is read from the rule `sql-only-in-store` in .dependency-cruiser.cjs.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const rule = require('../.dependency-cruiser.cjs').forbidden.find((r) => r.name === 'sql-only-in-store');
if (!rule) throw new Error('.dependency-cruiser.cjs has no rule named sql-only-in-store');

const asList = (value) => (Array.isArray(value) ? value : value ? [value] : []);
const inScope = asList(rule.from.path).map((p) => new RegExp(p));
const outOfScope = asList(rule.from.pathNot).map((p) => new RegExp(p));

/** Whether the rule judges this file (a path relative to the project root, with forward slashes). */
export function judged(file) {
  return inScope.some((re) => re.test(file)) && !outOfScope.some((re) => re.test(file));
}

// A statement handed to better-sqlite3: `.prepare(…)`, `.prepare<…>(…)`, `.exec(…)` or `.pragma(…)` with a
// string argument. `library.prepare(request)` or `/re/.exec(text)` take no string literal and pass.
const HANDED = /\.(prepare|exec|pragma)\s*(<[^()]*>)?\s*\(\s*[`'"]/g;
// SQL spelled out anywhere, as this code base writes it: upper-case keywords at the start of a string.
const SPELLED =
  /[`'"]\s*(SELECT\s[\s\S]*?\sFROM\s|INSERT\s+(OR\s+[A-Z]+\s+)?INTO\s|UPDATE\s+\w+\s+SET\s|DELETE\s+FROM\s|(CREATE|ALTER|DROP)\s+(TABLE|INDEX|TRIGGER|VIEW)\s|PRAGMA\s)/g;

/** Where `text` holds SQL: one `line: snippet` per finding. */
export function sqlFindings(text) {
  const found = new Map();
  for (const re of [HANDED, SPELLED]) {
    for (const match of text.matchAll(re)) {
      const line = text.slice(0, match.index).split('\n').length;
      if (!found.has(line)) found.set(line, text.split('\n')[line - 1].trim().slice(0, 100));
    }
  }
  return [...found].sort(([a], [b]) => a - b).map(([line, snippet]) => `${line}: ${snippet}`);
}

function* sourceFiles(root, dir) {
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const relative = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) yield* sourceFiles(root, relative);
    } else if (/\.(ts|tsx|mts|cts|js|mjs|cjs)$/.test(entry.name)) {
      yield relative;
    }
  }
}

/** Every finding under `root`, as `file:line: snippet`. */
export function checkTree(root, dirs = ['electron', 'shared', 'renderer']) {
  const problems = [];
  for (const dir of dirs) {
    for (const file of sourceFiles(root, dir)) {
      if (!judged(file)) continue;
      for (const finding of sqlFindings(readFileSync(path.join(root, file), 'utf8'))) {
        problems.push(`${file}:${finding}`);
      }
    }
  }
  return problems;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(import.meta.dirname, '..');
  const problems = checkTree(root);
  if (problems.length > 0) {
    process.stderr.write(
      `\n  error sql-only-in-store: SQL outside electron/core/store/ (add a repository method there instead)\n${problems
        .map((p) => `    ${p}`)
        .join('\n')}\n\n`,
    );
    process.exit(1);
  }
  process.stdout.write('✔ no SQL outside electron/core/store/\n');
}
