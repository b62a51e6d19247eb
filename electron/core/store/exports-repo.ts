import { BatchCoords } from '../../../shared/batches-contract';
import type { AltText, ExportReport, ExportState } from '../../../shared/export-contract';
import { fieldError } from '../../../shared/result';
import type { Logger } from '../ports';
import type { LibraryDatabase } from './db';
import { createJsonColumns } from './json-column';

/** What an export needs of one output: its file, its run's facts and who approved it. */
export interface ExportSourceRow {
  outputId: number;
  runId: number;
  index: number;
  path: string;
  thumbPath: string;
  width: number;
  height: number;
  format: string;
  bytes: number;
  prompt: string;
  seed: number | null;
  /** The aspect ratio the run asked for (`16:9`); null when its request names none (some imports). */
  aspectRatio: string | null;
  /** The provider and model that made it (the attempt's), else the run's. */
  provider: string;
  model: string | null;
  styleVersionId: number | null;
  /** The batch that made the run, its item (0-based) and coordinates; null when no batch did. */
  batch: { id: number; index: number; coords: BatchCoords | null } | null;
  /** Where an imported run came from (`a1111`, …); null for runs generated here. */
  importedFrom: string | null;
  reviewStatus: string;
  approvalRef: string | null;
  reviewedAt: number | null;
  createdAt: number;
}

export interface NewExport {
  id: string;
  folder: string;
  staging: string;
  options: string;
  total: number;
  startedAt: number;
}

export interface ExportRow extends ExportReport {
  staging: string;
  options: string;
}

/** Alt text, crop nudges and export records (migration 9). */
export interface ExportsRepo {
  /** Live approved outputs of live runs, oldest first. */
  approvedOutputIds(limit: number): number[];
  /** The rows of these outputs that exist and are live, in the order asked. */
  sources(outputIds: readonly number[]): ExportSourceRow[];
  altText(outputId: number): AltText | null;
  altTexts(outputIds: readonly number[]): Map<number, AltText>;
  /** Saves the text; `approve` records who and when, otherwise an earlier approval is withdrawn. */
  saveAltText(
    outputId: number,
    change: { text: string; source: string; approve: boolean; approvedBy: string | null },
    now: number,
  ): AltText;
  crop(outputId: number, presetId: string): { x: number; y: number } | null;
  setCrop(outputId: number, presetId: string, offset: { x: number; y: number }, now: number): void;
  insert(row: NewExport): void;
  progress(id: string, counts: { done: number; written: number; skipped: number }): void;
  finish(
    id: string,
    end: { state: ExportState; zip: string | null; error: { code: string; message: string } | null },
    now: number,
  ): void;
  get(id: string): ExportRow | null;
  list(limit: number): ExportRow[];
  /** Exports a previous process left running: marked interrupted, returned so their staging can go. */
  interruptRunning(now: number): ExportRow[];
}

interface SourceDbRow {
  output_id: number;
  run_id: number;
  idx: number;
  path: string;
  thumb_path: string;
  width: number;
  height: number;
  format: string;
  bytes: number;
  prompt: string;
  seed: number | null;
  aspect_ratio: string | null;
  provider: string;
  model: string | null;
  style_version_id: number | null;
  batch_id: number | null;
  batch_idx: number | null;
  batch_coords: string | null;
  source: string | null;
  review_status: string;
  approval_ref: string | null;
  reviewed_at: number | null;
  created_at: number;
}

interface AltDbRow {
  output_id: number;
  text: string;
  source: string;
  approved_by: string | null;
  approved_at: number | null;
  updated_at: number;
}

interface ExportDbRow {
  id: string;
  state: ExportState;
  folder: string;
  staging: string;
  options: string;
  total: number;
  done: number;
  written: number;
  skipped: number;
  zip: string | null;
  error_code: string | null;
  error_message: string | null;
  started_at: number;
  finished_at: number | null;
}

const altOf = (row: AltDbRow): AltText => ({
  outputId: row.output_id,
  text: row.text,
  source: row.source,
  approved: row.approved_at !== null,
  approvedBy: row.approved_by,
  approvedAt: row.approved_at,
  updatedAt: row.updated_at,
});

const exportOf = (row: ExportDbRow): ExportRow => ({
  id: row.id,
  state: row.state,
  folder: row.folder,
  staging: row.staging,
  options: row.options,
  total: row.total,
  done: row.done,
  written: row.written,
  skipped: row.skipped,
  zip: row.zip,
  error:
    row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? row.error_code },
  startedAt: row.started_at,
  finishedAt: row.finished_at,
});

export function createExportsRepo(db: LibraryDatabase, log: Logger): ExportsRepo {
  const json = createJsonColumns(log);
  const selectApproved = db
    .prepare<[number], number>(
      `SELECT o.id FROM outputs o JOIN runs r ON r.id = o.run_id
       WHERE o.review_status = 'approved' AND o.deleted_at IS NULL AND r.deleted_at IS NULL
       ORDER BY o.id LIMIT ?`,
    )
    .pluck();
  const selectSource = db.prepare<[number], SourceDbRow>(
    `SELECT o.id AS output_id, o.run_id, o.idx, o.path, o.thumb_path, o.width, o.height, o.format, o.bytes,
       r.prompt, r.seed, json_extract(r.request, '$.aspectRatio') AS aspect_ratio,
       coalesce(a.provider, r.provider) AS provider, coalesce(a.model, r.model) AS model,
       r.style_version_id, br.batch_id, br.idx AS batch_idx, br.coords AS batch_coords,
       r.source, o.review_status, o.approval_ref, o.reviewed_at, r.created_at
     FROM outputs o JOIN runs r ON r.id = o.run_id LEFT JOIN attempts a ON a.id = o.attempt_id
       LEFT JOIN batch_runs br ON br.run_id = r.id
     WHERE o.id = ? AND o.deleted_at IS NULL AND r.deleted_at IS NULL`,
  );
  const selectAlt = db.prepare<[number], AltDbRow>('SELECT * FROM output_alt_text WHERE output_id = ?');
  const upsertAlt = db.prepare<AltDbRow>(
    `INSERT INTO output_alt_text (output_id, text, source, approved_by, approved_at, updated_at)
     VALUES (@output_id, @text, @source, @approved_by, @approved_at, @updated_at)
     ON CONFLICT (output_id) DO UPDATE SET text = excluded.text, source = excluded.source,
       approved_by = excluded.approved_by, approved_at = excluded.approved_at, updated_at = excluded.updated_at`,
  );
  const outputExists = db.prepare<[number], number>('SELECT 1 FROM outputs WHERE id = ?').pluck();
  const selectCrop = db.prepare<[number, string], { offset_x: number; offset_y: number }>(
    'SELECT offset_x, offset_y FROM export_crops WHERE output_id = ? AND preset_id = ?',
  );
  const upsertCrop = db.prepare<[number, string, number, number, number]>(
    `INSERT INTO export_crops (output_id, preset_id, offset_x, offset_y, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (output_id, preset_id) DO UPDATE SET offset_x = excluded.offset_x,
       offset_y = excluded.offset_y, updated_at = excluded.updated_at`,
  );
  const insertExport = db.prepare<NewExport>(
    `INSERT INTO exports (id, state, folder, staging, options, total, started_at)
     VALUES (@id, 'running', @folder, @staging, @options, @total, @startedAt)`,
  );
  const updateProgress = db.prepare<{ id: string; done: number; written: number; skipped: number }>(
    'UPDATE exports SET done = @done, written = @written, skipped = @skipped WHERE id = @id',
  );
  const updateFinish = db.prepare<{
    id: string;
    state: ExportState;
    zip: string | null;
    code: string | null;
    message: string | null;
    now: number;
  }>(
    `UPDATE exports SET state = @state, zip = @zip, error_code = @code, error_message = @message,
       finished_at = @now WHERE id = @id`,
  );
  const selectExport = db.prepare<[string], ExportDbRow>('SELECT * FROM exports WHERE id = ?');
  const selectExports = db.prepare<[number], ExportDbRow>(
    'SELECT * FROM exports ORDER BY started_at DESC, rowid DESC LIMIT ?',
  );
  const selectRunning = db.prepare<[], ExportDbRow>("SELECT * FROM exports WHERE state = 'running'");
  const markInterrupted = db.prepare<[number, string]>(
    `UPDATE exports SET state = 'interrupted', error_code = 'interrupted',
       error_message = 'Atelier stopped during this export; nothing it staged was kept.', finished_at = ?
     WHERE id = ? AND state = 'running'`,
  );

  const interruptRunning = db.transaction((now: number) => {
    const rows = selectRunning.all();
    for (const row of rows) markInterrupted.run(now, row.id);
    return rows.map((row) => exportOf({ ...row, state: 'interrupted' }));
  });

  return {
    approvedOutputIds: (limit) => selectApproved.all(limit),
    sources(outputIds) {
      const rows: ExportSourceRow[] = [];
      for (const id of outputIds) {
        const row = selectSource.get(id);
        if (!row) continue;
        rows.push({
          outputId: row.output_id,
          runId: row.run_id,
          index: row.idx,
          path: row.path,
          thumbPath: row.thumb_path,
          width: row.width,
          height: row.height,
          format: row.format,
          bytes: row.bytes,
          prompt: row.prompt,
          seed: row.seed,
          aspectRatio: typeof row.aspect_ratio === 'string' ? row.aspect_ratio : null,
          provider: row.provider,
          model: row.model,
          styleVersionId: row.style_version_id,
          batch:
            row.batch_id === null || row.batch_idx === null
              ? null
              : {
                  id: row.batch_id,
                  index: row.batch_idx,
                  // Shown in names and the manifest only: a row that no longer parses shows no coordinates.
                  coords:
                    row.batch_coords === null
                      ? null
                      : json.readOr(
                          BatchCoords,
                          row.batch_coords,
                          { table: 'batch_runs', column: 'coords', id: row.run_id },
                          null,
                        ),
                },
          importedFrom: row.source,
          reviewStatus: row.review_status,
          approvalRef: row.approval_ref,
          reviewedAt: row.reviewed_at,
          createdAt: row.created_at,
        });
      }
      return rows;
    },
    altText(outputId) {
      const row = selectAlt.get(outputId);
      return row ? altOf(row) : null;
    },
    altTexts(outputIds) {
      const found = new Map<number, AltText>();
      for (const id of outputIds) {
        const row = selectAlt.get(id);
        if (row) found.set(id, altOf(row));
      }
      return found;
    },
    saveAltText(outputId, change, now) {
      if (outputExists.get(outputId) === undefined)
        throw fieldError(['outputId'], `there is no output ${outputId}`);
      const row: AltDbRow = {
        output_id: outputId,
        text: change.text,
        source: change.source,
        approved_by: change.approve ? change.approvedBy : null,
        approved_at: change.approve ? now : null,
        updated_at: now,
      };
      upsertAlt.run(row);
      return altOf(row);
    },
    crop(outputId, presetId) {
      const row = selectCrop.get(outputId, presetId);
      return row ? { x: row.offset_x, y: row.offset_y } : null;
    },
    setCrop(outputId, presetId, offset, now) {
      if (outputExists.get(outputId) === undefined)
        throw fieldError(['outputId'], `there is no output ${outputId}`);
      upsertCrop.run(outputId, presetId, offset.x, offset.y, now);
    },
    insert: (row) => {
      insertExport.run(row);
    },
    progress: (id, counts) => {
      updateProgress.run({ id, ...counts });
    },
    finish: (id, end, now) => {
      updateFinish.run({
        id,
        state: end.state,
        zip: end.zip,
        code: end.error?.code ?? null,
        message: end.error?.message ?? null,
        now,
      });
    },
    get(id) {
      const row = selectExport.get(id);
      return row ? exportOf(row) : null;
    },
    list: (limit) => selectExports.all(limit).map(exportOf),
    interruptRunning: (now) => interruptRunning(now),
  };
}
