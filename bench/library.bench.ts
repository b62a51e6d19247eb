// Style library speed: the library grid's first page and a name or tag search with 2,000 styles.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createEventBus } from '../electron/core/events';
import { createStyleLibrary } from '../electron/core/library/service';
import { silentLogger } from '../electron/core/ports';
import { loadCatalog } from '../electron/core/providers/catalog';
import { closeDatabase, createLibraryRepo, createSettingsRepo, openDatabase } from '../electron/core/store';
import { StyleFields } from '../shared/library-contract';
import { type BenchRow, isMain, printTable } from './report';

const STYLES = 2_000;
const PREVIEWS_PER_STYLE = 4;
const REPEATS = 200;
const GOAL_MS = 50;

const WORDS = 'moody cinematic pastel neon brutalist organic retro glossy grainy crisp airy bold'.split(' ');
const TAGS = 'photo illustration icon 3d brand print web social product portrait food travel'.split(' ');
const OWNERS = ['Ana', 'Ben', 'Chloé', 'Dev', 'Eli'];

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

function time(fn: () => unknown): { p50: number; p95: number } {
  const samples: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  return { p50: percentile(samples, 50), p95: percentile(samples, 95) };
}

const ms = (v: number) => `${v.toFixed(2)} ms`;

export async function benchLibrary(): Promise<BenchRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-bench-library-'));
  const db = openDatabase(path.join(dir, 'atelier.db'));
  try {
    const repo = createLibraryRepo(db, silentLogger);
    let now = 1_700_000_000_000;
    const library = createStyleLibrary({
      repo,
      settings: createSettingsRepo(db, silentLogger),
      catalog: loadCatalog(),
      clock: { now: () => now, sleep: async () => {} },
      events: createEventBus(() => {}),
      implemented: () => [],
    });
    repo.transaction(() => {
      for (let i = 0; i < STYLES; i++) {
        now += 1_000;
        const fields = StyleFields.parse({
          name: `${WORDS[i % WORDS.length]} ${WORDS[(i * 7) % WORDS.length]} ${i}`,
          owner: OWNERS[i % OWNERS.length],
          description: `A ${WORDS[(i * 3) % WORDS.length]} look for ${TAGS[i % TAGS.length]} work`,
          tags: [TAGS[i % TAGS.length], TAGS[(i * 5 + 1) % TAGS.length]],
          styleTokens: ['soft light', 'film grain'],
          status: i % 3 === 0 ? 'approved' : 'draft',
        });
        const { versionId } = repo.createStyle({ ...fields, tags: fields.tags }, JSON.stringify(fields), {
          now,
          note: 'bench',
        });
        for (let p = 0; p < PREVIEWS_PER_STYLE; p++) {
          const sha = (i * 10 + p).toString(16).padStart(64, '0');
          repo.addPreview(
            versionId,
            {
              runId: null,
              seed: p,
              provider: 'openai',
              path: `media/${sha.slice(0, 2)}/${sha}.png`,
              thumbPath: `thumbs/${sha.slice(0, 2)}/${sha}.webp`,
              width: 1024,
              height: 1024,
            },
            now,
          );
        }
      }
    });
    db.pragma('optimize');

    const page = { offset: 0, limit: 100 };
    const open = time(() => library.list(page));
    const byName = time(() => library.list({ ...page, query: 'cinem' }));
    const byTag = time(() => library.list({ ...page, tag: 'portrait' }));
    const filtered = time(() => library.list({ ...page, query: 'moody', status: 'approved', owner: 'ana' }));
    const check = (v: { p95: number }) => v.p95 <= GOAL_MS;
    const row = (name: string, v: { p50: number; p95: number }): BenchRow => ({
      name,
      value: `${ms(v.p50)} (p95 ${ms(v.p95)})`,
      goal: `p95 ≤ ${GOAL_MS} ms`,
      ok: check(v),
    });
    return [
      { name: 'styles in the library (each with 4 previews)', value: STYLES.toLocaleString('en') },
      row('open the library: first 100 style summaries, p50', open),
      row('name search "cinem" (FTS5 prefix), p50', byName),
      row('tag search "portrait", p50', byTag),
      row('name + status + owner filter, p50', filtered),
    ];
  } finally {
    closeDatabase(db);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) printTable('Style library', await benchLibrary());
