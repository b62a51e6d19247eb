import { randomBytes } from 'node:crypto';
import { statSync, utimesSync } from 'node:fs';
import { type FileHandle, mkdir, open, rename, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { fieldError } from '../../../shared/result';

export type AtomicData = string | Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

/** A fully written, fsynced temp file waiting to take its target's name. */
export interface StagedFile {
  /** Renames the temp file over the target: the one atomic step. */
  commit(): Promise<void>;
  /**
   * Removes the temp file; the target is untouched. With `pruneUpTo`, also removes the directories
   * the staging created, when empty, up to (not including) that ancestor.
   */
  discard(options?: { pruneUpTo?: string }): Promise<void>;
}

/**
 * Writes `data` to a temp file in the target's directory and fsyncs it, without touching the target.
 * Lets a caller write while it is still verifying, and publish only what passed.
 */
export async function stageFileAtomic(target: string, data: AtomicData): Promise<StagedFile> {
  const dir = path.dirname(target);
  // Dot-prefixed and suffixed so a temp left by a crash is never taken for content.
  const temp = path.join(dir, `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const removeTemp = () => rm(temp, { force: true }).catch(() => {});
  let handle: FileHandle | null = null;
  try {
    handle = await openFresh(temp);
    await handle.writeFile(data);
    await handle.datasync();
    await handle.close();
    handle = null;
  } catch (error) {
    await handle?.close().catch(() => {});
    await removeTemp();
    throw error;
  }
  return {
    async commit() {
      try {
        await rename(temp, target);
      } catch (error) {
        await removeTemp();
        throw error;
      }
    },
    async discard(options) {
      await removeTemp();
      if (options?.pruneUpTo) await pruneEmptyDirs(dir, path.resolve(options.pruneUpTo));
    },
  };
}

/** Creates the file (never reusing one); a directory pruned by a concurrent discard is simply made again. */
async function openFresh(file: string): Promise<FileHandle> {
  for (let attempt = 1; ; attempt += 1) {
    await mkdir(path.dirname(file), { recursive: true });
    try {
      return await open(file, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw error;
    }
  }
}

/** rmdir from `dir` upwards while empty, stopping below `root`; a non-empty directory ends it. */
async function pruneEmptyDirs(dir: string, root: string): Promise<void> {
  let current = path.resolve(dir);
  while (current !== root && current.startsWith(root + path.sep)) {
    try {
      await rmdir(current);
    } catch {
      return;
    }
    current = path.dirname(current);
  }
}

/**
 * Writes `target` so that it either holds all of `data` or is left as it was: a temp file in the same
 * directory, fsync, then rename over the target. A failure removes the temp file.
 */
export async function writeFileAtomic(target: string, data: AtomicData): Promise<void> {
  const staged = await stageFileAtomic(target, data);
  await staged.commit();
}

/**
 * The absolute path of `relative` inside `dataDir`. Refuses absolute paths, drive letters, `..`
 * segments, NUL bytes and anything else that would resolve outside the data directory.
 */
export function resolveInside(dataDir: string, relative: string): string {
  const refuse = (why: string): never => {
    throw fieldError(['path'], why);
  };
  if (typeof relative !== 'string' || relative.trim() === '') refuse('must not be empty');
  if (relative.includes('\0')) refuse('must not contain NUL');
  const normalized = relative.replaceAll('\\', '/');
  if (normalized.startsWith('/') || /^[A-Za-z]:/.test(normalized) || path.isAbsolute(relative)) {
    refuse('must be relative to the library folder');
  }
  if (normalized.split('/').includes('..')) refuse('must not leave the library folder');
  const root = path.resolve(dataDir);
  const resolved = path.resolve(root, ...normalized.split('/'));
  const back = path.relative(root, resolved);
  if (back === '' || back.startsWith('..') || path.isAbsolute(back)) {
    refuse('must name a file inside the library folder');
  }
  return resolved;
}

/**
 * True when `file` exists (with `size` bytes, when given), and then marks it as just used. A content-addressed
 * file found this way is reused instead of rewritten; touching it keeps the start-up sweep, which only takes
 * files older than its grace period, from removing it before the row that will use it exists. Synchronous on
 * purpose: the sweep's own check-and-remove is too, so the two can never interleave.
 */
export function claimExisting(file: string, size: number | null): boolean {
  try {
    const info = statSync(file);
    if (!info.isFile() || (size !== null && info.size !== size)) return false;
    const now = new Date();
    utimesSync(file, now, now);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
