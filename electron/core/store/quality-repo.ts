import { z } from 'zod';
import { GenerationRequest } from '../../../shared/domain';
import type { QualityCheckRecord, QualityFlag } from '../../../shared/quality-contract';
import type { Logger } from '../ports';
import type { LibraryDatabase } from './db';
import { createJsonColumns } from './json-column';

/** What the checks need to judge one output: its file, what was asked, and who made it. */
export interface QualityTarget {
  outputId: number;
  runId: number;
  path: string;
  width: number;
  height: number;
  /** The request as sent to dispatch (null when its stored JSON no longer parses). */
  request: GenerationRequest | null;
  taskType: string;
  /** The provider and model of the attempt that made it (null for imported runs). */
  provider: string | null;
  model: string | null;
}

/** One stored perceptual hash, for rebuilding the near-duplicate index. */
export interface StoredHash {
  kind: 'output' | 'reference';
  id: number;
  /** The output's run (null for a reference). */
  runId: number | null;
  phash: string;
}

export interface QualityRepo {
  /** Stores the results (replacing earlier ones of the same checks) and the output's flag count, in one step. */
  save(records: readonly QualityCheckRecord[]): void;
  forOutput(outputId: number): QualityCheckRecord[];
  forRun(runId: number): QualityCheckRecord[];
  /** Failed and not-run checks per output, for the review queue. */
  flags(outputIds: readonly number[]): Map<number, QualityFlag[]>;
  target(outputId: number): QualityTarget | null;
  /** Live outputs of live runs, oldest first (the library re-run). */
  liveOutputIds(): number[];
  /** The outputs a run holds now. */
  outputsOfRun(runId: number): number[];
  putOutputHash(outputId: number, phash: string): void;
  putReferenceHash(referenceId: number, phash: string): void;
  /** References with no stored hash yet: id and original path. */
  referencesWithoutHash(): Array<{ id: number; path: string }>;
  reference(referenceId: number): { id: number; path: string } | null;
  /** Every stored hash of live outputs and of references. */
  hashes(): StoredHash[];
}

interface CheckRow {
  output_id: number;
  check: QualityCheckRecord['check'];
  result: QualityCheckRecord['result'];
  score: number | null;
  threshold: number | null;
  check_version: string;
  reason: string | null;
  details: string;
  checked_at: number;
}

const Details = z.record(z.string(), z.unknown());

export function createQualityRepo(db: LibraryDatabase, log: Logger): QualityRepo {
  const json = createJsonColumns(log);
  const upsert = db.prepare<{
    outputId: number;
    check: string;
    result: string;
    score: number | null;
    threshold: number | null;
    version: string;
    reason: string | null;
    details: string;
    at: number;
  }>(
    `INSERT INTO quality_checks (output_id, "check", result, score, threshold, check_version, reason, details, checked_at)
     VALUES (@outputId, @check, @result, @score, @threshold, @version, @reason, @details, @at)
     ON CONFLICT (output_id, "check") DO UPDATE SET result = excluded.result, score = excluded.score,
       threshold = excluded.threshold, check_version = excluded.check_version, reason = excluded.reason,
       details = excluded.details, checked_at = excluded.checked_at`,
  );
  const updateFlag = db.prepare<[number]>(
    `UPDATE outputs SET quality_flag =
       (SELECT count(*) FROM quality_checks q WHERE q.output_id = outputs.id AND q.result <> 'pass')
     WHERE id = ?`,
  );
  const columns = `output_id, "check", result, score, threshold, check_version, reason, details, checked_at`;
  const byOutput = db.prepare<[number], CheckRow>(
    `SELECT ${columns} FROM quality_checks WHERE output_id = ? ORDER BY "check"`,
  );
  const byRun = db.prepare<[number], CheckRow>(
    `SELECT ${columns} FROM quality_checks WHERE output_id IN (SELECT id FROM outputs WHERE run_id = ?)
     ORDER BY output_id, "check"`,
  );
  const flagged = db.prepare<[number], CheckRow>(
    `SELECT ${columns} FROM quality_checks WHERE output_id = ? AND result <> 'pass' ORDER BY "check"`,
  );
  const selectTarget = db.prepare<
    [number],
    {
      id: number;
      run_id: number;
      path: string;
      width: number;
      height: number;
      request: string;
      task_type: string;
      provider: string | null;
      model: string | null;
    }
  >(
    `SELECT o.id, o.run_id, o.path, o.width, o.height, r.request, r.task_type, a.provider, a.model
     FROM outputs o JOIN runs r ON r.id = o.run_id LEFT JOIN attempts a ON a.id = o.attempt_id
     WHERE o.id = ?`,
  );
  const selectLive = db
    .prepare<[], number>(
      `SELECT o.id FROM outputs o JOIN runs r ON r.id = o.run_id
       WHERE o.deleted_at IS NULL AND r.deleted_at IS NULL ORDER BY o.id`,
    )
    .pluck();
  const selectOfRun = db
    .prepare<[number], number>('SELECT id FROM outputs WHERE run_id = ? ORDER BY idx')
    .pluck();
  const putOutput = db.prepare<[number, string]>(
    `INSERT INTO output_hashes (output_id, phash) VALUES (?, ?)
     ON CONFLICT (output_id) DO UPDATE SET phash = excluded.phash`,
  );
  const putReference = db.prepare<[number, string]>(
    `INSERT INTO reference_hashes (reference_id, phash) VALUES (?, ?)
     ON CONFLICT (reference_id) DO UPDATE SET phash = excluded.phash`,
  );
  const unhashed = db.prepare<[], { id: number; path: string }>(
    `SELECT r.id, r.original_path AS path FROM reference_images r
     WHERE NOT EXISTS (SELECT 1 FROM reference_hashes h WHERE h.reference_id = r.id) ORDER BY r.id`,
  );
  const selectReference = db.prepare<[number], { id: number; path: string }>(
    'SELECT id, original_path AS path FROM reference_images WHERE id = ?',
  );
  const selectHashes = db.prepare<
    [],
    { kind: 'output' | 'reference'; id: number; run_id: number | null; phash: string }
  >(
    `SELECT 'output' AS kind, h.output_id AS id, o.run_id, h.phash FROM output_hashes h
       JOIN outputs o ON o.id = h.output_id WHERE o.deleted_at IS NULL
     UNION ALL
     SELECT 'reference', reference_id, NULL, phash FROM reference_hashes`,
  );

  const toRecord = (row: CheckRow): QualityCheckRecord => {
    const details = json.read(Details, row.details, {
      table: 'quality_checks',
      column: 'details',
      id: `${row.output_id}/${row.check}`,
    });
    return {
      outputId: row.output_id,
      check: row.check,
      result: row.result,
      score: row.score,
      threshold: row.threshold,
      version: row.check_version,
      reason: row.reason,
      details: details.ok ? details.value : {},
      checkedAt: row.checked_at,
    };
  };

  const save = db.transaction((records: readonly QualityCheckRecord[]) => {
    const outputs = new Set<number>();
    for (const r of records) {
      upsert.run({
        outputId: r.outputId,
        check: r.check,
        result: r.result,
        score: r.score,
        threshold: r.threshold,
        version: r.version,
        reason: r.reason,
        details: JSON.stringify(r.details),
        at: r.checkedAt,
      });
      outputs.add(r.outputId);
    }
    for (const id of outputs) updateFlag.run(id);
  });

  return {
    save(records) {
      if (records.length > 0) save(records);
    },
    forOutput: (outputId) => byOutput.all(outputId).map(toRecord),
    forRun: (runId) => byRun.all(runId).map(toRecord),
    flags(outputIds) {
      const map = new Map<number, QualityFlag[]>();
      for (const id of outputIds) {
        const rows = flagged.all(id);
        if (rows.length === 0) continue;
        map.set(
          id,
          rows.map(toRecord).map(({ check, result, reason, score, threshold, details }) => ({
            check,
            result,
            reason,
            score,
            threshold,
            details,
          })),
        );
      }
      return map;
    },
    target(outputId) {
      const row = selectTarget.get(outputId);
      if (!row) return null;
      const request = json.read(GenerationRequest, row.request, {
        table: 'runs',
        column: 'request',
        id: row.run_id,
      });
      return {
        outputId: row.id,
        runId: row.run_id,
        path: row.path,
        width: row.width,
        height: row.height,
        request: request.ok ? request.value : null,
        taskType: row.task_type,
        provider: row.provider,
        model: row.model,
      };
    },
    liveOutputIds: () => selectLive.all(),
    outputsOfRun: (runId) => selectOfRun.all(runId),
    putOutputHash: (outputId, phash) => void putOutput.run(outputId, phash),
    putReferenceHash: (referenceId, phash) => void putReference.run(referenceId, phash),
    referencesWithoutHash: () => unhashed.all(),
    reference: (referenceId) => selectReference.get(referenceId) ?? null,
    hashes: () =>
      selectHashes.all().map((row) => ({ kind: row.kind, id: row.id, runId: row.run_id, phash: row.phash })),
  };
}
