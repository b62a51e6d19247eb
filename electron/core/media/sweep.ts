/**
 * The start-up sweep: what a kill mid-write leaves behind is removed once it is old enough to be sure no
 * write is still under way: temp files (`.name.<hex>.tmp`, see files.ts) and content files that no row
 * points at. A file a row still uses is never removed, whatever its age. A small thumbnail (shared/thumbs.ts)
 * is named by no row: it goes with its large thumbnail, and is kept as long as that is.
 */
import { type Dirent, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { largeThumbOf, smallThumbPath } from '../../../shared/thumbs';
import type { Clock, Logger } from '../ports';

export const DEFAULT_SWEEP_GRACE_MS = 24 * 3_600_000;

/** Folders where files are written atomically (temp + rename); the first three hold content files. */
const CONTENT_FOLDERS = ['media', 'thumbs', 'references'] as const;
const TEMP_FOLDERS = [...CONTENT_FOLDERS, 'exports'] as const;
const SHARD = /^[0-9a-f]{2}$/;
const CONTENT_NAME = /^([0-9a-f]{64})\.[a-z0-9]+$/;
const TEMP_NAME = /^\..+\.[0-9a-f]{12}\.tmp$/;

export interface SweepReport {
  tempFiles: number;
  contentFiles: number;
  bytes: number;
  /** Files that were due but could not be removed (logged). */
  failed: number;
}

export interface SweepDeps {
  dataDir: string;
  clock: Pick<Clock, 'now'>;
  log: Logger;
  /** Text values of rows that mention content paths, in batches (store/content-refs-repo.ts). */
  mentions: () => Iterable<string[]>;
  /** Matches every content path inside a value. */
  contentPath: RegExp;
  graceMs?: number;
  signal?: AbortSignal;
}

/** Lets other work run between batches, so the sweep never holds the event loop for long. */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

async function entries(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

function existsIn(dataDir: string, relative: string): boolean {
  try {
    return statSync(path.join(dataDir, relative)).isFile();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

export async function sweepDataDir(deps: SweepDeps): Promise<SweepReport> {
  const { dataDir, clock, log, signal } = deps;
  const graceMs = deps.graceMs ?? DEFAULT_SWEEP_GRACE_MS;
  const report: SweepReport = { tempFiles: 0, contentFiles: 0, bytes: 0, failed: 0 };
  const stopped = () => signal?.aborted === true;

  // 1. What is on disk: temp files anywhere we write atomically, content files under their shards.
  const temps: string[] = [];
  const content: string[] = [];
  /** Small thumbnails, judged by their large thumbnail. */
  const derived: string[] = [];
  for (const folder of TEMP_FOLDERS) {
    const isContent = (CONTENT_FOLDERS as readonly string[]).includes(folder);
    for (const entry of await entries(path.join(dataDir, folder))) {
      if (entry.isFile() && TEMP_NAME.test(entry.name)) temps.push(`${folder}/${entry.name}`);
      if (!isContent || !entry.isDirectory() || !SHARD.test(entry.name)) continue;
      for (const file of await entries(path.join(dataDir, folder, entry.name))) {
        if (!file.isFile()) continue;
        const relative = `${folder}/${entry.name}/${file.name}`;
        if (TEMP_NAME.test(file.name)) temps.push(relative);
        else if (CONTENT_NAME.exec(file.name)?.[1]?.startsWith(entry.name)) content.push(relative);
        else if (largeThumbOf(relative) !== null) derived.push(relative);
      }
      if (stopped()) return report;
    }
  }

  // 2. What rows use; read only when there is content to judge.
  let orphans: string[] = [];
  if (content.length > 0) {
    const used = new Set<string>();
    for (const batch of deps.mentions()) {
      for (const value of batch) for (const match of value.matchAll(deps.contentPath)) used.add(match[0]);
      await breathe();
      if (stopped()) return report;
    }
    orphans = content.filter((file) => !used.has(file));
  }

  // 3. Remove what is old enough. The age is read again right before each removal, in the same tick: a file
  // an import reuses is touched first (claimExisting), so it is never taken while a row for it is being made.
  const now = clock.now();
  const oldEnough = async (relative: string) => {
    const info = await stat(path.join(dataDir, relative)).catch(() => null);
    return info !== null && now - info.mtimeMs >= graceMs;
  };
  const exists = (relative: string) => existsIn(dataDir, relative);
  const emptied = new Set<string>();
  const remove = (relative: string, kind: 'tempFiles' | 'contentFiles', anyAge = false) => {
    const file = path.join(dataDir, relative);
    try {
      const info = statSync(file);
      if (!anyAge && now - info.mtimeMs < graceMs) return;
      unlinkSync(file);
      report[kind] += 1;
      report.bytes += info.size;
      emptied.add(path.dirname(file));
      // In the same tick: the small thumbnail goes with its large one, whatever its own age.
      const small = kind === 'contentFiles' ? smallThumbPath(relative) : null;
      if (small !== null && exists(small)) remove(small, kind, true);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // Gone already.
      report.failed += 1;
      log.warn('start-up sweep could not remove a file', {
        file: relative,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  };
  for (const [list, kind] of [
    [temps, 'tempFiles'],
    [orphans, 'contentFiles'],
  ] as const) {
    for (const relative of list) {
      if (stopped()) return report;
      if (await oldEnough(relative)) remove(relative, kind);
    }
  }
  // A small thumbnail whose large one is gone (removed above, or never there) goes once it is old enough; one
  // whose large thumbnail is still on disk stays, since that is what it would be made from again.
  const listed = new Set(content);
  for (const relative of derived) {
    const large = largeThumbOf(relative);
    // Its large thumbnail was on disk and stayed (or went, taking this one with it): nothing to read.
    if (large === null || listed.has(large)) continue;
    if (stopped()) return report;
    // Whether the large one exists is read in the same tick as the removal, after the age.
    if ((await oldEnough(relative)) && !exists(large)) remove(relative, 'contentFiles');
  }
  for (const dir of emptied) {
    if (!SHARD.test(path.basename(dir))) continue;
    try {
      rmdirSync(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOENT') throw error;
    }
  }
  if (report.tempFiles + report.contentFiles + report.failed > 0) {
    log.info('start-up sweep removed leftover files', { ...report });
  }
  return report;
}
