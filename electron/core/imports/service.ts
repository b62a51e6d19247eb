/**
 * Importing images made elsewhere into History. Files come from paths the core reads (the desktop shell's
 * pickers and drops, a folder typed in browser mode; folders walked recursively, lazily) or as bytes in
 * batches (browser drops and uploads; each `addFiles` call returns once its batch is in, which paces the
 * sender). A few files are in flight at once, so memory stays flat whatever the folder's size: sharp
 * decodes on libuv's threads while this thread hashes, reads metadata and writes rows.
 *
 * Each file: read → hash (an import or output with the same bytes makes it a duplicate) → metadata read
 * (`metadata/read`) alongside the shared intake (decode check, thumbnail, the original stored untouched) →
 * one run with its output and import row. A file that cannot be read, decoded or understood is listed in
 * the report with its reason; nothing stops the rest. Progress is an event at most every 100 ms and at the end.
 */
import { randomUUID } from 'node:crypto';
import { type Dirent, promises as fs } from 'node:fs';
import path from 'node:path';
import pLimit from 'p-limit';
import {
  IMPORT_LIMITS,
  type ImportedParameters,
  type ImportFailureReason,
  type ImportReport,
  type ImportSource,
  type RunImport,
} from '../../../shared/import-contract';
import { AppError } from '../../../shared/result';
import type { EventBus } from '../events';
import {
  base64Bytes,
  createImageIntake,
  decodeBase64Strict,
  IntakeRefused,
  type MediaStore,
  sha256Of,
} from '../media';
import { midjourneyLines, parseMidjourney, readImageMetadata } from '../metadata/read';
import type { Clock, Logger } from '../ports';
import type { ImportsRepo } from '../store';
import { closestRequest, importedProvider, seedColumn } from './request';

/** Extensions a folder walk takes; a file named explicitly is tried whatever its name. */
const IMAGE_EXTENSIONS = /\.(png|jpe?g|webp|avif|gif|tiff?)$/i;
const PROGRESS_EVERY_MS = 100;
const KEEP_RUN_IDS = 1000;

export interface ImportFileBytes {
  name: string;
  dataBase64: string;
}

export interface ImportServiceOptions {
  repo: ImportsRepo;
  media: MediaStore;
  clock: Clock;
  log: Logger;
  events?: EventBus;
  /**
   * Told of each run an import adds, once its row is in (the core queues its output for the quality gate,
   * as it does a generated run's after ingest).
   */
  imported?: (runId: number) => void;
  /** Files in flight at once (default 4: enough to keep both cores and the disk busy). */
  concurrency?: number;
  maxFileBytes?: number;
}

export interface ImportService {
  start(input: {
    paths: readonly string[];
    expectFiles: number;
    midjourneyPrompts: string | null;
  }): ImportReport;
  addFiles(id: string, files: readonly ImportFileBytes[], last: boolean): Promise<ImportReport>;
  cancel(id: string): ImportReport;
  get(id: string): ImportReport;
  /** Resolves when the import has finished (done or cancelled). */
  settled(id: string): Promise<ImportReport>;
  forRun(runId: number): RunImport | null;
}

interface Job {
  report: ImportReport;
  abort: AbortController;
  prompts: string[] | null;
  nextPrompt: number;
  expectFiles: number;
  walking: boolean;
  lastBatch: boolean;
  inFlight: number;
  lastEmit: number;
  settled: Promise<void>;
  settle: () => void;
}

export function createImportService(options: ImportServiceOptions): ImportService {
  const { repo, media, clock, log, events } = options;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const maxFileBytes = options.maxFileBytes ?? IMPORT_LIMITS.maxFileBytes;
  const intake = createImageIntake({ media, maxFileBytes });
  const jobs = new Map<string, Job>();

  function job(id: string): Job {
    const found = jobs.get(id);
    if (!found)
      throw new AppError('not_found', 'There is no such import; it may have finished before a restart.');
    return found;
  }

  function snapshot(j: Job): ImportReport {
    return structuredClone(j.report);
  }

  function emit(j: Job, force = false) {
    const now = clock.now();
    if (!force && now - j.lastEmit < PROGRESS_EVERY_MS) return;
    j.lastEmit = now;
    events?.emit('imports.progress', snapshot(j));
  }

  function maybeFinish(j: Job) {
    if (j.report.state !== 'running') return;
    const moreToCome = j.walking || (j.expectFiles > 0 && !j.lastBatch) || j.inFlight > 0;
    if (moreToCome) return;
    j.report.state = 'done';
    j.report.finishedAt = clock.now();
    emit(j, true);
    j.settle();
  }

  function fail(j: Job, name: string, reason: ImportFailureReason, message: string) {
    j.report.failed.push({ name, reason, message });
  }

  /** The Midjourney prompt line for a file: the one whose first words its name holds, else in order. */
  function promptFor(j: Job, name: string): string | null {
    if (!j.prompts || j.prompts.length === 0) return null;
    const stem = path
      .basename(name)
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, ' ');
    for (const line of j.prompts) {
      const words = parseMidjourney(line)
        .prompt.toLowerCase()
        .replace(/[^a-z0-9]+/g, ' ')
        .trim()
        .split(' ')
        .slice(0, 4)
        .join(' ');
      if (words.length >= 3 && stem.includes(words)) return line;
    }
    if (j.prompts.length === 1) return j.prompts[0]!;
    return j.prompts[j.nextPrompt++ % j.prompts.length]!;
  }

  async function importBytes(j: Job, name: string, bytes: Uint8Array): Promise<void> {
    const sha256 = sha256Of(bytes);
    if (repo.findBySha(sha256) !== null) {
      j.report.duplicates += 1;
      return;
    }
    const reading = readImageMetadata(bytes);
    reading.catch(() => {}); // Awaited below, after the intake's verdict.
    let taken: Awaited<ReturnType<typeof intake.take>>;
    try {
      taken = await intake.take(bytes, { strip: false, sha256, what: 'imported images' });
    } catch (error) {
      if (error instanceof IntakeRefused) {
        fail(j, name, error.reason, error.message);
        return;
      }
      throw error;
    }
    let metadata: Awaited<typeof reading>;
    try {
      metadata = await reading;
    } catch (error) {
      // The pixels are fine; what the file says could not be read: a plain image, with the reason logged.
      log.warn('import metadata unreadable', { name, error: (error as Error).message });
      metadata = { format: 'other', source: 'plain', parameters: null, raw: {}, warnings: [] };
    }
    let source: ImportSource = metadata.source;
    let parameters: ImportedParameters | null = metadata.parameters;
    const line = source === 'plain' ? promptFor(j, name) : null;
    if (line) {
      parameters = parseMidjourney(line);
      source = 'midjourney';
    }
    const stored = taken.stored;
    const fileName = path.basename(name.replaceAll('\\', '/'));
    const fallbackPrompt = fileName.replace(/\.[A-Za-z0-9]{1,5}$/, '');
    const request = closestRequest(parameters, stored, fallbackPrompt);
    const runId = repo.insert({
      source,
      sha256,
      fileName,
      raw: line ? { ...metadata.raw, 'Midjourney prompt': line } : metadata.raw,
      parameters,
      request,
      prompt: parameters?.prompt.trim() ? parameters.prompt : fallbackPrompt,
      negativePrompt: parameters?.negativePrompt ?? '',
      provider: importedProvider(source, parameters),
      model: parameters?.model?.name ?? null,
      seed: seedColumn(parameters),
      output: {
        index: 0,
        path: stored.path,
        sha256: stored.sha256,
        width: stored.width,
        height: stored.height,
        format: stored.format,
        bytes: stored.bytes,
        thumbPath: stored.thumbPath,
      },
      now: clock.now(),
    });
    if (runId === null) {
      j.report.duplicates += 1;
      return;
    }
    options.imported?.(runId);
    j.report.imported[source] = (j.report.imported[source] ?? 0) + 1;
    j.report.runIds.push(runId);
    if (j.report.runIds.length > KEEP_RUN_IDS) j.report.runIds.shift();
  }

  /** One file, whatever happens to it: counted as processed, failures listed, never thrown. */
  async function processOne(j: Job, name: string, load: () => Promise<Uint8Array>): Promise<void> {
    j.inFlight += 1;
    try {
      if (j.abort.signal.aborted) return;
      let bytes: Uint8Array;
      try {
        bytes = await load();
      } catch (error) {
        const reason = error instanceof LoadRefused ? error.reason : errnoReason(error);
        fail(j, name, reason, error instanceof Error ? error.message : String(error));
        return;
      }
      await importBytes(j, name, bytes);
    } catch (error) {
      log.error('import failed', { name, error: error instanceof Error ? error.message : String(error) });
      fail(j, name, 'unreadable', `The file could not be imported (${(error as Error).message}).`);
    } finally {
      j.inFlight -= 1;
      if (!j.abort.signal.aborted) j.report.processed += 1;
      emit(j);
    }
  }

  async function readLimited(file: string): Promise<Uint8Array> {
    const info = await fs.stat(file);
    if (info.size > maxFileBytes) {
      throw new LoadRefused(
        'too_large',
        `The file is ${Math.round(info.size / 1024 / 1024)} MB; imported images can be at most ${Math.round(maxFileBytes / 1024 / 1024)} MB.`,
      );
    }
    return fs.readFile(file);
  }

  async function walkPaths(j: Job, paths: readonly string[]): Promise<void> {
    const limit = pLimit(concurrency);
    const running = new Set<Promise<void>>();
    const take = async (file: string) => {
      if (j.report.found >= IMPORT_LIMITS.maxFilesPerImport) return;
      j.report.found += 1;
      const work = limit(() => processOne(j, file, () => readLimited(file)));
      running.add(work);
      void work.finally(() => running.delete(work));
      // Backpressure: the walk waits while every slot is busy, so a huge folder is never listed into memory.
      if (running.size >= concurrency * 2) await Promise.race(running);
    };
    try {
      for (const entry of paths) {
        if (j.abort.signal.aborted) break;
        const root = path.resolve(entry);
        let info: Awaited<ReturnType<typeof fs.stat>>;
        try {
          info = await fs.stat(root);
        } catch (error) {
          j.report.found += 1;
          j.report.processed += 1;
          fail(j, entry, errnoReason(error), `${entry}: ${describeErrno(error)}`);
          continue;
        }
        if (info.isDirectory()) {
          for await (const file of walk(root, j.abort.signal)) {
            if (j.abort.signal.aborted) break;
            await take(file);
          }
        } else await take(root);
      }
      await Promise.all(running);
    } finally {
      j.walking = false;
      maybeFinish(j);
    }
  }

  return {
    start({ paths, expectFiles, midjourneyPrompts }) {
      const id = randomUUID();
      let settle = () => {};
      const settled = new Promise<void>((resolve) => {
        settle = resolve;
      });
      const j: Job = {
        report: {
          id,
          state: 'running',
          found: expectFiles,
          processed: 0,
          imported: {},
          duplicates: 0,
          failed: [],
          runIds: [],
          startedAt: clock.now(),
          finishedAt: null,
        },
        abort: new AbortController(),
        prompts: midjourneyPrompts ? midjourneyLines(midjourneyPrompts) : null,
        nextPrompt: 0,
        expectFiles,
        walking: paths.length > 0,
        lastBatch: expectFiles === 0,
        inFlight: 0,
        lastEmit: 0,
        settled,
        settle,
      };
      jobs.set(id, j);
      if (paths.length > 0) {
        void walkPaths(j, paths).catch((error: unknown) =>
          log.error('import walk failed', { error: error instanceof Error ? error.message : String(error) }),
        );
      } else queueMicrotask(() => maybeFinish(j));
      emit(j, true);
      return snapshot(j);
    },
    async addFiles(id, files, last) {
      const j = job(id);
      if (j.report.state !== 'running') return snapshot(j);
      if (j.expectFiles === 0) j.report.found += files.length;
      const limit = pLimit(concurrency);
      await Promise.all(
        files.map((file) =>
          limit(() => processOne(j, file.name, async () => decodeBase64(file.dataBase64, maxFileBytes))),
        ),
      );
      if (last) j.lastBatch = true;
      maybeFinish(j);
      return snapshot(j);
    },
    cancel(id) {
      const j = job(id);
      if (j.report.state === 'running') {
        j.abort.abort();
        j.report.state = 'cancelled';
        j.report.finishedAt = clock.now();
        emit(j, true);
        j.settle();
      }
      return snapshot(j);
    },
    get: (id) => snapshot(job(id)),
    async settled(id) {
      const j = job(id);
      await j.settled;
      return snapshot(j);
    },
    forRun(runId) {
      const stored = repo.get(runId);
      if (!stored) return null;
      const hasGraph = stored.source === 'comfyui' && typeof stored.raw.prompt === 'string';
      const hasGraphInExif =
        stored.source === 'comfyui' && Object.values(stored.raw).some((v) => v.startsWith('prompt:{'));
      return {
        source: stored.source,
        fileName: stored.fileName,
        sha256: stored.sha256,
        importedAt: stored.importedAt,
        parameters: stored.parameters,
        raw: stored.raw,
        reproduce: {
          comfyuiGraph: hasGraph || hasGraphInExif,
          a1111:
            stored.parameters !== null &&
            ['a1111', 'fooocus', 'atelier'].includes(stored.source) &&
            stored.parameters.prompt !== '',
          // A plain image says nothing to reproduce; its file name is no prompt.
          atelier: stored.parameters !== null && stored.parameters.prompt.trim() !== '',
        },
      };
    },
  };
}

class LoadRefused extends Error {
  readonly reason: ImportFailureReason;
  constructor(reason: ImportFailureReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** Every file under `dir`, depth first, read lazily; symlinks are not followed (no loops). */
async function* walk(dir: string, signal: AbortSignal): AsyncGenerator<string> {
  let handle: Awaited<ReturnType<typeof fs.opendir>>;
  try {
    handle = await fs.opendir(dir);
  } catch {
    return; // An unreadable sub-folder: the files that could be listed are imported.
  }
  const subdirs: string[] = [];
  for await (const entry of handle as AsyncIterable<Dirent>) {
    if (signal.aborted) return;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) subdirs.push(full);
    else if (entry.isFile() && IMAGE_EXTENSIONS.test(entry.name) && !entry.name.startsWith('.')) yield full;
  }
  for (const sub of subdirs.sort()) yield* walk(sub, signal);
}

function errnoReason(error: unknown): ImportFailureReason {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' ? 'not_found' : 'unreadable';
}

function describeErrno(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return 'there is no such file or folder.';
  if (code === 'EACCES' || code === 'EPERM') return 'Atelier may not read it (permission denied).';
  return `it could not be read (${(error as Error).message}).`;
}

function decodeBase64(text: string, maxBytes: number): Uint8Array {
  if (base64Bytes(text) > maxBytes + 2) {
    throw new LoadRefused(
      'too_large',
      `The file is larger than the ${Math.round(maxBytes / 1024 / 1024)} MB imported images may be.`,
    );
  }
  const bytes = decodeBase64Strict(text);
  if (!bytes)
    throw new LoadRefused('corrupt', 'The file did not arrive intact (its data is not valid base64).');
  return bytes;
}
