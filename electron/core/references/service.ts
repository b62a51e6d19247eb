import path from 'node:path';
import pLimit from 'p-limit';
import {
  REFERENCE_LIMITS,
  type Reference,
  type ReferenceDetail,
  type ReferenceImportResult,
  type ReferenceRefusal,
  type ReferenceSteer,
  type ReferenceStyleUse,
} from '../../../shared/references-contract';
import { AppError } from '../../../shared/result';
import type { EventBus } from '../events';
import {
  base64Bytes,
  createImageIntake,
  DEFAULT_MAX_PIXELS,
  decodeBase64Strict,
  IntakeRefused,
  type MediaStore,
  sha256Of,
} from '../media';
import type { Clock } from '../ports';
import type { ReferenceFilter, ReferencePage, ReferencesRepo } from '../store';

/** Styles that attach a reference; the style library registers this once it exists. */
/** The styles whose latest version attaches one of `paths` (a reference's stripped copy or original). */
export type StyleUsageLookup = (paths: readonly string[]) => ReferenceStyleUse[];

export interface ReferenceFile {
  name: string;
  /** Plain base64, or a `data:…;base64,` URL as FileReader produces. */
  dataBase64: string;
}

export interface ReferenceServiceOptions {
  repo: ReferencesRepo;
  media: MediaStore;
  clock: Clock;
  events?: EventBus;
  /** Must match the media store's limit so both decodes refuse the same images. */
  maxPixels?: number;
  maxFileBytes?: number;
  /** Files processed at once; the media store bounds the decodes themselves. */
  importConcurrency?: number;
  /** The style library's answer, so "used in" and delete know about styles; no styles when absent. */
  stylesUsing?: StyleUsageLookup;
}

export interface ReferenceService {
  import(
    files: readonly ReferenceFile[],
    options?: { steers?: readonly ReferenceSteer[]; tags?: readonly string[] },
  ): Promise<ReferenceImportResult[]>;
  /**
   * One file's bytes; what `import` does per file, for callers that hold bytes (style packs). A new reference
   * is announced (`references.changed`) as an import's are, so the quality gate hashes and classifies it.
   */
  importBytes(
    name: string,
    bytes: Uint8Array,
    options?: { steers?: readonly ReferenceSteer[]; tags?: readonly string[] },
  ): Promise<ReferenceImportResult>;
  list(filter: ReferenceFilter): ReferencePage;
  /** Null when there is no such reference. */
  find(id: number): Reference | null;
  /** Throws not_found. */
  get(id: number): ReferenceDetail;
  update(
    id: number,
    change: { name?: string; steers?: readonly ReferenceSteer[]; tags?: readonly string[] },
  ): Reference;
  /** Refuses with `conflict` while a style attaches it; the stored files stay. */
  delete(id: number): boolean;
  tags(): ReturnType<ReferencesRepo['tagCounts']>;
}

/** Kept here for callers that import it from the reference library; it lives with the shared intake. */
export { jpegWithoutMetadata, pngWithoutMetadata } from '../media';

const MAX_USED_IN_RUNS = 100;

export function createReferenceService(options: ReferenceServiceOptions): ReferenceService {
  const { repo, media, clock, events } = options;
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const maxFileBytes = options.maxFileBytes ?? REFERENCE_LIMITS.maxFileBytes;
  const concurrency = Math.max(1, options.importConcurrency ?? 4);
  const intake = createImageIntake({ media, maxFileBytes, maxPixels });
  const styleUsage = (reference: Reference): ReferenceStyleUse[] =>
    options.stylesUsing?.([reference.path, reference.originalPath]) ?? [];

  function duplicate(name: string, reference: Reference): ReferenceImportResult {
    return { name, status: 'duplicate', reference };
  }

  async function takeBytes(
    name: string,
    bytes: Uint8Array,
    tagging: { steers?: readonly ReferenceSteer[]; tags?: readonly string[] } = {},
  ): Promise<ReferenceImportResult> {
    try {
      // Hashed once: the duplicate check and the intake share it (a file too large is refused unhashed).
      const known = bytes.byteLength <= maxFileBytes ? sha256Of(bytes) : undefined;
      const existing = known === undefined ? null : repo.findBySha(known);
      if (existing) return duplicate(name, existing);
      const { sha256, stored, strippedPath } = await intake.take(bytes, {
        strip: true,
        sha256: known,
        what: 'references',
      });
      try {
        const reference = repo.insert(
          {
            sha256,
            name: displayName(name),
            width: stored.width,
            height: stored.height,
            format: stored.format,
            bytes: stored.bytes,
            originalPath: stored.path,
            thumbPath: stored.thumbPath,
            strippedPath: strippedPath ?? stored.path,
            createdAt: clock.now(),
          },
          tagging.steers ?? [],
          tagging.tags ?? [],
        );
        return { name, status: 'imported', reference };
      } catch (error) {
        // The same bytes twice in one batch: the other file won the insert.
        const winner = isUniqueViolation(error) ? repo.findBySha(sha256) : null;
        if (winner) return duplicate(name, winner);
        throw error;
      }
    } catch (error) {
      if (error instanceof IntakeRefused)
        return { name, status: 'refused', reason: error.reason, message: error.message };
      throw error;
    }
  }

  async function importOne(
    file: ReferenceFile,
    tagging: { steers?: readonly ReferenceSteer[]; tags?: readonly string[] },
  ): Promise<ReferenceImportResult> {
    const decoded = decodeBase64(file.dataBase64, maxFileBytes);
    if ('reason' in decoded) {
      return { name: file.name, status: 'refused', reason: decoded.reason, message: decoded.message };
    }
    return takeBytes(file.name, decoded.bytes, tagging);
  }

  return {
    async import(files, tagging = {}) {
      // Results keep the order the files came in, whatever order they finish in.
      const results = await pLimit(concurrency).map(files, (file) => importOne(file, tagging));
      const ids = results.flatMap((r) => (r.status === 'imported' ? [r.reference.id] : []));
      if (ids.length > 0) events?.emit('references.changed', { ids });
      return results;
    },
    async importBytes(name, bytes, tagging) {
      const result = await takeBytes(name, bytes, tagging);
      if (result.status === 'imported') events?.emit('references.changed', { ids: [result.reference.id] });
      return result;
    },
    list: (filter) => repo.list(filter),
    find: (id) => repo.get(id),
    get(id) {
      const reference = repo.get(id);
      if (!reference) throw notFound(id);
      const { runs, total } = repo.runsUsing([reference.path, reference.originalPath], MAX_USED_IN_RUNS);
      return { ...reference, usedIn: { runs, runsTotal: total, styles: styleUsage(reference) } };
    },
    update(id, change) {
      const updated = repo.update(id, change);
      if (!updated) throw notFound(id);
      events?.emit('references.changed', { ids: [id] });
      return updated;
    },
    delete(id) {
      const reference = repo.get(id);
      const styles = reference ? styleUsage(reference) : [];
      if (styles.length > 0) {
        const names = styles.map((s) => `"${s.name}"`).join(', ');
        throw new AppError(
          'conflict',
          `This reference is attached to ${styles.length === 1 ? 'the style' : 'the styles'} ${names}; remove it there first.`,
          { details: { styles: styles.map((s) => s.styleId) } },
        );
      }
      const deleted = repo.delete(id);
      if (deleted) events?.emit('references.changed', { ids: [id] });
      return deleted;
    },
    tags: () => repo.tagCounts(),
  };
}

function notFound(id: number): AppError {
  return new AppError('not_found', `There is no reference ${id}.`);
}

/** The file name without folders or extension, as the browser shows it. */
function displayName(name: string): string {
  const base = path.posix.basename(name.replaceAll('\\', '/'));
  const stem = base.replace(/\.[A-Za-z0-9]{1,5}$/, '');
  return (stem.trim() || base.trim() || 'reference').slice(0, REFERENCE_LIMITS.maxNameLength);
}

function megabytes(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
}

/** Strict base64 (Buffer.from silently skips junk); the size is checked before any bytes are allocated. */
function decodeBase64(
  text: string,
  maxBytes: number,
): { bytes: Buffer } | { reason: ReferenceRefusal; message: string } {
  const estimated = base64Bytes(text);
  if (estimated > maxBytes + 2) {
    return {
      reason: 'too_large',
      message: `The file is ${megabytes(estimated)}; references can be at most ${megabytes(maxBytes)}.`,
    };
  }
  const bytes = decodeBase64Strict(text);
  if (!bytes)
    return { reason: 'corrupt', message: 'The file did not arrive intact (its data is not valid base64).' };
  return { bytes };
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'SQLITE_CONSTRAINT_UNIQUE';
}
