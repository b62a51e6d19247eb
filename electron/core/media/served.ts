import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import { largeThumbOf } from '../../../shared/thumbs';
import type { Logger } from '../ports';
import { resolveInside, writeFileAtomic } from './files';
import { smallThumbnailOf } from './store';

/** The data-dir folders whose files may be shown to the renderer (`exports/` holds style packs to download). */
const SERVED_FOLDERS = ['media', 'thumbs', 'references', 'exports'] as const;
const SERVED_PATH = new RegExp(`^(${SERVED_FOLDERS.join('|')})(/[A-Za-z0-9._-]+)+$`);

/** Errors that mean "there is no such file to serve" (a dangling or looping link is not ours either). */
const ABSENT = new Set(['ENOENT', 'ENOTDIR', 'ELOOP']);

/**
 * A percent-encoded URL path decoded, or null when its percent-encoding is malformed
 * (`%E0%A4%A`): a bad request, never an exception for the transport to log.
 */
export function decodeUrlPath(encoded: string): string | null {
  try {
    return decodeURIComponent(encoded);
  } catch (error) {
    if (error instanceof URIError) return null;
    throw error;
  }
}

/**
 * The real path of a stored file the renderer may see, or null when `relativePath` is not one.
 * The name must be in a served folder, and once every symlink is followed (`fs.realpath`) the file
 * must still lie inside the data folder, in a served folder, and be a regular file: a link in
 * `media/` to `/etc/passwd` (or to the library's own `atelier.db`) is refused. Callers open the
 * returned real path, not the name they were given.
 */
export async function resolveServedMedia(dataDir: string, relativePath: string): Promise<string | null> {
  if (!SERVED_PATH.test(relativePath)) return null;
  if (relativePath.split('/').some((segment) => segment === '..' || segment === '.')) return null;
  const candidate = resolveInside(dataDir, relativePath);
  const [root, file] = await Promise.all([realpath(dataDir), realpathOrNull(candidate)]);
  if (file === null) return null;
  if (!SERVED_FOLDERS.some((folder) => isInside(path.join(root, folder), file))) return null;
  const info = await stat(file);
  return info.isFile() ? file : null;
}

export interface ServedMedia {
  /**
   * `resolveServedMedia`, plus: a small thumbnail (shared/thumbs.ts) that is missing is made from its large
   * thumbnail on the first request, then served. Libraries made before the small tier get theirs this way.
   */
  resolve(relativePath: string): Promise<string | null>;
}

/**
 * What both transports serve (the loopback server's `/media/` and the desktop's `atelier-media:`). A missing
 * small thumbnail is made only from a large thumbnail that `resolveServedMedia` accepts (the same real-path
 * checks), and written beside that real file, so nothing is ever written outside the data folder. Requests for
 * the same file share one job; at most `concurrency` are made at once (each holds a libuv thread).
 */
export function createServedMedia(options: {
  dataDir: string;
  log: Pick<Logger, 'warn'>;
  concurrency?: number;
  /** Makes the small thumbnail's bytes from the large one's file; `smallThumbnailOf` unless a test watches it. */
  thumbnail?: (largeFile: string) => Promise<Buffer>;
}): ServedMedia {
  const { dataDir, log } = options;
  const thumbnail = options.thumbnail ?? smallThumbnailOf;
  const limit = pLimit(options.concurrency ?? 2);
  const jobs = new Map<string, Promise<boolean>>();

  async function makeSmall(relativePath: string, largeFile: string): Promise<boolean> {
    const target = path.join(path.dirname(largeFile), path.basename(relativePath));
    // A request that looked before an earlier job's rename finds the file made; it is not made twice.
    if ((await realpathOrNull(target)) !== null) return true;
    try {
      await writeFileAtomic(target, await thumbnail(largeFile));
      return true;
    } catch (error) {
      log.warn('could not make a small thumbnail', {
        path: relativePath,
        error: error instanceof Error ? error.message : String(error),
      });
      return false;
    }
  }

  return {
    async resolve(relativePath) {
      const file = await resolveServedMedia(dataDir, relativePath);
      if (file !== null) return file;
      const large = largeThumbOf(relativePath);
      if (large === null) return null;
      const largeFile = await resolveServedMedia(dataDir, large);
      if (largeFile === null) return null;
      let job = jobs.get(relativePath);
      if (job === undefined) {
        job = limit(() => makeSmall(relativePath, largeFile)).finally(() => jobs.delete(relativePath));
        jobs.set(relativePath, job);
      }
      return (await job) ? resolveServedMedia(dataDir, relativePath) : null;
    },
  };
}

/** True when `file` lies strictly below `dir` (both real, absolute paths). */
function isInside(dir: string, file: string): boolean {
  const back = path.relative(dir, file);
  return back !== '' && back !== '..' && !back.startsWith(`..${path.sep}`) && !path.isAbsolute(back);
}

async function realpathOrNull(file: string): Promise<string | null> {
  try {
    return await realpath(file);
  } catch (error) {
    if (ABSENT.has((error as NodeJS.ErrnoException).code ?? '')) return null;
    throw error;
  }
}
