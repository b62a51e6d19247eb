import { rm } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../../shared/result';
import { smallThumbPath } from '../../../shared/thumbs';
import type { Clock, Logger } from '../ports';
import type { TrashList, TrashRepo, TrashUse } from '../store';

/** Files stay this long in the trash; older ones are purged when the app starts. */
export const TRASH_KEEP_MS = 30 * 24 * 3_600_000;

export interface TrashDeps {
  repo: TrashRepo;
  dataDir: string;
  clock: Pick<Clock, 'now'>;
  log: Logger;
  /** Text values of rows that mention content paths, in batches (store/content-refs-repo.ts). */
  mentions: () => Iterable<string[]>;
  contentPath: RegExp;
}

export interface TrashTarget {
  runIds?: number[];
  outputIds?: number[];
}

export interface TrashService {
  /**
   * Moves runs and outputs to the trash. Something a style preview or a board baseline uses is refused with
   * `conflict` (details.uses lists them) unless `force`.
   */
  trash(target: TrashTarget, force: boolean): { runs: number; outputs: number };
  restore(target: TrashTarget): { runs: number; outputs: number };
  list(): TrashList;
  /** Removes everything in the trash and frees the files no other row uses. */
  empty(): Promise<EmptyReport>;
  /** Removes what has been in the trash longer than TRASH_KEEP_MS (run at start). */
  purgeExpired(): Promise<EmptyReport>;
}

export interface EmptyReport {
  runs: number;
  outputs: number;
  filesRemoved: number;
}

function describeUse(use: TrashUse): string {
  return use.kind === 'stylePreview'
    ? `a preview of ${use.styleName} v${use.version}`
    : `the baseline of the board ${use.boardName}`;
}

export function createTrashService(deps: TrashDeps): TrashService {
  const { repo, clock } = deps;

  /** Removes a file; false when it was not there. */
  async function removeFile(rel: string): Promise<boolean> {
    try {
      await rm(path.join(deps.dataDir, rel));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  /**
   * Removes the candidate files no remaining row mentions; a thumbnail takes its small tier (shared/thumbs.ts),
   * which no row names, with it.
   */
  async function free(candidates: string[]): Promise<number> {
    if (candidates.length === 0) return 0;
    const unused = new Set(candidates);
    for (const batch of deps.mentions()) {
      for (const value of batch)
        for (const match of value.matchAll(deps.contentPath)) unused.delete(match[0]);
      if (unused.size === 0) return 0;
    }
    let removed = 0;
    for (const rel of unused) {
      try {
        await rm(path.join(deps.dataDir, rel), { force: true });
        removed++;
        const small = smallThumbPath(rel);
        if (small !== null && (await removeFile(small))) removed++;
      } catch (error) {
        deps.log.warn('could not remove a file from the trash', {
          path: rel,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    return removed;
  }

  async function purge(cutoff: number): Promise<EmptyReport> {
    const { runs, outputs, paths } = repo.purge(cutoff);
    return { runs, outputs, filesRemoved: await free(paths) };
  }

  return {
    trash({ runIds = [], outputIds = [] }, force) {
      if (!force) {
        const uses = repo.uses({ runIds, outputIds });
        if (uses.length > 0) {
          throw new AppError(
            'conflict',
            `This is used by ${uses.map(describeUse).join(', ')}. Delete it anyway?`,
            { details: { uses } },
          );
        }
      }
      const now = clock.now();
      return { runs: repo.trashRuns(runIds, now), outputs: repo.trashOutputs(outputIds, now) };
    },
    restore({ runIds = [], outputIds = [] }) {
      return { runs: repo.restoreRuns(runIds), outputs: repo.restoreOutputs(outputIds) };
    },
    list: () => repo.list(),
    empty: () => purge(Number.MAX_SAFE_INTEGER),
    purgeExpired: () => purge(clock.now() - TRASH_KEEP_MS),
  };
}
