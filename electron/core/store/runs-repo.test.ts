import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GenerationRequest, RunSummary } from '../../../shared/domain';
import { AppError } from '../../../shared/result';
import { type RecordingLogger, recordingLogger } from '../../../test/support/log';
import { tempDirsPerTest } from '../../../test/support/temp-dirs';
import { createBoardsRepo } from './boards-repo';
import { closeDatabase, type LibraryDatabase, openDatabase } from './db';
import { StoredDataError } from './json-column';
import { createRunsRepo, dedupeTags, type NewAttempt, type NewOutput, type RunsRepo } from './runs-repo';
import { createTrashRepo } from './trash-repo';

const tempDir = tempDirsPerTest();
let db: LibraryDatabase;
let runs: RunsRepo;
let log: RecordingLogger;

beforeEach(() => {
  db = openDatabase(path.join(tempDir(), 'atelier.db'));
  log = recordingLogger();
  runs = createRunsRepo(db, log);
});
afterEach(() => closeDatabase(db));

const request: GenerationRequest = {
  prompt: 'a lighthouse at dusk, gouache',
  negativePrompt: 'text, watermark',
  aspectRatio: '3:2',
  seed: null,
  count: 2,
  quality: 'final',
  provider: 'openai',
  model: 'gpt-image-1',
  taskType: 'default',
  fresh: false,
};

function attempt(overrides: Partial<NewAttempt> = {}): NewAttempt {
  return {
    ordinal: 1,
    provider: 'openai',
    model: 'gpt-image-1',
    requestSent: { prompt: request.prompt, size: '1536x1024', n: 2 },
    outcome: 'ok',
    httpStatus: 200,
    providerCode: null,
    providerMessage: null,
    retryAfterMs: null,
    warnings: ['negative prompt folded into the prompt'],
    startedAt: 1_100,
    latencyMs: 4_200,
    costUsd: 0.08,
    ...overrides,
  };
}

function output(index: number): NewOutput {
  const sha256 = `${index}`.repeat(64).slice(0, 64);
  return {
    index,
    path: `media/${sha256.slice(0, 2)}/${sha256}.png`,
    sha256,
    width: 1536,
    height: 1024,
    format: 'png',
    bytes: 2_000_000 + index,
    thumbPath: `thumbs/${sha256.slice(0, 2)}/${sha256}.webp`,
  };
}

/** An output's marks as they arrive: not a favourite, pending review, live. */
const UNREVIEWED = {
  favorite: false,
  reviewStatus: 'pending',
  reviewedAt: null,
  approvalRef: null,
  rejectReason: null,
  rejectNote: null,
  deletedAt: null,
  providerSafety: null,
} as const;

/** A run taken all the way to success with `outputs` images. */
function succeededRun(now = 1_000, outputs = 1): number {
  const id = runs.create({ request, now });
  runs.markRunning(id, { now: now + 10, seed: 42, model: 'gpt-image-1' });
  const attemptId = runs.recordAttempt(id, attempt({ startedAt: now + 20 }));
  runs.complete(id, {
    now: now + 500,
    attemptId,
    costUsd: 0.04 * outputs,
    outputs: Array.from({ length: outputs }, (_, i) => output(i)),
  });
  return id;
}

function appErrorCode(fn: () => unknown): string | null {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
  return null;
}

describe('runs repo', () => {
  it("a run's summary names the boards its live images are on, by name (the cards' badges)", () => {
    const boards = createBoardsRepo(db);
    const id = succeededRun(1_000, 2);
    const [first, second] = runs.get(id)!.outputs.map((o) => o.id);
    const spring = boards.create('Spring launch', 2_000);
    const brand = boards.create('brand refresh', 2_000);
    boards.addOutputs(spring, [first!, second!], 2_100);
    boards.addOutputs(brand, [second!], 2_100);
    expect(runs.list({ limit: 10 }).items[0]?.boards).toEqual([
      { id: brand, name: 'brand refresh' },
      { id: spring, name: 'Spring launch' },
    ]);
    // An image in the trash no longer puts its run on a board.
    createTrashRepo(db).trashOutputs([second!], 3_000);
    expect(runs.get(id)?.boards).toEqual([{ id: spring, name: 'Spring launch' }]);
  });

  it('round-trips create → running → attempt → complete through get and list', () => {
    const id = runs.create({ request, now: 1_000 });
    expect(runs.get(id)).toMatchObject({ status: 'queued', seed: null, startedAt: null, outputsCount: 0 });

    runs.markRunning(id, { now: 1_050, seed: 777, model: 'gpt-image-1' });
    const attemptId = runs.recordAttempt(id, attempt({ startedAt: 1_060 }));
    runs.complete(id, { now: 5_300, attemptId, costUsd: 0.08, outputs: [output(0), output(1)], seed: 778 });
    runs.rate(runs.get(id)!.outputs[1]!.id, 4, 6_000);

    const detail = runs.get(id);
    expect(detail).toEqual({
      id,
      createdAt: 1_000,
      status: 'succeeded',
      prompt: request.prompt,
      provider: 'openai',
      model: 'gpt-image-1',
      seed: 778,
      count: 2,
      costUsd: 0.08,
      outputsCount: 2,
      qualityFlags: 0,
      cover: {
        outputId: runs.get(id)!.outputs[0]!.id,
        path: output(0).path,
        thumbPath: output(0).thumbPath,
        width: 1536,
        height: 1024,
      },
      error: null,
      taskType: 'default',
      cachedFrom: null,
      costCredits: null,
      costBasis: 'reported',
      warnings: [],
      bestRating: 4,
      favorite: false,
      reviewStates: ['pending'],
      parentRunId: null,
      derivation: null,
      deletedAt: null,
      approval: null,
      request,
      startedAt: 1_050,
      finishedAt: 5_300,
      durationMs: 4_250,
      attempts: [
        {
          id: attemptId,
          ...attempt({ startedAt: 1_060 }),
          costCredits: null,
          costBasis: 'reported',
          cached: false,
          serverId: null,
        },
      ],
      outputs: [
        { id: expect.any(Number), ...output(0), rating: 0, ...UNREVIEWED },
        { id: expect.any(Number), ...output(1), rating: 4, ...UNREVIEWED },
      ],
      tags: [],
      boards: [],
      route: null,
    });

    const page = runs.list({ limit: 10 });
    expect(page.total).toBe(1);
    expect(page.nextBefore).toBeNull();
    // z.object strips the detail-only fields, leaving exactly what a summary holds.
    expect(page.items).toEqual([RunSummary.parse(detail)]);
  });

  it("keeps the provider's safety flag on each output, and on the outputs a cache hit reuses", () => {
    const id = runs.create({ request, now: 1_000 });
    runs.markRunning(id, { now: 1_010, seed: 9, model: 'gpt-image-1' });
    const attemptId = runs.recordAttempt(id, attempt());
    const rated = {
      field: 'safetyRatings' as const,
      flagged: true,
      ratings: [{ category: 'HARM_CATEGORY_SEXUALLY_EXPLICIT', probability: 'MEDIUM', blocked: false }],
    };
    runs.complete(id, {
      now: 2_000,
      attemptId,
      costUsd: 0.08,
      cacheKey: 'k-safety',
      outputs: [{ ...output(0), providerSafety: rated }, { ...output(1), providerSafety: null }, output(2)],
    });
    expect(runs.get(id)!.outputs.map((o) => o.providerSafety)).toEqual([rated, null, null]);
    expect(runs.findCached('k-safety')!.outputs.map((o) => o.providerSafety)).toEqual([rated, null, null]);
  });

  it('parses the stored request back with defaults filled in', () => {
    const id = runs.create({ request: { ...request, model: undefined, negativePrompt: '' }, now: 1 });
    const stored = runs.get(id)!;
    expect(stored.request).toEqual({ ...request, model: undefined, negativePrompt: '' });
    expect(stored.model).toBeNull();
  });

  it('refuses a request that is not a valid GenerationRequest', () => {
    expect(appErrorCode(() => runs.create({ request: { ...request, count: 99 }, now: 1 }))).toBe(
      'invalid_input',
    );
  });

  it('keeps the seed from markRunning when complete names none', () => {
    const id = succeededRun();
    expect(runs.get(id)!.seed).toBe(42);
  });

  it('complete is atomic: a failing output leaves no outputs and the run unfinished', () => {
    const id = runs.create({ request, now: 1_000 });
    runs.markRunning(id, { now: 1_010, seed: 5, model: 'gpt-image-1' });
    const attemptId = runs.recordAttempt(id, attempt());
    // Duplicate index violates UNIQUE(run_id, idx) on the second insert.
    expect(() =>
      runs.complete(id, { now: 2_000, attemptId, costUsd: 0.08, outputs: [output(0), output(0)] }),
    ).toThrow(/UNIQUE/);

    const detail = runs.get(id)!;
    expect(detail).toMatchObject({ status: 'running', finishedAt: null, durationMs: null, costUsd: null });
    expect(detail.outputs).toEqual([]);
    expect(db.prepare('SELECT count(*) FROM outputs').pluck().get()).toBe(0);
  });

  it('complete refuses a finished run and an unknown one', () => {
    const id = succeededRun();
    expect(appErrorCode(() => runs.complete(id, { now: 9, attemptId: null, costUsd: 0, outputs: [] }))).toBe(
      'conflict',
    );
    expect(appErrorCode(() => runs.complete(999, { now: 9, attemptId: null, costUsd: 0, outputs: [] }))).toBe(
      'not_found',
    );
  });

  it('fail records the error once; a finished run keeps its first outcome', () => {
    const id = runs.create({ request, now: 1_000 });
    runs.markRunning(id, { now: 1_100, seed: 1, model: 'gpt-image-1' });
    runs.recordAttempt(
      id,
      attempt({
        outcome: 'content_blocked',
        httpStatus: 400,
        providerCode: 'moderation_blocked',
        costUsd: null,
      }),
    );
    expect(
      runs.fail(id, { now: 1_600, status: 'failed', code: 'content_blocked', message: 'Blocked.' }),
    ).toBe(true);
    expect(runs.fail(id, { now: 1_700, status: 'cancelled', code: 'cancelled', message: 'Too late.' })).toBe(
      false,
    );

    const detail = runs.get(id)!;
    expect(detail).toMatchObject({
      status: 'failed',
      error: { code: 'content_blocked', message: 'Blocked.' },
      finishedAt: 1_600,
      durationMs: 500,
      cover: null,
      outputsCount: 0,
    });
    expect(detail.attempts[0]).toMatchObject({
      outcome: 'content_blocked',
      providerCode: 'moderation_blocked',
    });
    expect(appErrorCode(() => runs.fail(999, { now: 1, status: 'failed', code: 'x', message: 'x' }))).toBe(
      'not_found',
    );
  });

  it('a cancelled run that never started has no duration', () => {
    const id = runs.create({ request, now: 1_000 });
    runs.fail(id, { now: 1_200, status: 'cancelled', code: 'cancelled', message: 'Cancelled.', costUsd: 0 });
    expect(runs.get(id)).toMatchObject({ status: 'cancelled', durationMs: null, costUsd: 0 });
  });

  it('markRunning and recordAttempt refuse unknown and finished runs', () => {
    expect(appErrorCode(() => runs.markRunning(999, { now: 1, seed: 1, model: 'm' }))).toBe('not_found');
    expect(appErrorCode(() => runs.recordAttempt(999, attempt()))).toBe('not_found');
    const id = succeededRun();
    expect(appErrorCode(() => runs.markRunning(id, { now: 1, seed: 1, model: 'm' }))).toBe('conflict');
  });

  it('lists newest first with keyset pagination', () => {
    const ids = Array.from({ length: 25 }, (_, i) => succeededRun(1_000 + i));
    const newestFirst = [...ids].reverse();

    const first = runs.list({ limit: 10 });
    expect(first.items.map((r) => r.id)).toEqual(newestFirst.slice(0, 10));
    expect(first.nextBefore).toBe(newestFirst[9]);
    expect(first.total).toBe(25);

    const second = runs.list({ before: first.nextBefore!, limit: 10 });
    expect(second.items.map((r) => r.id)).toEqual(newestFirst.slice(10, 20));

    const last = runs.list({ before: second.nextBefore!, limit: 10 });
    expect(last.items.map((r) => r.id)).toEqual(newestFirst.slice(20));
    expect(last.nextBefore).toBeNull();
  });

  it('has no next page when the last page is exactly full', () => {
    for (let i = 0; i < 20; i++) runs.create({ request, now: i });
    const first = runs.list({ limit: 10 });
    const second = runs.list({ before: first.nextBefore!, limit: 10 });
    expect(second.items).toHaveLength(10);
    expect(second.nextBefore).toBeNull();
    expect(runs.list({ before: 1, limit: 10 })).toEqual({ items: [], nextBefore: null, total: 20 });
  });

  it('counts runs correctly after deletes', () => {
    const ids = Array.from({ length: 5 }, () => succeededRun());
    db.prepare('DELETE FROM runs WHERE id = ?').run(ids[4]);
    db.prepare('DELETE FROM runs WHERE id = ?').run(ids[1]);
    const page = runs.list({ limit: 100 });
    expect(page.total).toBe(3);
    expect(page.items.map((r) => r.id)).toEqual([ids[3], ids[2], ids[0]]);
  });

  it('refuses a page size outside 1 to 500', () => {
    expect(appErrorCode(() => runs.list({ limit: 0 }))).toBe('invalid_input');
    expect(appErrorCode(() => runs.list({ limit: 501 }))).toBe('invalid_input');
    expect(appErrorCode(() => runs.list({ limit: 2.5 }))).toBe('invalid_input');
  });

  it('interruptUnfinished fails queued and running runs from a previous process', () => {
    const queued = runs.create({ request, now: 1 });
    const running = runs.create({ request, now: 2 });
    runs.markRunning(running, { now: 3, seed: 9, model: 'gpt-image-1' });
    const done = succeededRun(4);

    expect(runs.interruptUnfinished(100, 'Atelier stopped while this run was in flight.')).toEqual([
      queued,
      running,
    ]);
    for (const id of [queued, running]) {
      expect(runs.get(id)).toMatchObject({
        status: 'failed',
        finishedAt: 100,
        error: { code: 'interrupted', message: 'Atelier stopped while this run was in flight.' },
      });
    }
    expect(runs.get(done)!.status).toBe('succeeded');
    expect(runs.interruptUnfinished(200, 'again')).toEqual([]);
  });

  it('rates outputs 1 to 5, clears with 0, and refuses unknown outputs and bad ratings', () => {
    const id = succeededRun(1_000, 2);
    const [first, second] = runs.get(id)!.outputs;
    runs.rate(first!.id, 5, 2_000);
    runs.rate(second!.id, 2, 2_000);
    runs.rate(second!.id, 3, 2_100);
    expect(runs.get(id)!.outputs.map((o) => o.rating)).toEqual([5, 3]);
    runs.rate(first!.id, 0, 2_200);
    runs.rate(first!.id, 0, 2_300);
    expect(runs.get(id)!.outputs.map((o) => o.rating)).toEqual([0, 3]);

    expect(appErrorCode(() => runs.rate(12_345, 3, 1))).toBe('not_found');
    expect(appErrorCode(() => runs.rate(12_345, 0, 1))).toBe('not_found');
    expect(appErrorCode(() => runs.rate(first!.id, 6, 1))).toBe('invalid_input');
  });

  it('replaces tags, deduping case-insensitively and keeping the first spelling', () => {
    const id = succeededRun();
    expect(runs.setTags(id, ['Portrait', 'warm', 'portrait', ' Warm ', 'blue', ''])).toEqual([
      'blue',
      'Portrait',
      'warm',
    ]);
    expect(runs.get(id)!.tags).toEqual(['blue', 'Portrait', 'warm']);
    expect(runs.setTags(id, ['blue'])).toEqual(['blue']);
    // Tags no run uses any more are pruned; shared ones stay.
    expect(db.prepare('SELECT name FROM tags ORDER BY name').pluck().all()).toEqual(['blue']);
    expect(runs.setTags(id, [])).toEqual([]);
    expect(appErrorCode(() => runs.setTags(999, ['x']))).toBe('not_found');
  });

  it('lists each run with its best rating and its tags, so History cards show them', () => {
    const rated = succeededRun(1_000, 3);
    const plain = succeededRun(2_000, 1);
    const [first, second, third] = runs.get(rated)!.outputs;
    runs.rate(first!.id, 2, 3_000);
    runs.rate(second!.id, 5, 3_000);
    runs.rate(third!.id, 3, 3_000);
    runs.setTags(rated, ['warm', 'Hero', 'blue']);
    const card = (id: number) => runs.list({ limit: 10 }).items.find((item) => item.id === id)!;
    expect(card(rated)).toMatchObject({ bestRating: 5, tags: ['blue', 'Hero', 'warm'] });
    expect(card(plain)).toMatchObject({ bestRating: 0, tags: [] });
    // A change shows on the next list: a cleared top rating falls back to the next best.
    runs.rate(second!.id, 0, 4_000);
    runs.setTags(rated, ['blue']);
    expect(card(rated)).toMatchObject({ bestRating: 3, tags: ['blue'] });
    expect(RunSummary.parse(card(rated))).toEqual(card(rated));
  });

  it('shares one tag row across runs, keeping its first spelling', () => {
    const a = succeededRun();
    const b = succeededRun();
    runs.setTags(a, ['Moodboard']);
    expect(runs.setTags(b, ['moodboard', 'draft'])).toEqual(['draft', 'Moodboard']);
    runs.setTags(a, []);
    expect(runs.get(b)!.tags).toEqual(['draft', 'Moodboard']);
  });

  it('dedupes with the same case folding as the NOCASE column', () => {
    expect(dedupeTags(['Éclair', 'éclair', 'ABC', 'abc'])).toEqual(['Éclair', 'éclair', 'ABC']);
  });

  it('finds an existing output by content hash', () => {
    succeededRun();
    expect(runs.findBySha256(output(0).sha256)).toBe(output(0).path);
    expect(runs.findBySha256('f'.repeat(64))).toBeNull();
  });

  it('refuses a run whose stored request it cannot read, logs its id, and leaves the row as it is', () => {
    const id = succeededRun();
    db.prepare(`UPDATE runs SET request = '{"prompt": 7}' WHERE id = ?`).run(id);
    expect(() => runs.get(id)).toThrow(StoredDataError);
    expect(() => runs.work(id)).toThrow(/runs row \d+ could not be read \(request: prompt: /);
    expect(db.prepare('SELECT request FROM runs WHERE id = ?').pluck().get(id)).toBe('{"prompt": 7}');
    expect(log.lines[0]?.fields).toMatchObject({ table: 'runs', column: 'request', id });
  });

  it('shows a refused route, warning list or sent request as absent or empty, and logs each', () => {
    const id = succeededRun();
    const [attemptId] = runs.get(id)!.attempts.map((a) => a.id);
    db.prepare(`UPDATE runs SET route = '{"chain": 1}', warnings = 'late' WHERE id = ?`).run(id);
    db.prepare(`UPDATE attempts SET request_sent = '[1]', warnings = '{}' WHERE id = ?`).run(attemptId);

    const run = runs.get(id)!;
    expect(run.route).toBeNull();
    expect(run.warnings).toEqual([]);
    expect(run.attempts[0]).toMatchObject({ requestSent: {}, warnings: [] });
    expect(
      log.lines.map((line) => `${line.fields?.table}.${line.fields?.column} ${line.fields?.id}`),
    ).toEqual([
      `runs.warnings ${id}`,
      `attempts.request_sent ${attemptId}`,
      `attempts.warnings ${attemptId}`,
      `runs.route ${id}`,
    ]);
  });

  it('returns null for an unknown run', () => {
    expect(runs.get(999)).toBeNull();
  });

  it('deleting a run removes its attempts, outputs and ratings', () => {
    const id = succeededRun();
    runs.rate(runs.get(id)!.outputs[0]!.id, 4, 1);
    runs.setTags(id, ['x']);
    db.prepare('DELETE FROM runs WHERE id = ?').run(id);
    for (const table of ['attempts', 'outputs', 'ratings', 'run_tags']) {
      expect(db.prepare(`SELECT count(*) FROM ${table}`).pluck().get(), table).toBe(0);
    }
  });

  describe('CHECK constraints', () => {
    it('reject an attempt outcome outside the closed set', () => {
      const id = runs.create({ request, now: 1 });
      expect(() =>
        db
          .prepare(
            `INSERT INTO attempts (run_id, ordinal, provider, model, request_sent, outcome, started_at, latency_ms)
             VALUES (?, 1, 'openai', 'm', '{}', 'exploded', 1, 1)`,
          )
          .run(id),
      ).toThrow(/CHECK constraint failed/);
    });

    it('reject a run status outside the closed set and a rating outside 1 to 5', () => {
      const id = succeededRun();
      expect(() => db.prepare("UPDATE runs SET status = 'paused' WHERE id = ?").run(id)).toThrow(
        /CHECK constraint failed/,
      );
      const outputId = runs.get(id)!.outputs[0]!.id;
      expect(() => db.prepare('INSERT INTO ratings VALUES (?, 6, 1)').run(outputId)).toThrow(
        /CHECK constraint failed/,
      );
    });

    it('reject a duplicate attempt ordinal and a dangling run id', () => {
      const id = runs.create({ request, now: 1 });
      runs.recordAttempt(id, attempt());
      expect(() => runs.recordAttempt(id, attempt())).toThrow(/UNIQUE/);
      expect(() =>
        db
          .prepare(
            `INSERT INTO outputs (run_id, idx, path, sha256, width, height, format, bytes, thumb_path)
             VALUES (999, 0, 'p', 's', 1, 1, 'png', 1, 't')`,
          )
          .run(),
      ).toThrow(/FOREIGN KEY/);
    });
  });
});
