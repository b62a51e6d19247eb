// History at 100,000 runs and 200,000 outputs with ratings, tags, boards and review states: the first page,
// prompt search with filters, deep keyset pages under every sort, and the facet counts beside the filters.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../electron/core/ports';
import { closeDatabase, createHistoryRepo, type LibraryDatabase, openDatabase } from '../electron/core/store';
import { HistoryQuery, type HistoryQueryInput, type HistorySort } from '../shared/history-contract';
import { seededRandom } from '../test/support/history';
import { type BenchRow, isMain, ms, printTable, timeRepeated } from './report';

const TOTAL_RUNS = 100_000;
const PAGE_SIZE = 100;
const REPEATS = 200;
const FIRST_PAGE_GOAL_MS = 10;
const SEARCH_GOAL_MS = 30;
const FACETS_GOAL_MS = 50;

const PROVIDERS: Array<[string, string[]]> = [
  ['openai', ['gpt-image-1', 'dall-e-3']],
  ['gemini', ['imagen-4', 'imagen-4-fast']],
  ['stability', ['sd3.5-large', 'sd3.5-medium']],
  ['leonardo', ['phoenix']],
  ['fal', ['flux-pro', 'flux-dev', 'flux-schnell']],
  ['a1111', ['sdxl-base']],
];
const TASKS = ['default', 'default', 'default', 'photoreal', 'illustration', 'text-in-image'];
const COMMON =
  'a the of with and in on at soft warm light long shadows dawn dusk misty lake harbour boat red blue gouache watercolor portrait product hero banner logo sticker studio cinematic'.split(
    ' ',
  );

/** Syllable words: a vocabulary of a few thousand, so search terms range from common to rare. */
function vocabulary(random: () => number, size: number): string[] {
  const syllables = 'ka lo mi ra te su no ha ri ve do za pe lu ti ko ma ne si ro'.split(' ');
  const words = new Set<string>();
  while (words.size < size) {
    const n = 2 + Math.floor(random() * 3);
    words.add(Array.from({ length: n }, () => syllables[Math.floor(random() * syllables.length)]).join(''));
  }
  return [...words];
}

/** Fills the library with plain SQL inserts (migration 7's triggers keep summaries and the index in step). */
export function fillHistory(db: LibraryDatabase): { boards: number[]; styles: number[]; tags: string[] } {
  const random = seededRandom(2026);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const words = vocabulary(random, 4000);
  // Skewed: a few words are everywhere, most are rare.
  const word = () => (random() < 0.5 ? pick(COMMON) : words[Math.floor(words.length * random() ** 2)]!);
  const tags = Array.from({ length: 30 }, (_, i) => `tag-${i}`);
  const styles: number[] = [];
  const styleVersions: number[] = [];
  const templateVersions: number[] = [];
  const boards: number[] = [];

  db.transaction(() => {
    for (let s = 0; s < 12; s++) {
      const id = Number(
        db
          .prepare(
            'INSERT INTO styles (uid, name, name_key, created_at, updated_at, version) VALUES (?, ?, ?, 1, 1, 3)',
          )
          .run(`bench-style-${s}`, `Style ${s}`, `style ${s}`).lastInsertRowid,
      );
      styles.push(id);
      for (let v = 1; v <= 3; v++) {
        styleVersions.push(
          Number(
            db
              .prepare(
                "INSERT INTO style_versions (style_id, version, created_at, fields) VALUES (?, ?, 1, '{}')",
              )
              .run(id, v).lastInsertRowid,
          ),
        );
      }
    }
    for (let t = 0; t < 8; t++) {
      const id = Number(
        db
          .prepare(
            'INSERT INTO prompt_templates (uid, name, name_key, created_at, updated_at, version) VALUES (?, ?, ?, 1, 1, 1)',
          )
          .run(`bench-template-${t}`, `Template ${t}`, `template ${t}`).lastInsertRowid,
      );
      templateVersions.push(
        Number(
          db
            .prepare(
              "INSERT INTO template_versions (template_id, version, created_at, fields) VALUES (?, 1, 1, '{}')",
            )
            .run(id).lastInsertRowid,
        ),
      );
    }
    for (let b = 0; b < 20; b++) {
      boards.push(
        Number(
          db.prepare('INSERT INTO boards (name, created_at) VALUES (?, 1)').run(`Board ${b}`).lastInsertRowid,
        ),
      );
    }
    for (const tag of tags) db.prepare('INSERT INTO tags (name) VALUES (?)').run(tag);
  })();
  const tagIds = db.prepare<[], number>('SELECT id FROM tags ORDER BY id').pluck().all();

  const insertRun = db.prepare(
    `INSERT INTO runs (created_at, status, request, prompt, negative_prompt, provider, model, seed, count, cost_usd,
       started_at, finished_at, duration_ms, task_type, style_version_id, template_version_id, deleted_at)
     VALUES (@createdAt, @status, @request, @prompt, @negative, @provider, @model, @seed, @count, @cost,
       @createdAt, @finishedAt, @duration, @task, @styleVersion, @templateVersion, @deletedAt)`,
  );
  const insertOutput = db.prepare(
    `INSERT INTO outputs (run_id, idx, path, sha256, width, height, format, bytes, thumb_path, favorite, review_status,
       reviewed_at, deleted_at)
     VALUES (@runId, @idx, @path, @sha, @width, @height, 'png', 1800000, @thumb, @favorite, @review, @reviewedAt, NULL)`,
  );
  const insertRating = db.prepare('INSERT INTO ratings (output_id, rating, updated_at) VALUES (?, ?, 1)');
  const insertRunTag = db.prepare('INSERT INTO run_tags (run_id, tag_id) VALUES (?, ?)');
  const insertMember = db.prepare(
    'INSERT OR IGNORE INTO board_outputs (board_id, output_id, added_at) VALUES (?, ?, 1)',
  );
  let outputs = 0;
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const createdAt = 1_700_000_000_000 + i * 60_000;
      const [provider, models] = pick(PROVIDERS);
      const failed = random() < 0.08;
      const status = failed ? (random() < 0.8 ? 'failed' : 'cancelled') : 'succeeded';
      // 200,000 outputs over 100,000 runs: 1 to 3 per succeeded run, 2 on average.
      const sizeRoll = random();
      const count = failed ? 0 : sizeRoll < 0.2 ? 1 : sizeRoll < 0.6 ? 2 : 3;
      const prompt = Array.from({ length: 12 + Math.floor(random() * 20) }, word).join(' ');
      const reference =
        random() < 0.15 ? { path: `references/ab/${'c'.repeat(64)}.png`, strength: 0.6 } : undefined;
      const runId = Number(
        insertRun.run({
          createdAt,
          status,
          request: JSON.stringify({ prompt, provider, count: Math.max(1, count), reference }),
          prompt,
          negative: random() < 0.4 ? 'text, watermark, blurry' : '',
          provider,
          model: pick(models),
          seed: Math.floor(random() * 2 ** 31),
          count: Math.max(1, count),
          cost: failed && random() < 0.5 ? null : Math.round(random() * 400) / 1000,
          finishedAt: createdAt + 8_000,
          duration: failed ? null : 2_000 + Math.floor(random() * 30_000),
          task: pick(TASKS),
          styleVersion: random() < 0.4 ? pick(styleVersions) : null,
          templateVersion: random() < 0.25 ? pick(templateVersions) : null,
          deletedAt: random() < 0.02 ? createdAt + 1 : null,
        }).lastInsertRowid,
      );
      for (let k = 0; k < count; k++) {
        const sha = (runId * 4 + k).toString(16).padStart(64, '0');
        const roll = random();
        const review = roll < 0.6 ? 'pending' : roll < 0.9 ? 'approved' : 'rejected';
        const outputId = Number(
          insertOutput.run({
            runId,
            idx: k,
            path: `media/${sha.slice(0, 2)}/${sha}.png`,
            sha,
            width: pick([1024, 1536, 768]),
            height: pick([1024, 1024, 1344]),
            thumb: `thumbs/${sha.slice(0, 2)}/${sha}.webp`,
            favorite: random() < 0.05 ? 1 : 0,
            review,
            reviewedAt: review === 'pending' ? null : createdAt + 60_000,
          }).lastInsertRowid,
        );
        outputs += 1;
        if (random() < 0.4) insertRating.run(outputId, 1 + Math.floor(random() * 5));
        if (random() < 0.03) insertMember.run(pick(boards), outputId);
      }
      const runTags = new Set<number>();
      const n = random() < 0.5 ? 0 : 1 + Math.floor(random() * 3);
      for (let t = 0; t < n; t++) runTags.add(tagIds[Math.floor(tagIds.length * random() ** 1.5)]!);
      for (const tagId of runTags) insertRunTag.run(runId, tagId);
    }
  });
  for (let from = 0; from < TOTAL_RUNS; from += 5_000) batch(from, Math.min(TOTAL_RUNS, from + 5_000));
  if (outputs < 195_000)
    throw new Error(`only ${outputs} outputs were made; the bench promises about 200,000`);
  return { boards, styles, tags };
}

export async function benchHistory(): Promise<BenchRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-bench-history-'));
  const file = path.join(dir, 'atelier.db');
  const db = openDatabase(file);
  try {
    const rows: BenchRow[] = [];
    let start = performance.now();
    const { boards, styles, tags } = fillHistory(db);
    const counts = db
      .prepare<[], { runs: number; outputs: number }>(
        'SELECT (SELECT count(*) FROM runs) AS runs, (SELECT count(*) FROM outputs) AS outputs',
      )
      .get()!;
    rows.push({
      name: `fill ${counts.runs.toLocaleString('en-US')} runs, ${counts.outputs.toLocaleString('en-US')} outputs`,
      value: `${((performance.now() - start) / 1000).toFixed(1)} s`,
    });
    start = performance.now();
    db.pragma('optimize');
    db.pragma('wal_checkpoint(TRUNCATE)');
    rows.push({ name: 'PRAGMA optimize (as on close)', value: ms(performance.now() - start) });

    const history = createHistoryRepo(db, silentLogger);
    const page = (
      input: HistoryQueryInput,
      sort: HistorySort = { key: 'date', dir: 'desc' },
      cursor: string | null = null,
    ) => history.search({ query: HistoryQuery.parse(input), sort, cursor, limit: PAGE_SIZE });

    const first = timeRepeated(REPEATS, () => page({}));
    rows.push({
      name: `first page (${PAGE_SIZE} runs, newest first, with total), p50`,
      value: ms(first.p50),
      goal: `≤ ${FIRST_PAGE_GOAL_MS} ms`,
      ok: first.p50 <= FIRST_PAGE_GOAL_MS,
    });
    rows.push({ name: 'first page, p95', value: ms(first.p95) });

    // Text and three filters, several shapes round-robin; the first page, so the total is counted too.
    const searches: HistoryQueryInput[] = [
      { text: 'misty', providers: ['openai', 'gemini'], minRating: 3, review: ['pending'] },
      {
        text: 'lake -boat',
        models: ['flux-pro'],
        favorite: false,
        taskTypes: ['default'],
        statuses: ['succeeded'],
      },
      { text: '"soft warm"', providers: ['stability'], tags: [tags[0]!], usedReference: false },
      { text: 'ka*', styles: [styles[0]!, styles[1]!], minRating: 2, review: ['approved'] },
      { text: 'harbour', boards: [boards[0]!], from: 1_700_000_000_000 + 20_000 * 60_000, minRating: 1 },
      { text: 'gouache portrait', costMin: 0.1, costMax: 0.3, providers: ['fal'], favorite: true },
    ];
    const search = timeRepeated(REPEATS, ...searches.map((input) => () => page(input)));
    rows.push({
      name: 'prompt search + 3 filters, first page with total, p95',
      value: ms(search.p95),
      goal: `≤ ${SEARCH_GOAL_MS} ms`,
      ok: search.p95 <= SEARCH_GOAL_MS,
    });
    rows.push({ name: 'prompt search + 3 filters, p50', value: ms(search.p50) });

    for (const key of ['rating', 'cost', 'duration'] as const) {
      // Walk to about half way, then time the page there: keyset pages cost the same at any depth.
      const sort: HistorySort = { key, dir: 'desc' };
      let cursor: string | null = null;
      for (let i = 0; i < 490; i++) cursor = page({}, sort, cursor).nextCursor;
      const at = cursor;
      const deep = timeRepeated(REPEATS, () => page({}, sort, at));
      rows.push({
        name: `page at depth 49,000 sorted by ${key}, p50`,
        value: ms(deep.p50),
        goal: `≤ ${FIRST_PAGE_GOAL_MS} ms`,
        ok: deep.p50 <= FIRST_PAGE_GOAL_MS,
      });
    }

    const facetsAll = timeRepeated(REPEATS / 4, () => history.facets(HistoryQuery.parse({})));
    rows.push({
      name: 'facet counts, no filter, p95',
      value: ms(facetsAll.p95),
      goal: `≤ ${FACETS_GOAL_MS} ms`,
      ok: facetsAll.p95 <= FACETS_GOAL_MS,
    });
    const facetsFiltered = timeRepeated(
      REPEATS / 2,
      ...searches.map((input) => () => history.facets(HistoryQuery.parse(input))),
    );
    rows.push({
      name: 'facet counts, search + 3 filters, p95',
      value: ms(facetsFiltered.p95),
      goal: `≤ ${FACETS_GOAL_MS} ms`,
      ok: facetsFiltered.p95 <= FACETS_GOAL_MS,
    });

    // A designer rates, tags and files as they go: each answer right after a write must stay fast (the
    // snapshot follows the journaled runs instead of being read whole).
    const outputIds = db
      .prepare<[], number>('SELECT id FROM outputs ORDER BY id DESC LIMIT 64')
      .pluck()
      .all();
    const rate = db.prepare(
      `INSERT INTO ratings (output_id, rating, updated_at) VALUES (?, ?, 1)
       ON CONFLICT (output_id) DO UPDATE SET rating = excluded.rating`,
    );
    let w = 0;
    const afterWrite = timeRepeated(REPEATS / 2, () => {
      rate.run(outputIds[w % outputIds.length]!, 1 + (w % 5));
      w += 1;
      history.facets(HistoryQuery.parse(searches[w % searches.length]!));
      page(searches[w % searches.length]!);
    });
    rows.push({
      name: 'rate one output, then facets + search + 3 filters, p95',
      value: ms(afterWrite.p95),
      goal: `≤ ${FACETS_GOAL_MS} ms`,
      ok: afterWrite.p95 <= FACETS_GOAL_MS,
    });

    closeDatabase(db);
    rows.push({ name: 'database file', value: `${(fs.statSync(file).size / 1024 / 1024).toFixed(1)} MiB` });
    return rows;
  } finally {
    closeDatabase(db);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) printTable('History search', await benchHistory());
