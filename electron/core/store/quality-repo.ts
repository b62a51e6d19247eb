import { GenerationRequest, ProviderSafety } from '../../../shared/domain';
import type { QualityCheckRecord, QualityFlag, ReferenceCheckRecord } from '../../../shared/quality-contract';
import type { Logger } from '../ports';
import {
  CHECK_COLUMNS,
  type CheckColumns,
  type CheckParams,
  checkParams,
  checkRecord,
  upsertCheckSql,
} from './check-rows';
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
  /** The provider's own safety verdict on this image, where it sent one (null otherwise). */
  providerSafety: ProviderSafety | null;
}

/** A reference image as the gate sees it: its original file, and what has been done to it so far. */
export interface QualityReference {
  id: number;
  path: string;
  hashed: boolean;
  /** The checks stored for it (today `nsfw` or none). */
  checked: ReadonlyArray<ReferenceCheckRecord['check']>;
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
  /** Every reference, oldest first (the library re-run). */
  referenceIds(): number[];
  reference(referenceId: number): QualityReference | null;
  /** Stores a reference's check results (replacing earlier ones of the same checks). */
  saveReferenceChecks(referenceId: number, records: readonly ReferenceCheckRecord[]): void;

  /** Every stored hash of live outputs and of references. */
  hashes(): StoredHash[];
}

interface CheckRow extends CheckColumns {
  output_id: number;
}

export function createQualityRepo(db: LibraryDatabase, log: Logger): QualityRepo {
  const json = createJsonColumns(log);
  const upsert = db.prepare<CheckParams>(upsertCheckSql('quality_checks', 'output_id'));
  const updateFlag = db.prepare<[number]>(
    `UPDATE outputs SET quality_flag =
       (SELECT count(*) FROM quality_checks q WHERE q.output_id = outputs.id AND q.result <> 'pass')
     WHERE id = ?`,
  );
  const columns = `output_id, ${CHECK_COLUMNS}`;
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
      provider_safety: string | null;
    }
  >(
    `SELECT o.id, o.run_id, o.path, o.width, o.height, r.request, r.task_type, a.provider, a.model,
       o.provider_safety
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
  const selectReferenceIds = db.prepare<[], number>('SELECT id FROM reference_images ORDER BY id').pluck();
  const selectReference = db.prepare<[number], { id: number; path: string; hashed: number; checked: string }>(
    `SELECT r.id, r.original_path AS path,
       EXISTS (SELECT 1 FROM reference_hashes h WHERE h.reference_id = r.id) AS hashed,
       (SELECT json_group_array(c."check") FROM reference_checks c WHERE c.reference_id = r.id) AS checked
     FROM reference_images r WHERE r.id = ?`,
  );
  const upsertReferenceCheck = db.prepare<CheckParams>(upsertCheckSql('reference_checks', 'reference_id'));
  const selectHashes = db.prepare<
    [],
    { kind: 'output' | 'reference'; id: number; run_id: number | null; phash: string }
  >(
    `SELECT 'output' AS kind, h.output_id AS id, o.run_id, h.phash FROM output_hashes h
       JOIN outputs o ON o.id = h.output_id WHERE o.deleted_at IS NULL
     UNION ALL
     SELECT 'reference', reference_id, NULL, phash FROM reference_hashes`,
  );

  const toRecord = (row: CheckRow): QualityCheckRecord => ({
    outputId: row.output_id,
    ...checkRecord(json, row, {
      table: 'quality_checks',
      column: 'details',
      id: `${row.output_id}/${row.check}`,
    }),
  });

  const save = db.transaction((records: readonly QualityCheckRecord[]) => {
    const outputs = new Set<number>();
    for (const r of records) {
      upsert.run(checkParams(r.outputId, r));
      outputs.add(r.outputId);
    }
    for (const id of outputs) updateFlag.run(id);
  });

  const saveReferenceChecks = db.transaction(
    (referenceId: number, records: readonly ReferenceCheckRecord[]) => {
      for (const r of records) upsertReferenceCheck.run(checkParams(referenceId, r));
    },
  );

  function readSafety(text: string | null, outputId: number): ProviderSafety | null {
    if (text === null) return null;
    const safety = json.read(ProviderSafety, text, {
      table: 'outputs',
      column: 'provider_safety',
      id: outputId,
    });
    return safety.ok ? safety.value : null;
  }

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
        providerSafety: readSafety(row.provider_safety, row.id),
      };
    },
    liveOutputIds: () => selectLive.all(),
    outputsOfRun: (runId) => selectOfRun.all(runId),
    putOutputHash: (outputId, phash) => void putOutput.run(outputId, phash),
    putReferenceHash: (referenceId, phash) => void putReference.run(referenceId, phash),
    referenceIds: () => selectReferenceIds.all(),
    reference(referenceId) {
      const row = selectReference.get(referenceId);
      if (!row) return null;
      const checked = JSON.parse(row.checked) as Array<ReferenceCheckRecord['check']>;
      return { id: row.id, path: row.path, hashed: row.hashed === 1, checked };
    },
    saveReferenceChecks(referenceId, records) {
      saveReferenceChecks(referenceId, records);
    },
    hashes: () =>
      selectHashes.all().map((row) => ({ kind: row.kind, id: row.id, runId: row.run_id, phash: row.phash })),
  };
}
