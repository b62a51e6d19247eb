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
  };
}
