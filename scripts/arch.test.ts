// The architecture check must fail when the rules are broken, not only pass when they are kept: cruise a small
// tree laid out like the project that breaks each rule exactly once (next to imports each rule allows) and
// expect exactly those violations. A rule whose paths drift from the project's layout fails here.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without type declarations.
import { checkTree, judged, sqlFindings } from './check-sql.mjs';

const root = path.resolve(import.meta.dirname, '..');

/** path → source. Comments say which rule a line breaks; lines without one are allowed. */
const TREE: Record<string, string> = {
  'electron/ipc.ts': 'export const ipc = 1;',
  'electron/core/ok.ts': 'export const ok = 1;',
  'electron/core/uses-electron.ts': "import { app } from 'electron';\nexport const a = app;",
  'electron/core/uses-react.ts': "import { useState } from 'react';\nexport const u = useState;",
  'electron/core/uses-renderer.ts':
    "import { helper } from '../../renderer/lib/helper';\nexport const h = helper;",
  'electron/core/uses-shell.ts': "import { ipc } from '../ipc';\nexport const i = ipc;",
  'electron/core/missing.ts': "import { nothing } from './not-there';\nexport const n = nothing;",
  'electron/core/history/repo.ts': "import Database from 'better-sqlite3';\nexport const d = Database;",
  'electron/core/store/repo.ts': "import Database from 'better-sqlite3';\nexport const d = Database;",
  'electron/core/dispatch/uses-test.ts':
    "import { clock } from '../../../test/support/clock';\nexport const c = clock;",
  'electron/core/dispatch/uses-vitest.ts': "import { vi } from 'vitest';\nexport const v = vi;",
  'electron/core/dispatch/ok.test.ts':
    "import { clock } from '../../../test/support/clock';\nimport { expect } from 'vitest';\nimport Database from 'better-sqlite3';\nexpect(clock).toBe(Database);",
  'test/support/clock.ts': 'export const clock = 1;',
  'shared/uses-core.ts': "import { ok } from '../electron/core/ok';\nexport const o = ok;",
  'shared/ok.ts': 'export const shared = 1;',
  'renderer/api.ts': "import { shared } from '../shared/ok';\nexport const api = shared;",
  'renderer/lib/helper.ts': "import { api } from '../api';\nexport const helper = api;",
  'renderer/lib/uses-main.ts': "import { ok } from '../../electron/core/ok';\nexport const o = ok;",
  'renderer/lib/uses-node.ts': "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;",
  'renderer/lib/uses-component.ts':
    "import { Widget } from '../components/Widget';\nexport const w = Widget;",
  'renderer/lib/node.test.ts': "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;",
  'renderer/components/Widget.tsx':
    "import { helper } from '../lib/helper';\nimport { actions } from '../app/actions';\nexport const Widget = [helper, actions];",
  'renderer/app/actions.ts': "import { shared } from '../../shared/ok';\nexport const actions = shared;",
  'renderer/app/live.ts': "import { store } from '../generate/store';\nexport const live = store;",
  'renderer/app/App.tsx':
    "import { store } from '../generate/store';\nimport { GalleryView } from '../gallery/GalleryView';\nexport const App = [store, GalleryView];",
  'renderer/generate/store.ts':
    "import { actions } from '../app/actions';\nimport { Widget } from '../components/Widget';\nimport { helper } from '../lib/helper';\nimport { shared } from '../../shared/ok';\nexport const store = [actions, Widget, helper, shared];",
  'renderer/generate/sub/part.ts': "import { store } from '../store';\nexport const part = store;",
  'renderer/generate/ping.ts': "import { pong } from './pong';\nexport const ping = () => pong;",
  'renderer/generate/pong.ts': "import { ping } from './ping';\nexport const pong = () => ping;",
  'renderer/gallery/GalleryView.tsx':
    "import { store } from '../generate/store';\nimport { part } from '../generate/sub/part';\nexport const GalleryView = [store, part];",
};

const EXPECTED = [
  'core-no-electron: electron/core/uses-electron.ts → electron',
  'core-no-ui: electron/core/uses-react.ts → react',
  'core-no-ui: electron/core/uses-renderer.ts → renderer/lib/helper.ts',
  'core-no-shell: electron/core/uses-shell.ts → electron/ipc.ts',
  'not-to-unresolvable: electron/core/missing.ts → ./not-there',
  'sql-only-in-store: electron/core/history/repo.ts → better-sqlite3',
  'product-no-test-support: electron/core/dispatch/uses-test.ts → test/support/clock.ts',
  'product-no-test-support: electron/core/dispatch/uses-vitest.ts → vitest',
  'shared-stands-alone: shared/uses-core.ts → electron/core/ok.ts',
  'renderer-no-main-process: renderer/lib/uses-main.ts → electron/core/ok.ts',
  'renderer-no-node: renderer/lib/uses-node.ts → fs',
  'lib-is-a-leaf: renderer/lib/uses-component.ts → renderer/components/Widget.tsx',
  'components-are-generic: renderer/components/Widget.tsx → renderer/app/actions.ts',
  'app-mounts-features-in-one-place: renderer/app/live.ts → renderer/generate/store.ts',
  'feature-no-other-feature: renderer/gallery/GalleryView.tsx → renderer/generate/store.ts',
  'feature-no-other-feature: renderer/gallery/GalleryView.tsx → renderer/generate/sub/part.ts',
  // A cycle is reported once, from where the cruise met it first.
  'no-circular: renderer/generate/ping.ts → renderer/generate/pong.ts',
];

/** A node_modules path or a core module becomes its package name, so the expectations read plainly. */
const shortName = (resolved: string, module: string) =>
  resolved.includes('node_modules/') ? module : resolved;

let fixture: string;

beforeAll(() => {
  // Inside the project, so that packages resolve from its node_modules.
  mkdirSync(path.join(root, '.tmp'), { recursive: true });
  fixture = mkdtempSync(path.join(root, '.tmp', 'arch-'));
  for (const [file, source] of Object.entries(TREE)) {
    mkdirSync(path.dirname(path.join(fixture, file)), { recursive: true });
    writeFileSync(path.join(fixture, file), `${source}\n`);
  }
  writeFileSync(
    path.join(fixture, 'electron/core/history/sql.ts'),
    "export const count = (db: { prepare(sql: string): unknown }) =>\n  db.prepare('SELECT count(*) FROM runs');\n",
  );
  writeFileSync(
    path.join(fixture, 'electron/core/store/sql.ts'),
    "export const count = (db: { prepare(sql: string): unknown }) =>\n  db.prepare('SELECT count(*) FROM runs');\n",
  );
});

afterAll(() => {
  rmSync(fixture, { recursive: true, force: true });
});

describe('the architecture check (.dependency-cruiser.cjs)', () => {
  it('reports each broken rule once and nothing that is allowed', async () => {
    const options = await extractDepcruiseOptions(path.join(root, '.dependency-cruiser.cjs'));
    const reported = await cruise(['electron', 'shared', 'renderer'], {
      ...options,
      validate: true,
      baseDir: fixture,
    });
    const result = reported.output as ICruiseResult;
    const violations = result.summary.violations.map(
      (v) =>
        `${v.rule.name}: ${v.from} → ${shortName(
          v.to,
          result.modules.find((m) => m.source === v.from)?.dependencies.find((d) => d.resolved === v.to)
            ?.module ?? v.to,
        )}`,
    );
    expect(violations.sort()).toEqual([...EXPECTED].sort());
  });
});

describe('the SQL check (scripts/check-sql.mjs)', () => {
  it('finds SQL handed to a database or spelled out, and passes look-alikes', () => {
    expect(sqlFindings("const row = db.prepare('SELECT id FROM runs').get();")).toEqual([
      "1: const row = db.prepare('SELECT id FROM runs').get();",
    ]);
    expect(sqlFindings('db\n  .prepare<[number], number>(\n    `UPDATE runs SET x = 1`,\n  )')).toEqual([
      '2: .prepare<[number], number>(',
      '3: `UPDATE runs SET x = 1`,',
    ]);
    expect(sqlFindings("db.exec('CREATE TABLE t (id INTEGER)');")).toHaveLength(1);
    expect(sqlFindings("const sql = 'DELETE FROM runs WHERE id = ?';")).toHaveLength(1);
    expect(sqlFindings("db.pragma('journal_mode = WAL');")).toHaveLength(1);
    // A domain method named prepare, a regex, and English that starts like a statement.
    expect(sqlFindings('const prepared = library.prepare(request);')).toEqual([]);
    expect(sqlFindings("const m = /x(\\d+)/.exec(text); const s = 'Select a style from the list';")).toEqual(
      [],
    );
  });

  it('judges the product code outside store/ only', () => {
    expect(judged('electron/core/history/runs-repo.ts')).toBe(true);
    expect(judged('renderer/app/store.ts')).toBe(true);
    expect(judged('electron/core/store/runs-repo.ts')).toBe(false);
    expect(judged('electron/core/history/runs-repo.test.ts')).toBe(false);
    expect(judged('test/support/core.ts')).toBe(false);
  });

  it('fails a tree with SQL outside store/', () => {
    expect(checkTree(fixture)).toEqual([
      "electron/core/history/sql.ts:2: db.prepare('SELECT count(*) FROM runs');",
    ]);
  });
});
