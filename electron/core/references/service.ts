import { createHash } from 'node:crypto';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import pLimit from 'p-limit';
import sharp from 'sharp';
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
  claimExisting,
  DEFAULT_MAX_PIXELS,
  MediaError,
  type MediaErrorCode,
  type MediaStore,
  writeFileAtomic,
} from '../media';
import { sniffFormat } from '../media/store';
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
  /** One file's bytes; what `import` does per file, for callers that hold bytes (style packs). */
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

/** The stripped copy keeps formats every provider takes; the rest become PNG. */
const STRIPPED_FORMAT = { png: 'png', jpeg: 'jpeg', webp: 'webp' } as const;
const STRIPPED_EXT = { png: 'png', jpeg: 'jpg', webp: 'webp' } as const;
type StrippedFormat = keyof typeof STRIPPED_EXT;

const REFUSAL: Record<MediaErrorCode, ReferenceRefusal> = {
  not_an_image: 'corrupt',
  too_large: 'too_large',
  unsupported_format: 'unsupported',
};
const MAX_USED_IN_RUNS = 100;

class Refused extends Error {
  readonly reason: ReferenceRefusal;
  constructor(reason: ReferenceRefusal, message: string) {
    super(message);
    this.reason = reason;
  }
}

export function createReferenceService(options: ReferenceServiceOptions): ReferenceService {
  const { repo, media, clock, events } = options;
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const maxFileBytes = options.maxFileBytes ?? REFERENCE_LIMITS.maxFileBytes;
  const concurrency = Math.max(1, options.importConcurrency ?? 4);
  const styleUsage = (reference: Reference): ReferenceStyleUse[] =>
    options.stylesUsing?.([reference.path, reference.originalPath]) ?? [];

  /** Pixels re-encoded without any metadata (sharp drops EXIF, XMP, IPTC and ICC unless asked), orientation applied. */
  async function strippedCopy(bytes: Uint8Array, format: string): Promise<{ data: Buffer; ext: string }> {
    const target: StrippedFormat = format in STRIPPED_FORMAT ? (format as StrippedFormat) : 'png';
    // A PNG carries no orientation outside eXIf: dropping its ancillary chunks is lossless and skips a re-encode.
    const copied = target === 'png' ? pngWithoutMetadata(bytes) : null;
    if (copied) return { data: copied, ext: 'png' };
    const pipeline = sharp(bytes, { limitInputPixels: maxPixels, failOn: 'warning' }).autoOrient();
    const encoded =
      target === 'jpeg'
        ? pipeline.jpeg({ quality: 95, chromaSubsampling: '4:4:4' })
        : target === 'webp'
          ? pipeline.webp({ quality: 95 })
          : pipeline.png();
    return { data: await encoded.toBuffer(), ext: STRIPPED_EXT[target] };
  }

  async function storeStripped(copy: { data: Buffer; ext: string }): Promise<string> {
    const sha = createHash('sha256').update(copy.data).digest('hex');
    const relative = `references/${sha.slice(0, 2)}/${sha}.${copy.ext}`;
    const target = media.absolutePath(relative);
    // Content-addressed: a file of the right size under this hash already holds these bytes.
    if (!claimExisting(target, copy.data.length)) await writeFileAtomic(target, copy.data);
    return relative;
  }

  function duplicate(name: string, reference: Reference): ReferenceImportResult {
    return { name, status: 'duplicate', reference };
  }

  async function importBytes(
    name: string,
    bytes: Uint8Array,
    tagging: { steers?: readonly ReferenceSteer[]; tags?: readonly string[] } = {},
  ): Promise<ReferenceImportResult> {
    try {
      if (bytes.byteLength > maxFileBytes) {
        throw new Refused(
          'too_large',
          `The file is ${megabytes(bytes.byteLength)}; references can be at most ${megabytes(maxFileBytes)}.`,
        );
      }
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const known = repo.findBySha(sha256);
      if (known) return duplicate(name, known);

      // The copy is encoded while the media store verifies and stores the original; it is written only after.
      const ingesting = media.ingest(bytes);
      const copying = strippedCopy(bytes, sniffFormat(bytes) ?? 'png');
      copying.catch(() => {}); // Awaited below; a refusal of the original takes precedence.
      const stored = await ingesting.catch((error: unknown) => {
        if (error instanceof MediaError) throw new Refused(REFUSAL[error.code], error.message);
        throw error;
      });
      const copy = await copying.catch((error: unknown) => {
        const detail = (error instanceof Error ? error.message : String(error)).split('\n')[0];
        throw new Refused('corrupt', `The image could not be re-encoded without its metadata (${detail}).`);
      });
      const strippedPath = await storeStripped(copy);
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
            strippedPath,
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
      if (error instanceof Refused)
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
    return importBytes(file.name, decoded.bytes, tagging);
  }

  return {
    async import(files, tagging = {}) {
      // Results keep the order the files came in, whatever order they finish in.
      const results = await pLimit(concurrency).map(files, (file) => importOne(file, tagging));
      const ids = results.flatMap((r) => (r.status === 'imported' ? [r.reference.id] : []));
      if (ids.length > 0) events?.emit('references.changed', { ids });
      return results;
    },
    importBytes,
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

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict base64 (Buffer.from silently skips junk); the size is checked before any bytes are allocated. */
function decodeBase64(
  text: string,
  maxBytes: number,
): { bytes: Buffer } | { reason: ReferenceRefusal; message: string } {
  const body = text.startsWith('data:') ? text.slice(text.indexOf(',') + 1) : text;
  const estimated = Math.floor((body.length * 3) / 4);
  if (estimated > maxBytes + 2) {
    return {
      reason: 'too_large',
      message: `The file is ${megabytes(estimated)}; references can be at most ${megabytes(maxBytes)}.`,
    };
  }
  if (body.length % 4 !== 0 || !BASE64.test(body)) {
    return { reason: 'corrupt', message: 'The file did not arrive intact (its data is not valid base64).' };
  }
  return { bytes: Buffer.from(body, 'base64') };
}

/** Chunks that describe pixels; everything else (text, time, EXIF, XMP, private data) is dropped. */
const PNG_KEEP = new Set([
  'IHDR',
  'PLTE',
  'tRNS',
  'IDAT',
  'IEND',
  'gAMA',
  'cHRM',
  'sRGB',
  'sBIT',
  'bKGD',
  'pHYs',
]);
/** Chunks whose meaning needs a decode (orientation, colour profile, animation): re-encode instead. */
const PNG_REENCODE = new Set(['eXIf', 'iCCP', 'acTL']);
const PNG_SIGNATURE = 8;

/**
 * The PNG with only pixel-describing chunks, or null when it needs a real re-encode (or is not a well-formed PNG,
 * a kept chunk whose CRC does not match included: sharp's decoder discards a damaged ancillary chunk, so only a
 * copy made here would pass one on to a provider).
 *
 * Hand-walked rather than `png-chunks-extract` + `png-chunks-encode`, measured on a 3000×2000 noisy PNG (19 MB):
 * those copy every chunk byte by byte in JavaScript and recompute each CRC on the way out (≈890 ms a file), where
 * this walk takes sub-views and checks each kept chunk with Node's own `zlib.crc32` (≈12 ms; 10 ms without the
 * check; the `crc-32` package would make it ≈23 ms). Dropped chunks are not checked: they never reach the copy,
 * and whether the image itself is readable is sharp's call.
 */
export function pngWithoutMetadata(bytes: Uint8Array): Buffer | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kept: Uint8Array[] = [bytes.subarray(0, PNG_SIGNATURE)];
  let at = PNG_SIGNATURE;
  while (at + 12 <= bytes.length) {
    const length = view.getUint32(at);
    const end = at + 12 + length;
    if (end > bytes.length) return null;
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (PNG_REENCODE.has(type)) return null;
    if (PNG_KEEP.has(type)) {
      // The CRC covers the type and the data, and is stored after them.
      if (crc32(bytes.subarray(at + 4, end - 4)) !== view.getUint32(end - 4)) return null;
      kept.push(bytes.subarray(at, end));
    }
    at = end;
    if (type === 'IEND') return Buffer.concat(kept);
  }
  return null;
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'SQLITE_CONSTRAINT_UNIQUE';
}
