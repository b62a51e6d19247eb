import { z } from 'zod';
import { GenerationRequest } from '../../../shared/domain';
import { ImportedParameters, type ImportSource } from '../../../shared/import-contract';
import type { Logger } from '../ports';
import type { LibraryDatabase } from './db';
import { createJsonColumns } from './json-column';
import type { NewOutput } from './runs-repo';

export interface NewImportedRun {
  source: ImportSource;
  /** sha256 of the file as it came in: the dedupe key. */
  sha256: string;
  fileName: string;
  raw: Record<string, string>;
  parameters: ImportedParameters | null;
  /** The closest Atelier request (what *Reproduce on… → route* sends). */
  request: GenerationRequest;
  /** The full prompt as the tool wrote it (searched by History); the request's may be cut to the limit. */
  prompt: string;
  negativePrompt: string;
  /** The provider column: the tool's name as a provider id (`comfyui`, `midjourney`…). */
  provider: string;
  model: string | null;
  /** Only when it fits a JavaScript number exactly; the parameters keep every digit. */
  seed: number | null;
  output: NewOutput;
  now: number;
}

export interface StoredImport {
  runId: number;
  source: ImportSource;
  fileName: string;
  sha256: string;
  importedAt: number;
  parameters: ImportedParameters | null;
  raw: Record<string, string>;
}

export interface ImportsRepo {
  /** The run already holding these bytes (an earlier import, or any run's output), if any. */
  findBySha(sha256: string): number | null;
  /** Records the run, its one output and the import, all or nothing; null when the bytes were imported meanwhile. */
  insert(run: NewImportedRun): number | null;
  get(runId: number): StoredImport | null;
}

const Raw = z.record(z.string(), z.string());

export function createImportsRepo(db: LibraryDatabase, log: Logger): ImportsRepo {
  const json = createJsonColumns(log);
  const selectImported = db
    .prepare<[string], number>('SELECT run_id FROM run_imports WHERE sha256 = ?')
    .pluck();
  const selectOutput = db
    .prepare<[string], number>('SELECT run_id FROM outputs WHERE sha256 = ? ORDER BY id LIMIT 1')
    .pluck();
  const insertRun = db.prepare<{
    now: number;
    request: string;
    prompt: string;
    negativePrompt: string;
    provider: string;
    model: string | null;
    seed: number | null;
    source: ImportSource;
  }>(
    `INSERT INTO runs (created_at, status, request, prompt, negative_prompt, provider, model, seed, count, task_type,
       started_at, finished_at, source)
     VALUES (@now, 'succeeded', @request, @prompt, @negativePrompt, @provider, @model, @seed, 1, 'default',
       @now, @now, @source)`,
  );
  const insertOutput = db.prepare<{
    runId: number;
    path: string;
    sha256: string;
    width: number;
    height: number;
    format: string;
    bytes: number;
    thumbPath: string;
  }>(
    `INSERT INTO outputs (run_id, attempt_id, idx, path, sha256, width, height, format, bytes, thumb_path)
     VALUES (@runId, NULL, 0, @path, @sha256, @width, @height, @format, @bytes, @thumbPath)`,
  );
  const insertImport = db.prepare<{
    runId: number;
    source: ImportSource;
    sha256: string;
    fileName: string;
    raw: string;
    parameters: string | null;
    now: number;
  }>(
    `INSERT INTO run_imports (run_id, source, sha256, file_name, raw, parameters, imported_at)
     VALUES (@runId, @source, @sha256, @fileName, @raw, @parameters, @now)
     ON CONFLICT (sha256) DO NOTHING`,
  );
  const selectImport = db.prepare<
    [number],
    {
      run_id: number;
      source: ImportSource;
      sha256: string;
      file_name: string;
      raw: string;
      parameters: string | null;
      imported_at: number;
    }
  >(
    'SELECT run_id, source, sha256, file_name, raw, parameters, imported_at FROM run_imports WHERE run_id = ?',
  );

  const insert = db.transaction((run: NewImportedRun): number | null => {
    const runId = Number(
      insertRun.run({
        now: run.now,
        request: JSON.stringify(GenerationRequest.parse(run.request)),
        prompt: run.prompt,
        negativePrompt: run.negativePrompt,
        provider: run.provider,
        model: run.model,
        seed: run.seed,
        source: run.source,
      }).lastInsertRowid,
    );
    const recorded = insertImport.run({
      runId,
      source: run.source,
      sha256: run.sha256,
      fileName: run.fileName,
      raw: JSON.stringify(run.raw),
      parameters: run.parameters === null ? null : JSON.stringify(run.parameters),
      now: run.now,
    });
    if (recorded.changes === 0) throw new DuplicateImport();
    insertOutput.run({ runId, ...run.output });
    return runId;
  });

  return {
    findBySha: (sha256) => selectImported.get(sha256) ?? selectOutput.get(sha256) ?? null,
    insert(run) {
      try {
        return insert(run);
      } catch (error) {
        // Another file with the same bytes won the race; the transaction rolled this run back.
        if (error instanceof DuplicateImport) return null;
        throw error;
      }
    },
    get(runId) {
      const row = selectImport.get(runId);
      if (!row) return null;
      const at = (column: string) => ({ table: 'run_imports', column, id: runId });
      return {
        runId: row.run_id,
        source: row.source,
        fileName: row.file_name,
        sha256: row.sha256,
        importedAt: row.imported_at,
        raw: json.readOr(Raw, row.raw, at('raw'), {}),
        parameters:
          row.parameters === null
            ? null
            : json.readOr(ImportedParameters, row.parameters, at('parameters'), null),
      };
    },
  };
}

class DuplicateImport extends Error {}
