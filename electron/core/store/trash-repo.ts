import { fieldError } from '../../../shared/result';
import type { LibraryDatabase } from './db';

/**
 * The trash: runs and outputs marked deleted (`deleted_at`) and hidden from History, restorable until a
 * purge removes the rows (and frees the files no other row uses) after 30 days.
 */
export interface TrashRepo {
  /** Returns how many runs went to the trash (those already there keep their time). */
  trashRuns(runIds: readonly number[], now: number): number;
  restoreRuns(runIds: readonly number[]): number;
  trashOutputs(outputIds: readonly number[], now: number): number;
  restoreOutputs(outputIds: readonly number[]): number;
  /** What a deletion would break: style previews made from these runs/outputs and boards whose baseline is one. */
  uses(target: { runIds?: readonly number[]; outputIds?: readonly number[] }): TrashUse[];
  /** Runs and outputs in the trash, newest first. */
  list(): TrashList;
  /**
   * Removes the rows trashed at or before `cutoff` (all with Infinity) and returns the content paths they
   * held; the caller frees the files no other row mentions.
   */
  purge(cutoff: number): { runs: number; outputs: number; paths: string[] };
}

/** One thing that uses a run or output about to be deleted. */
export type TrashUse =
  | { kind: 'stylePreview'; runId: number; styleName: string; version: number }
  | { kind: 'boardBaseline'; outputId: number; boardName: string };

export interface TrashList {
  runs: Array<{ id: number; prompt: string; deletedAt: number; thumbPath: string | null }>;
  outputs: Array<{ id: number; runId: number; prompt: string; deletedAt: number; thumbPath: string }>;
}

export function createTrashRepo(db: LibraryDatabase): TrashRepo {
  const runExists = db.prepare<[number], number>('SELECT 1 FROM runs WHERE id = ?').pluck();
  const outputExists = db.prepare<[number], number>('SELECT 1 FROM outputs WHERE id = ?').pluck();
  const trashRun = db.prepare<[number, number]>(
    'UPDATE runs SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL',
  );
  const restoreRun = db.prepare<[number]>(
    'UPDATE runs SET deleted_at = NULL WHERE id = ? AND deleted_at IS NOT NULL',
  );
  const trashOutput = db.prepare<[number, number]>(
    'UPDATE outputs SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL',
  );
  const restoreOutput = db.prepare<[number]>(
    'UPDATE outputs SET deleted_at = NULL WHERE id = ? AND deleted_at IS NOT NULL',
  );

  const previewUses = db.prepare<[number], { run_id: number; name: string; version: number }>(
    `SELECT p.run_id, s.name, v.version FROM style_previews p
     JOIN style_versions v ON v.id = p.version_id JOIN styles s ON s.id = v.style_id
     WHERE p.run_id = ? ORDER BY p.id`,
  );
  const baselineUses = db.prepare<[number], { outputId: number; name: string }>(
    'SELECT baseline_output_id AS outputId, name FROM boards WHERE baseline_output_id = ? ORDER BY id',
  );
  const baselinesOfRun = db.prepare<[number], { outputId: number; name: string }>(
    `SELECT b.baseline_output_id AS outputId, b.name FROM boards b JOIN outputs o ON o.id = b.baseline_output_id
     WHERE o.run_id = ? ORDER BY b.id`,
  );
  const runOfOutput = db.prepare<[number], number>('SELECT run_id FROM outputs WHERE id = ?').pluck();
  const trashedRuns = db.prepare<
    [],
    { id: number; prompt: string; deleted_at: number; thumb: string | null }
  >(
    `SELECT r.id, r.prompt, r.deleted_at,
       (SELECT o.thumb_path FROM outputs o WHERE o.run_id = r.id ORDER BY o.idx LIMIT 1) AS thumb
     FROM runs r WHERE r.deleted_at IS NOT NULL ORDER BY r.deleted_at DESC, r.id DESC`,
  );
  const trashedOutputs = db.prepare<
    [],
    { id: number; run_id: number; prompt: string; deleted_at: number; thumb_path: string }
  >(
    `SELECT o.id, o.run_id, r.prompt, o.deleted_at, o.thumb_path FROM outputs o JOIN runs r ON r.id = o.run_id
     WHERE o.deleted_at IS NOT NULL AND r.deleted_at IS NULL ORDER BY o.deleted_at DESC, o.id DESC`,
  );
  const pathsOfRuns = db.prepare<[number], { path: string; thumb_path: string }>(
    `SELECT o.path, o.thumb_path FROM outputs o JOIN runs r ON r.id = o.run_id
     WHERE r.deleted_at IS NOT NULL AND r.deleted_at <= ?`,
  );
  const pathsOfOutputs = db.prepare<[number], { path: string; thumb_path: string }>(
    'SELECT path, thumb_path FROM outputs WHERE deleted_at IS NOT NULL AND deleted_at <= ?',
  );
  const deleteRuns = db.prepare<[number]>(
    'DELETE FROM runs WHERE deleted_at IS NOT NULL AND deleted_at <= ?',
  );
  const deleteOutputs = db.prepare<[number]>(
    'DELETE FROM outputs WHERE deleted_at IS NOT NULL AND deleted_at <= ?',
  );

  const purge = db.transaction((cutoff: number) => {
    const paths = new Set<string>();
    for (const row of [...pathsOfRuns.all(cutoff), ...pathsOfOutputs.all(cutoff)]) {
      paths.add(row.path);
      paths.add(row.thumb_path);
    }
    // Outputs first: those of trashed runs go with their run (cascade) and are counted there.
    const outputs = deleteOutputs.run(cutoff).changes;
    const runs = deleteRuns.run(cutoff).changes;
    return { runs, outputs, paths: [...paths] };
  });

  function each(
    field: string,
    exists: { get(id: number): unknown },
    ids: readonly number[],
    apply: (id: number) => number,
  ): number {
    ids.forEach((id, i) => {
      if (exists.get(id) === undefined)
        throw fieldError([field, i], `there is no ${field.slice(0, -3)} ${id}`);
    });
    let changed = 0;
    for (const id of ids) changed += apply(id);
    return changed;
  }

  const runs = db.transaction((ids: readonly number[], apply: (id: number) => number) =>
    each('runIds', runExists, ids, apply),
  );
  const outputs = db.transaction((ids: readonly number[], apply: (id: number) => number) =>
    each('outputIds', outputExists, ids, apply),
  );

  return {
    trashRuns(ids, now) {
      return runs(ids, (id) => trashRun.run(now, id).changes);
    },
    restoreRuns(ids) {
      return runs(ids, (id) => restoreRun.run(id).changes);
    },
    trashOutputs(ids, now) {
      return outputs(ids, (id) => trashOutput.run(now, id).changes);
    },
    restoreOutputs(ids) {
      return outputs(ids, (id) => restoreOutput.run(id).changes);
    },
    uses({ runIds = [], outputIds = [] }) {
      const found: TrashUse[] = [];
      const runsSeen = new Set<number>();
      const previewsOf = (runId: number) => {
        if (runsSeen.has(runId)) return;
        runsSeen.add(runId);
        for (const p of previewUses.all(runId))
          found.push({ kind: 'stylePreview', runId: p.run_id, styleName: p.name, version: p.version });
      };
      for (const runId of runIds) {
        previewsOf(runId);
        for (const b of baselinesOfRun.all(runId))
          found.push({ kind: 'boardBaseline', outputId: b.outputId, boardName: b.name });
      }
      for (const outputId of outputIds) {
        const runId = runOfOutput.get(outputId);
        if (runId !== undefined) previewsOf(runId);
        for (const b of baselineUses.all(outputId))
          found.push({ kind: 'boardBaseline', outputId: b.outputId, boardName: b.name });
      }
      return found;
    },
    list() {
      return {
        runs: trashedRuns
          .all()
          .map((r) => ({ id: r.id, prompt: r.prompt, deletedAt: r.deleted_at, thumbPath: r.thumb })),
        outputs: trashedOutputs.all().map((o) => ({
          id: o.id,
          runId: o.run_id,
          prompt: o.prompt,
          deletedAt: o.deleted_at,
          thumbPath: o.thumb_path,
        })),
      };
    },
    purge(cutoff) {
      return purge(cutoff);
    },
  };
}
