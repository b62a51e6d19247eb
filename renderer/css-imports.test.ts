// The stylesheets are split by owner (see tokens.css): a .css file nobody imports never reaches the app.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = import.meta.dirname;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? (entry.name === 'public' ? [] : walk(full)) : [full];
  });
}

describe('renderer stylesheets', () => {
  const files = walk(ROOT);
  const sheets = files.filter((f) => f.endsWith('.css'));
  const imported = new Set(
    files
      .filter((f) => /\.tsx?$/.test(f) && !f.endsWith('.test.ts'))
      .flatMap((f) =>
        [...readFileSync(f, 'utf8').matchAll(/^import\s+'(\.{1,2}\/[^']+\.css)';$/gm)].map((m) =>
          path.resolve(path.dirname(f), m[1]!),
        ),
      ),
  );

  it('every stylesheet is imported by a module of the renderer', () => {
    expect(sheets.length).toBeGreaterThan(1);
    expect(sheets.filter((sheet) => !imported.has(sheet)).map((f) => path.relative(ROOT, f))).toEqual([]);
  });

  it('the tokens and the base come first, before the app', () => {
    const main = readFileSync(path.join(ROOT, 'main.tsx'), 'utf8');
    const order = ["import './tokens.css';", "import './base.css';", "import { App } from './app/App';"].map(
      (line) => main.indexOf(line),
    );
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });
});
