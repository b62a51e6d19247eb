import { z } from 'zod';
import {
  type AttemptOutcome,
  type AttemptRecord,
  type CostBasis,
  type Derivation,
  GenerationRequest,
  type GenerationRequestInput,
  type OutputRecord,
  ProviderSafety,
  REVIEW_STATUSES,
  type ReviewStatus,
  type RunDetail,
  RunRoute,
  type RunStatus,
  type RunSummary,
  TaskType,
} from '../../../shared/domain';
import type { RunSource } from '../../../shared/import-contract';
import { AppError, describeIssues, fieldError, zodIssues } from '../../../shared/result';
import type { Logger } from '../ports';
import type { LibraryDatabase } from './db';
import { createJsonColumns, type JsonColumns } from './json-column';

export interface NewAttempt {
  ordinal: number;
  provider: string;
  model: string;
  /** What was sent to the provider, secrets already removed by the adapter. */
  requestSent: Record<string, unknown>;
  outcome: AttemptOutcome;
  httpStatus: number | null;
  providerCode: string | null;
  providerMessage: string | null;
  retryAfterMs: number | null;
  warnings: readonly string[];
  startedAt: number;
  latencyMs: number;
  costUsd: number | null;
  costCredits?: number | null;
  /** Where `costUsd` comes from; null when there is no cost. */
  costBasis?: CostBasis | null;
  /** Served from the identical-request cache: nothing was sent. */
  cached?: boolean;
  /** The local GPU server the attempt ran on. */
  serverId?: number | null;
}

export interface NewOutput {
  index: number;
  /** Relative to the data directory, like `thumbPath`. */
  path: string;
  sha256: string;
  width: number;
  height: number;
  format: string;
  bytes: number;
  thumbPath: string;
  /** What the provider said about this image's safety, where it said; absent or null when it did not. */
  providerSafety?: ProviderSafety | null;
}

export interface RunCompletion {
  now: number;
  attemptId: number | null;
  outputs: readonly NewOutput[];
  costUsd: number | null;
  /** The seed the provider reports having used; left out to keep the one recorded by `markRunning`. */
  seed?: number | null;
  /** The provider and model that produced the outputs (else the columns stay as they are). */
  provider?: string;
  model?: string;
  costCredits?: number | null;
  /** Where the run's `costUsd` comes from: the least exact basis of its attempts. */
  costBasis?: CostBasis | null;
  /** Set on a cache hit: the run whose stored outputs this one points at. */
  cachedFrom?: number | null;
  /** Lets a later identical request (explicit seed, same provider and model) reuse these outputs. */
  cacheKey?: string | null;
  warnings?: readonly string[];
}

export interface RunFailure {
  now: number;
  status: 'failed' | 'cancelled';
  code: string;
  message: string;
  /** Left out to keep whatever cost is already recorded. */
  costUsd?: number | null;
  costBasis?: CostBasis | null;
  /** The last provider and model tried (else the columns stay as they are). */
  provider?: string;
  model?: string;
  warnings?: readonly string[];
}

/** What the dispatcher needs to (re)start a run, without its attempts and outputs. */
export interface RunWork {
  id: number;
  status: RunStatus;
  request: GenerationRequest;
  route: RunRoute | null;
  seed: number | null;
}

/** A succeeded run whose outputs an identical request may reuse. */
export interface CachedRun {
  runId: number;
  provider: string;
  model: string | null;
  seed: number | null;
  outputs: NewOutput[];
}

/** The run a new one is made from (Reproduce, Branch, Reroll, Vary). */
export interface RunParent {
  runId: number;
  derivation: Derivation;
}

export interface RunPage {
  items: RunSummary[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextBefore: number | null;
  total: number;
}

export interface RunsRepo {
  /** Records a queued run and returns its id; the request is parsed (defaults applied) first. */
  create(run: {
    request: GenerationRequestInput;
    now: number;
    route?: RunRoute | null;
    /** Lineage: the run this one is made from, and how. */
    parent?: RunParent | null;
  }): number;
  /** The request, route and state of a run, or null when there is none. */
  work(id: number): RunWork | null;
  /** The ordinal the run's next attempt takes (attempts survive a resume, so numbering continues). */
  nextOrdinal(runId: number): number;
  /** The newest succeeded run stored under this cache key, with its outputs. */
  findCached(cacheKey: string): CachedRun | null;
  /** Sets a failed or interrupted run back to queued so the job queue can run it again. */
  requeue(id: number): boolean;
  /** `model` left out (or null) keeps the model column as it is. */
  markRunning(id: number, update: { now: number; seed: number | null; model?: string | null }): void;
  recordAttempt(runId: number, attempt: NewAttempt): number;
  /** Stores every output and marks the run succeeded, all or nothing. */
  complete(id: number, result: RunCompletion): void;
  /** False when the run had already finished (its first outcome stands). */
  fail(id: number, failure: RunFailure): boolean;
  /** Fails every run left queued or running by a previous process and not held by the job queue; ids ascending. */
  interruptUnfinished(now: number, message: string): number[];
  /** Live (not trashed) runs, newest first, keyset-paginated by id. */
  list(page: { before?: number; limit: number }): RunPage;
  get(id: number): RunDetail | null;
  /** Lineage: the live run this one was made from (null when none) and the live runs made from it, oldest first. */
  lineage(id: number): { parent: RunSummary | null; children: RunSummary[] };
  /** 1 to 5 stars; 0 clears the rating. */
  rate(outputId: number, rating: number, now: number): void;
  /** Replaces the run's tags and returns them as stored, sorted. */
  setTags(runId: number, tags: readonly string[]): string[];
  /** The path of an output already stored with this content hash, if any. */
  findBySha256(sha256: string): string | null;
}

export const MAX_PAGE_SIZE = 500;
const UNFINISHED: readonly RunStatus[] = ['queued', 'running'];
// First page without a `before`: larger than any id SQLite will hand out in practice.
const NO_UPPER_BOUND = Number.MAX_SAFE_INTEGER;

/** A row selected with SUMMARY_COLUMNS and COVER_JOIN. */
export interface SummaryRow {
  id: number;
  created_at: number;
  status: RunStatus;
  prompt: string;
  provider: string;
  model: string | null;
  seed: number | null;
  count: number;
  cost_usd: number | null;
  error_code: string | null;
  error_message: string | null;
  outputs_count: number;
  quality_flags: number;
  cover_id: number | null;
  cover_path: string | null;
  cover_thumb: string | null;
  cover_width: number | null;
  cover_height: number | null;
  task_type: string;
  cached_from: number | null;
  cost_credits: number | null;
  cost_basis: CostBasis | null;
  warnings: string;
  style_version_id: number | null;
  template_version_id: number | null;
  library_warnings: string;
  best_rating: number;
  tags_json: string;
  has_favorite: number;
  review_mask: number;
  parent_run_id: number | null;
  derivation: Derivation | null;
  deleted_at: number | null;
  source: RunSource | null;
  /** `[reviewed_at, approval_ref]` of the latest approved live image; null when none is approved. */
  approval_json: string | null;
  /** `[batch_id, idx, coords]` when a batch made the run; null otherwise. */
  batch_json: string | null;
  /** `[[board_id, name], …]`: the boards its live images are on, by name. */
  boards_json: string;
}

interface DetailRow extends SummaryRow {
  request: string;
  route: string | null;
  requested: string | null;
  started_at: number | null;
  finished_at: number | null;
  duration_ms: number | null;
}

interface AttemptRow {
  id: number;
  ordinal: number;
  provider: string;
  model: string;
  outcome: AttemptOutcome;
  http_status: number | null;
  provider_code: string | null;
  provider_message: string | null;
  retry_after_ms: number | null;
  request_sent: string;
  warnings: string;
  started_at: number;
  latency_ms: number;
  cost_usd: number | null;
  cost_credits: number | null;
  cost_basis: CostBasis | null;
  cached: number;
  server_id: number | null;
}

interface OutputRow {
  id: number;
  idx: number;
  path: string;
  thumb_path: string;
  sha256: string;
  width: number;
  height: number;
  format: string;
  bytes: number;
  rating: number;
  favorite: number;
  review_status: ReviewStatus;
  reviewed_at: number | null;
  approval_ref: string | null;
  reject_reason: string | null;
  reject_note: string | null;
  deleted_at: number | null;
  provider_safety: string | null;
}

// best_rating, has_favorite and review_mask summarise the run's live outputs; migration 7's triggers keep them.
export const SUMMARY_COLUMNS = `r.id, r.created_at, r.status, r.prompt, r.provider, r.model, r.seed, r.count, r.cost_usd,
  r.error_code, r.error_message,
  (SELECT count(*) FROM outputs o WHERE o.run_id = r.id AND o.deleted_at IS NULL) AS outputs_count,
  (SELECT coalesce(sum(o.quality_flag), 0) FROM outputs o WHERE o.run_id = r.id AND o.deleted_at IS NULL) AS quality_flags,
  c.id AS cover_id, c.path AS cover_path, c.thumb_path AS cover_thumb, c.width AS cover_width, c.height AS cover_height,
  r.task_type, r.cached_from, r.cost_credits, r.cost_basis, r.warnings, r.style_version_id, r.template_version_id,
  r.library_warnings, r.best_rating, r.has_favorite, r.review_mask, r.parent_run_id, r.derivation, r.deleted_at, r.source,
  (SELECT json_group_array(name) FROM (SELECT t.name FROM run_tags x JOIN tags t ON t.id = x.tag_id
    WHERE x.run_id = r.id ORDER BY t.name, t.id)) AS tags_json,
  CASE WHEN r.review_mask & 2 THEN (SELECT json_array(a.reviewed_at, a.approval_ref) FROM outputs a
    WHERE a.run_id = r.id AND a.deleted_at IS NULL AND a.review_status = 'approved'
    ORDER BY a.reviewed_at DESC, a.id DESC LIMIT 1) END AS approval_json,
  (SELECT json_array(br.batch_id, br.idx, br.coords) FROM batch_runs br WHERE br.run_id = r.id) AS batch_json,
  (SELECT json_group_array(json_array(bb.id, bb.name)) FROM (SELECT DISTINCT b.id, b.name FROM outputs bo
    JOIN board_outputs bx ON bx.output_id = bo.id JOIN boards b ON b.id = bx.board_id
    WHERE bo.run_id = r.id AND bo.deleted_at IS NULL ORDER BY b.name COLLATE NOCASE, b.id) bb) AS boards_json`;
/** The cover is the run's first live image. */
export const COVER_JOIN = `LEFT JOIN outputs c ON c.id = (SELECT co.id FROM outputs co
  WHERE co.run_id = r.id AND co.deleted_at IS NULL ORDER BY co.idx LIMIT 1)`;
const OUTPUT_COLUMNS = `o.id, o.idx, o.path, o.thumb_path, o.sha256, o.width, o.height, o.format, o.bytes,
  coalesce(rt.rating, 0) AS rating, o.favorite, o.review_status, o.reviewed_at, o.approval_ref, o.reject_reason,
  o.reject_note, o.deleted_at, o.provider_safety`;

/**
 * JSON columns go through `createJsonColumns`: a stored request that is refused stops the read with
 * `StoredDataError` (a run is never retried or reused from a default); the route snapshot, the request as
 * made, warnings and what was sent are shown only, so a refused one reads as absent or empty, and is logged.
 */
export function createRunsRepo(db: LibraryDatabase, log: Logger): RunsRepo {
  const json = createJsonColumns(log);
  const runAt = (id: number, column: string) => ({ table: 'runs', column, id });
  const parseRequest = (runId: number, text: string) =>
    json.require(GenerationRequest, text, runAt(runId, 'request'));
  const parseRequested = (runId: number, text: string | null) =>
    text === null ? null : json.readOr(GenerationRequest, text, runAt(runId, 'requested'), null);
  const parseRoute = (runId: number, text: string | null) =>
    text === null ? null : json.readOr(RunRoute, text, runAt(runId, 'route'), null);
  const insertRun = db.prepare<{
    now: number;
    request: string;
    prompt: string;
    negativePrompt: string;
    provider: string;
    model: string | null;
    seed: number | null;
    count: number;
    taskType: string;
    route: string | null;
    parentRunId: number | null;
    derivation: Derivation | null;
  }>(
    `INSERT INTO runs (created_at, status, request, prompt, negative_prompt, provider, model, seed, count,
       task_type, route, parent_run_id, derivation)
     VALUES (@now, 'queued', @request, @prompt, @negativePrompt, @provider, @model, @seed, @count,
       @taskType, @route, @parentRunId, @derivation)`,
  );
  const runExists = db.prepare<[number], number>('SELECT 1 FROM runs WHERE id = ?').pluck();
  const selectWork = db.prepare<
    [number],
    { id: number; status: RunStatus; request: string; route: string | null; seed: number | null }
  >('SELECT id, status, request, route, seed FROM runs WHERE id = ?');
  const selectNextOrdinal = db
    .prepare<[number], number>('SELECT coalesce(max(ordinal), 0) + 1 FROM attempts WHERE run_id = ?')
    .pluck();
  const selectCached = db.prepare<
    [string],
    { id: number; provider: string; model: string | null; seed: number | null }
  >(
    `SELECT id, provider, model, seed FROM runs
     WHERE cache_key = ? AND status = 'succeeded' ORDER BY id DESC LIMIT 1`,
  );
  const selectOutputFiles = db.prepare<[number], OutputRow>(
    `SELECT ${OUTPUT_COLUMNS} FROM outputs o LEFT JOIN ratings rt ON rt.output_id = o.id
     WHERE o.run_id = ? AND o.deleted_at IS NULL ORDER BY o.idx`,
  );
  const setQueued = db.prepare<[number]>(
    `UPDATE runs SET status = 'queued', finished_at = NULL, duration_ms = NULL, error_code = NULL,
       error_message = NULL
     WHERE id = ? AND status IN ('queued', 'running')`,
  );
  const selectState = db.prepare<[number], { status: RunStatus }>('SELECT status FROM runs WHERE id = ?');
  const setRunning = db.prepare<{ id: number; now: number; seed: number | null; model: string | null }>(
    `UPDATE runs SET status = 'running', started_at = coalesce(started_at, @now), seed = @seed,
       model = coalesce(@model, model)
     WHERE id = @id AND status IN ('queued', 'running')`,
  );
  const insertAttempt = db.prepare<{
    runId: number;
    ordinal: number;
    provider: string;
    model: string;
    requestSent: string;
    outcome: AttemptOutcome;
    httpStatus: number | null;
    providerCode: string | null;
    providerMessage: string | null;
    retryAfterMs: number | null;
    warnings: string;
    startedAt: number;
    latencyMs: number;
    costUsd: number | null;
    costCredits: number | null;
    costBasis: CostBasis | null;
    cached: number;
    serverId: number | null;
  }>(
    `INSERT INTO attempts (run_id, ordinal, provider, model, request_sent, outcome, http_status, provider_code,
       provider_message, retry_after_ms, warnings, started_at, latency_ms, cost_usd, cost_credits, cost_basis,
       cached, server_id)
     VALUES (@runId, @ordinal, @provider, @model, @requestSent, @outcome, @httpStatus, @providerCode,
       @providerMessage, @retryAfterMs, @warnings, @startedAt, @latencyMs, @costUsd, @costCredits, @costBasis,
       @cached, @serverId)`,
  );
  const insertOutput = db.prepare<{
    runId: number;
    attemptId: number | null;
    index: number;
    path: string;
    sha256: string;
    width: number;
    height: number;
    format: string;
    bytes: number;
    thumbPath: string;
    providerSafety: string | null;
  }>(
    `INSERT INTO outputs (run_id, attempt_id, idx, path, sha256, width, height, format, bytes, thumb_path,
       provider_safety)
     VALUES (@runId, @attemptId, @index, @path, @sha256, @width, @height, @format, @bytes, @thumbPath,
       @providerSafety)`,
  );
  // `@now - started_at` is NULL for a run that never started, which is the honest duration.
  const setSucceeded = db.prepare<{
    id: number;
    now: number;
    costUsd: number | null;
    setSeed: number;
    seed: number | null;
    provider: string | null;
    model: string | null;
    costCredits: number | null;
    costBasis: CostBasis | null;
    cachedFrom: number | null;
    cacheKey: string | null;
    warnings: string | null;
  }>(
    `UPDATE runs SET status = 'succeeded', finished_at = @now, duration_ms = @now - started_at, cost_usd = @costUsd,
       seed = CASE WHEN @setSeed THEN @seed ELSE seed END, error_code = NULL, error_message = NULL,
       provider = coalesce(@provider, provider), model = coalesce(@model, model), cost_credits = @costCredits,
       cost_basis = @costBasis, cached_from = @cachedFrom, cache_key = @cacheKey, warnings = coalesce(@warnings, warnings)
     WHERE id = @id`,
  );
  const setFailed = db.prepare<{
    id: number;
    now: number;
    status: RunFailure['status'];
    code: string;
    message: string;
    costUsd: number | null;
    costBasis: CostBasis | null;
    provider: string | null;
    model: string | null;
    warnings: string | null;
  }>(
    `UPDATE runs SET status = @status, finished_at = @now, duration_ms = @now - started_at, error_code = @code,
       error_message = @message, cost_usd = coalesce(@costUsd, cost_usd),
       cost_basis = CASE WHEN @costUsd IS NULL THEN cost_basis ELSE @costBasis END, provider = coalesce(@provider, provider),
       model = coalesce(@model, model), warnings = coalesce(@warnings, warnings)
     WHERE id = @id AND status IN ('queued', 'running')`,
  );
  // No duration: how long the run really ran before the process died is unknown. Runs the job queue
  // still holds are left to it (it resumes or fails them itself).
  const setInterrupted = db.prepare<{ now: number; message: string }, { id: number }>(
    `UPDATE runs SET status = 'failed', finished_at = @now, error_code = 'interrupted', error_message = @message
     WHERE status IN ('queued', 'running')
       AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.run_id = runs.id AND j.state <> 'done')
     RETURNING id`,
  );
  const selectPage = db.prepare<{ before: number; limit: number }, SummaryRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM runs r ${COVER_JOIN}
     WHERE r.id < @before AND r.deleted_at IS NULL ORDER BY r.id DESC LIMIT @limit`,
  );
  // Counts the narrow partial runs_by_created index (live runs only), not the wide table.
  const countRuns = db.prepare<[], number>('SELECT count(*) FROM runs WHERE deleted_at IS NULL').pluck();
  const selectDetail = db.prepare<[number], DetailRow>(
    `SELECT ${SUMMARY_COLUMNS}, r.request, r.route, r.requested, r.started_at, r.finished_at, r.duration_ms
     FROM runs r ${COVER_JOIN} WHERE r.id = ?`,
  );
  const selectSummary = db.prepare<[number], SummaryRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM runs r ${COVER_JOIN} WHERE r.id = ? AND r.deleted_at IS NULL`,
  );
  // Reads the runs_by_parent index.
  const selectChildren = db.prepare<[number], SummaryRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM runs r ${COVER_JOIN}
     WHERE r.parent_run_id = ? AND r.deleted_at IS NULL ORDER BY r.id`,
  );
  const selectAttempts = db.prepare<[number], AttemptRow>(
    `SELECT id, ordinal, provider, model, outcome, http_status, provider_code, provider_message, retry_after_ms,
       request_sent, warnings, started_at, latency_ms, cost_usd, cost_credits, cost_basis, cached, server_id
     FROM attempts WHERE run_id = ? ORDER BY ordinal`,
  );
  const selectOutputs = db.prepare<[number], OutputRow>(
    `SELECT ${OUTPUT_COLUMNS} FROM outputs o LEFT JOIN ratings rt ON rt.output_id = o.id
     WHERE o.run_id = ? ORDER BY o.idx`,
  );
  const selectTags = db
    .prepare<[number], string>(
      `SELECT t.name FROM run_tags rt JOIN tags t ON t.id = rt.tag_id WHERE rt.run_id = ? ORDER BY t.name, t.id`,
    )
    .pluck();
  const outputExists = db.prepare<[number], number>('SELECT 1 FROM outputs WHERE id = ?').pluck();
  const upsertRating = db.prepare<[number, number, number]>(
    `INSERT INTO ratings (output_id, rating, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (output_id) DO UPDATE SET rating = excluded.rating, updated_at = excluded.updated_at`,
  );
  const deleteRating = db.prepare<[number]>('DELETE FROM ratings WHERE output_id = ?');
  const selectRunTagIds = db
    .prepare<[number], number>('SELECT tag_id FROM run_tags WHERE run_id = ?')
    .pluck();
  const clearRunTags = db.prepare<[number]>('DELETE FROM run_tags WHERE run_id = ?');
  const insertTag = db.prepare<[string]>('INSERT INTO tags (name) VALUES (?) ON CONFLICT (name) DO NOTHING');
  const selectTagId = db.prepare<[string], number>('SELECT id FROM tags WHERE name = ?').pluck();
  const insertRunTag = db.prepare<[number, number]>('INSERT INTO run_tags (run_id, tag_id) VALUES (?, ?)');
  const pruneTag = db.prepare<{ id: number }>(
    'DELETE FROM tags WHERE id = @id AND NOT EXISTS (SELECT 1 FROM run_tags WHERE tag_id = @id)',
  );
  const selectPathBySha = db
    .prepare<[string], string>('SELECT path FROM outputs WHERE sha256 = ? ORDER BY id LIMIT 1')
    .pluck();

  function requireStatus(id: number): RunStatus {
    const row = selectState.get(id);
    if (!row) throw new AppError('not_found', `There is no run ${id}.`);
    return row.status;
  }

  const completeRun = db.transaction((id: number, result: RunCompletion) => {
    const status = requireStatus(id);
    if (!UNFINISHED.includes(status)) throw new AppError('conflict', `Run ${id} has already ${status}.`);
    for (const output of result.outputs) {
      insertOutput.run({
        runId: id,
        attemptId: result.attemptId,
        index: output.index,
        path: output.path,
        sha256: output.sha256,
        width: output.width,
        height: output.height,
        format: output.format,
        bytes: output.bytes,
        thumbPath: output.thumbPath,
        providerSafety: output.providerSafety ? JSON.stringify(output.providerSafety) : null,
      });
    }
    setSucceeded.run({
      id,
      now: result.now,
      costUsd: result.costUsd,
      setSeed: result.seed === undefined ? 0 : 1,
      seed: result.seed ?? null,
      provider: result.provider ?? null,
      model: result.model ?? null,
      costCredits: result.costCredits ?? null,
      costBasis: result.costUsd === null ? null : (result.costBasis ?? 'reported'),
      cachedFrom: result.cachedFrom ?? null,
      cacheKey: result.cacheKey ?? null,
      warnings: result.warnings === undefined ? null : JSON.stringify(result.warnings),
    });
  });

  const interrupt = db.transaction((now: number, message: string) =>
    setInterrupted
      .all({ now, message })
      .map((row) => row.id)
      .sort((a, b) => a - b),
  );

  // One read transaction, so the run, its attempts, outputs and tags come from the same snapshot.
  const readDetail = db.transaction((id: number): RunDetail | null => {
    const row = selectDetail.get(id);
    if (!row) return null;
    const requested = parseRequested(row.id, row.requested);
    return {
      ...toSummary(row, json),
      request: parseRequest(row.id, row.request),
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      durationMs: row.duration_ms,
      attempts: selectAttempts.all(id).map((attempt) => toAttempt(attempt, json)),
      outputs: selectOutputs.all(id).map((row) => toOutput(row, json)),
      tags: selectTags.all(id),
      route: parseRoute(row.id, row.route),
      // Only runs rendered from the library carry it, like the version links.
      ...(requested === null ? {} : { requested }),
    };
  });

  const replaceTags = db.transaction((runId: number, tags: readonly string[]): string[] => {
    requireStatus(runId);
    const previous = selectRunTagIds.all(runId);
    clearRunTags.run(runId);
    const kept = new Set<number>();
    for (const name of dedupeTags(tags)) {
      insertTag.run(name);
      const tagId = selectTagId.get(name);
      if (tagId === undefined) throw new Error(`Tag "${name}" vanished while being stored.`);
      insertRunTag.run(runId, tagId);
      kept.add(tagId);
    }
    // Tags no run uses any more would only clutter suggestions.
    for (const tagId of previous) if (!kept.has(tagId)) pruneTag.run({ id: tagId });
    return selectTags.all(runId);
  });

  return {
    create({ request, now, route, parent }) {
      if (parent && runExists.get(parent.runId) === undefined) {
        throw fieldError(['parent', 'runId'], `there is no run ${parent.runId}`);
      }
      const parsed = GenerationRequest.safeParse(request);
      if (!parsed.success) {
        const issues = zodIssues(parsed.error);
        throw new AppError('invalid_input', describeIssues(issues), { issues });
      }
      const normalized = parsed.data;
      const first = route?.chain[0];
      const { lastInsertRowid } = insertRun.run({
        now,
        request: JSON.stringify(normalized),
        prompt: normalized.prompt,
        negativePrompt: normalized.negativePrompt,
        // The provider column ends as the one that produced the image; until then, the first one to try.
        provider: normalized.provider ?? first?.provider ?? '',
        model: normalized.model ?? (normalized.provider ? null : (first?.model ?? null)),
        seed: normalized.seed,
        count: normalized.count,
        taskType: normalized.taskType,
        route: route ? JSON.stringify(route) : null,
        parentRunId: parent?.runId ?? null,
        derivation: parent?.derivation ?? null,
      });
      return Number(lastInsertRowid);
    },

    work(id) {
      const row = selectWork.get(id);
      if (!row) return null;
      return {
        id: row.id,
        status: row.status,
        request: parseRequest(row.id, row.request),
        route: parseRoute(row.id, row.route),
        seed: row.seed,
      };
    },

    nextOrdinal(runId) {
      return selectNextOrdinal.get(runId) ?? 1;
    },

    findCached(cacheKey) {
      const row = selectCached.get(cacheKey);
      if (!row) return null;
      const outputs = selectOutputFiles.all(row.id).map(
        (o): NewOutput => ({
          index: o.idx,
          path: o.path,
          sha256: o.sha256,
          width: o.width,
          height: o.height,
          format: o.format,
          bytes: o.bytes,
          thumbPath: o.thumb_path,
          // The same image: what its provider said about it still holds.
          providerSafety: readSafety(o, json),
        }),
      );
      if (outputs.length === 0) return null;
      return { runId: row.id, provider: row.provider, model: row.model, seed: row.seed, outputs };
    },

    requeue(id) {
      return setQueued.run(id).changes > 0;
    },

    markRunning(id, { now, seed, model }) {
      if (setRunning.run({ id, now, seed, model: model ?? null }).changes > 0) return;
      const status = requireStatus(id);
      throw new AppError('conflict', `Run ${id} has already ${status}; it cannot start again.`);
    },

    recordAttempt(runId, attempt) {
      requireStatus(runId);
      const { lastInsertRowid } = insertAttempt.run({
        runId,
        ordinal: attempt.ordinal,
        provider: attempt.provider,
        model: attempt.model,
        requestSent: JSON.stringify(attempt.requestSent),
        outcome: attempt.outcome,
        httpStatus: attempt.httpStatus,
        providerCode: attempt.providerCode,
        providerMessage: attempt.providerMessage,
        retryAfterMs: attempt.retryAfterMs,
        warnings: JSON.stringify(attempt.warnings),
        startedAt: attempt.startedAt,
        latencyMs: attempt.latencyMs,
        costUsd: attempt.costUsd,
        costCredits: attempt.costCredits ?? null,
        costBasis: attempt.costUsd === null ? null : (attempt.costBasis ?? 'reported'),
        cached: attempt.cached ? 1 : 0,
        serverId: attempt.serverId ?? null,
      });
      return Number(lastInsertRowid);
    },

    complete(id, result) {
      completeRun(id, result);
    },

    fail(id, { now, status, code, message, costUsd, costBasis, provider, model, warnings }) {
      const changed = setFailed.run({
        id,
        now,
        status,
        code,
        message,
        costUsd: costUsd ?? null,
        costBasis: costUsd == null ? null : (costBasis ?? 'reported'),
        provider: provider ?? null,
        model: model ?? null,
        warnings: warnings === undefined ? null : JSON.stringify(warnings),
      }).changes;
      if (changed > 0) return true;
      requireStatus(id);
      return false;
    },

    interruptUnfinished(now, message) {
      return interrupt(now, message);
    },

    list({ before, limit }) {
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
        throw fieldError(['limit'], `must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
      }
      // One extra row tells whether an older page exists without a second query.
      const rows = selectPage.all({ before: before ?? NO_UPPER_BOUND, limit: limit + 1 });
      const items = rows.slice(0, limit).map((row) => toSummary(row, json));
      const nextBefore = rows.length > limit ? (items.at(-1)?.id ?? null) : null;
      return { items, nextBefore, total: countRuns.get() ?? 0 };
    },

    get(id) {
      return readDetail(id);
    },
    lineage(id) {
      const run = selectDetail.get(id);
      if (!run) throw new AppError('not_found', `There is no run ${id}.`);
      const parentRow = run.parent_run_id === null ? undefined : selectSummary.get(run.parent_run_id);
      return {
        parent: parentRow ? toSummary(parentRow, json) : null,
        children: selectChildren.all(id).map((row) => toSummary(row, json)),
      };
    },

    rate(outputId, rating, now) {
      if (!Number.isInteger(rating) || rating < 0 || rating > 5) {
        throw fieldError(['rating'], 'must be 0 (clear) to 5');
      }
      if (outputExists.get(outputId) === undefined)
        throw new AppError('not_found', `There is no output ${outputId}.`);
      if (rating === 0) deleteRating.run(outputId);
      else upsertRating.run(outputId, rating, now);
    },

    setTags(runId, tags) {
      return replaceTags(runId, tags);
    },

    findBySha256(sha256) {
      return selectPathBySha.get(sha256) ?? null;
    },
  };
}

/**
 * Trims, drops empties and keeps the first spelling of each tag. Case folding matches the column's
 * NOCASE collation (ASCII only), so two names this keeps apart are never merged by the database.
 */
export function dedupeTags(tags: readonly string[]): string[] {
  const seen = new Set<string>();
  const kept: string[] = [];
  for (const raw of tags) {
    const name = raw.trim();
    const key = name.replace(/[A-Z]/g, (c) => c.toLowerCase());
    if (name === '' || seen.has(key)) continue;
    seen.add(key);
    kept.push(name);
  }
  return kept;
}

export function toSummary(row: SummaryRow, json: JsonColumns): RunSummary {
  const at = (column: string) => ({ table: 'runs', column, id: row.id });
  return {
    id: row.id,
    createdAt: row.created_at,
    status: row.status,
    prompt: row.prompt,
    provider: row.provider,
    model: row.model,
    seed: row.seed,
    count: row.count,
    costUsd: row.cost_usd,
    outputsCount: row.outputs_count,
    qualityFlags: row.quality_flags,
    cover:
      row.cover_thumb === null
        ? null
        : {
            ...(row.cover_id === null ? {} : { outputId: row.cover_id }),
            path: row.cover_path ?? row.cover_thumb,
            thumbPath: row.cover_thumb,
            width: row.cover_width ?? 0,
            height: row.cover_height ?? 0,
          },
    error: row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? '' },
    taskType: TaskType.catch('default').parse(row.task_type),
    cachedFrom: row.cached_from,
    costCredits: row.cost_credits,
    costBasis: row.cost_basis,
    warnings: [
      ...json.readOr(Strings, row.library_warnings, at('library_warnings'), []),
      ...json.readOr(Strings, row.warnings, at('warnings'), []),
    ],
    // Only runs rendered from the library carry the link.
    ...(row.style_version_id === null ? {} : { styleVersionId: row.style_version_id }),
    ...(row.template_version_id === null ? {} : { templateVersionId: row.template_version_id }),
    bestRating: row.best_rating,
    tags: json.readOr(Strings, row.tags_json, at('tags'), []),
    favorite: row.has_favorite === 1,
    reviewStates: REVIEW_STATUSES.filter((_, bit) => (row.review_mask & (1 << bit)) !== 0),
    parentRunId: row.parent_run_id,
    derivation: row.derivation,
    deletedAt: row.deleted_at,
    // Only imported runs carry where they were made.
    ...(row.source === null ? {} : { source: row.source }),
    approval: readApproval(row, json),
    // Only runs a batch made carry it.
    ...readBatch(row, json),
    boards: json.readOr(BoardPairs, row.boards_json, at('boards'), []).map(([id, name]) => ({ id, name })),
  };
}

const BoardPairs = z.array(z.tuple([z.number(), z.string()]));
const BatchTuple = z.tuple([z.number(), z.number(), z.string()]);
const Coords = z.record(z.string(), z.union([z.string(), z.number()]));

function readBatch(row: SummaryRow, json: JsonColumns): Pick<RunSummary, 'batch'> {
  if (row.batch_json === null) return {};
  const at = { table: 'batch_runs', column: 'coords', id: row.id };
  const tuple = json.readOr(BatchTuple, row.batch_json, at, null);
  if (!tuple) return {};
  return { batch: { id: tuple[0], index: tuple[1], coords: json.readOr(Coords, tuple[2], at, {}) } };
}

const ApprovalTuple = z.tuple([z.number().nullable(), z.string().nullable()]);

function readApproval(row: SummaryRow, json: JsonColumns): RunSummary['approval'] {
  if (row.approval_json === null) return null;
  const tuple = json.readOr(
    ApprovalTuple,
    row.approval_json,
    { table: 'runs', column: 'approval', id: row.id },
    null,
  );
  return tuple ? { at: tuple[0], ref: tuple[1] } : null;
}

function toAttempt(row: AttemptRow, json: JsonColumns): AttemptRecord {
  const at = (column: string) => ({ table: 'attempts', column, id: row.id });
  return {
    id: row.id,
    ordinal: row.ordinal,
    provider: row.provider,
    model: row.model,
    outcome: row.outcome,
    httpStatus: row.http_status,
    providerCode: row.provider_code,
    providerMessage: row.provider_message,
    retryAfterMs: row.retry_after_ms,
    requestSent: json.readOr(JsonObject, row.request_sent, at('request_sent'), {}),
    warnings: json.readOr(Strings, row.warnings, at('warnings'), []),
    startedAt: row.started_at,
    latencyMs: row.latency_ms,
    costUsd: row.cost_usd,
    costCredits: row.cost_credits,
    costBasis: row.cost_basis,
    cached: row.cached === 1,
    serverId: row.server_id,
  };
}

/** Shown only: a stored flag that no longer reads is logged and shown as absent. */
function readSafety(row: OutputRow, json: JsonColumns): ProviderSafety | null {
  if (row.provider_safety === null) return null;
  return json.readOr(
    ProviderSafety,
    row.provider_safety,
    { table: 'outputs', column: 'provider_safety', id: row.id },
    null,
  );
}

function toOutput(row: OutputRow, json: JsonColumns): OutputRecord {
  return {
    id: row.id,
    index: row.idx,
    path: row.path,
    thumbPath: row.thumb_path,
    sha256: row.sha256,
    width: row.width,
    height: row.height,
    format: row.format,
    bytes: row.bytes,
    rating: row.rating,
    favorite: row.favorite === 1,
    reviewStatus: row.review_status,
    reviewedAt: row.reviewed_at,
    approvalRef: row.approval_ref,
    rejectReason: row.reject_reason,
    rejectNote: row.reject_note,
    deletedAt: row.deleted_at,
    providerSafety: readSafety(row, json),
  };
}

const Strings = z.array(z.string());
const JsonObject = z.record(z.string(), z.unknown());
