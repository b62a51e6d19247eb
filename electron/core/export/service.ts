// Export: outputs → files in a folder the user chose, through presets, a naming template and the metadata
// setting, with a manifest. Every file is encoded on the worker pool into a hidden staging folder inside the
// destination and renamed into place at the end, so a cancel, a failure or a restart leaves no partial file.
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import pLimit from 'p-limit';
import yazl from 'yazl';
import { coordsLabel } from '../../../shared/batches-contract';
import {
  EXPORT_LIMITS,
  type ExportFormat,
  type ExportItem,
  type ExportOptions,
  type ExportPlan,
  type ExportPreset,
  type ExportReport,
  type ExportSource,
  type ExportState,
  NAME_FIELDS,
  type PlannedFile,
  type PresetSize,
} from '../../../shared/export-contract';
import type { StyleVersion } from '../../../shared/library-contract';
import { AppError, fieldError } from '../../../shared/result';
import type { EventBus } from '../events';
import { resolveInside } from '../media';
import type { EmbedMetadata, MetadataMode } from '../metadata/out';
import type { Clock, DesktopShell, Logger } from '../ports';
import type { BoardsRepo, ExportRow, ExportSourceRow, ExportsRepo, HistoryRepo, RunsRepo } from '../store';
import { coverCrop, insideSize, type Size, safeRect } from './crop';
import { attentionFocus, type EncodeTarget } from './encode-worker';
import { type Manifest, type ManifestEntry, manifestCsv, manifestJson } from './manifest';
import {
  collisionKey,
  createNameBook,
  insideFolder,
  type NameValues,
  parseTemplate,
  promptSlug,
  renderPath,
} from './naming';
import type { EncoderPool } from './pool';
import { type LicenceNotes, licenceNote } from './resources';

export interface ExportServiceDeps {
  dataDir: string;
  repo: ExportsRepo;
  boards: BoardsRepo;
  history: HistoryRepo;
  runs: Pick<RunsRepo, 'get'>;
  styleVersion(versionId: number): StyleVersion | null;
  embed: EmbedMetadata;
  metadataMode(): MetadataMode;
  presets: readonly ExportPreset[];
  licences: LicenceNotes;
  pool: EncoderPool;
  events: EventBus;
  clock: Clock;
  log: Logger;
  desktop: DesktopShell | null;
  atelierVersion: string;
}

/** The hidden folder an export stages into, inside the destination (same file system: renames are atomic). */
export const STAGING_PREFIX = '.atelier-export-';
const MANIFEST_FILES = ['manifest.json', 'manifest.csv'] as const;
const PROGRESS_EVERY_MS = 150;
const EXTENSIONS: Record<ExportFormat, string> = {
  png: 'png',
  jpeg: 'jpg',
  webp: 'webp',
  avif: 'avif',
  tiff: 'tif',
};

interface FullPlan {
  plan: ExportPlan;
  files: PlannedFile[];
  rows: Map<number, ExportSourceRow>;
  targets: Map<string, { file: PlannedFile; target: EncodeTarget; preset: ExportPreset; size: PresetSize }>;
}

interface Running {
  report: ExportReport;
  controller: AbortController;
  settled: Promise<void>;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function createExportService(deps: ExportServiceDeps) {
  const { repo, clock, log, events } = deps;
  const running = new Map<string, Running>();

  function preset(id: string, at: (string | number)[]): ExportPreset {
    const found = deps.presets.find((p) => p.id === id);
    if (!found) throw fieldError(at, `there is no preset "${id}"`);
    return found;
  }

  /** The output ids a source selects (live outputs of live runs), at most EXPORT_LIMITS.maxOutputs. */
  function outputIdsOf(source: ExportSource): number[] {
    const max = EXPORT_LIMITS.maxOutputs;
    switch (source.kind) {
      case 'approved':
        return repo.approvedOutputIds(max);
      case 'selection':
        return [...new Set(source.outputIds)];
      case 'board': {
        if (!deps.boards.get(source.boardId))
          throw fieldError(['source', 'boardId'], `there is no board ${source.boardId}`);
        const ids: number[] = [];
        let before: { addedAt: number; outputId: number } | undefined;
        do {
          const page = deps.boards.outputs(source.boardId, { before, limit: 200 });
          ids.push(...page.items.map((item) => item.outputId));
          before = page.next ?? undefined;
        } while (before && ids.length < max);
        return ids.slice(0, max);
      }
      case 'history': {
        const ids: number[] = [];
        let cursor: string | null = null;
        do {
          const page = deps.history.search({
            query: source.query,
            sort: { key: 'date', dir: 'desc' },
            cursor,
            limit: 200,
          });
          for (const summary of page.items) {
            const run = deps.runs.get(summary.id);
            for (const output of run?.outputs ?? []) if (output.deletedAt === null) ids.push(output.id);
          }
          cursor = page.nextCursor;
        } while (cursor !== null && ids.length < max);
        return ids.slice(0, max);
      }
    }
  }

  function items(source: ExportSource): { items: ExportItem[]; total: number } {
    const rows = repo.sources(outputIdsOf(source));
    const alt = repo.altTexts(rows.map((r) => r.outputId));
    return {
      total: rows.length,
      items: rows.map((row) => ({
        outputId: row.outputId,
        runId: row.runId,
        path: row.path,
        thumbPath: row.thumbPath,
        width: row.width,
        height: row.height,
        prompt: row.prompt,
        altText: alt.get(row.outputId) ?? null,
      })),
    };
  }

  function styleLabel(versionId: number | null): { name: string | null; label: string | null } {
    if (versionId === null) return { name: null, label: null };
    const version = deps.styleVersion(versionId);
    return version
      ? { name: version.fields.name, label: `${version.fields.name} v${version.version}` }
      : { name: null, label: null };
  }

  /** The size a preset's size gives this output. */
  function outputSize(row: ExportSourceRow, size: PresetSize): Size {
    if (size.width === null && size.height === null) return { width: row.width, height: row.height };
    if (size.fit === 'inside') return insideSize(row, size);
    return { width: size.width ?? row.width, height: size.height ?? row.height };
  }

  function buildPlan(options: ExportOptions): FullPlan {
    const presets = options.presetIds.map((id, i) => preset(id, ['presetIds', i]));
    const parts = parseTemplate(options.template);
    const root = path.resolve(options.folder);
    if (!path.isAbsolute(options.folder))
      throw fieldError(['folder'], 'must be a full path (a folder on this computer)');
    const ids = outputIdsOf(options.source);
    const rows = repo.sources(ids);
    if (rows.length === 0)
      throw fieldError(['source'], 'selects no images (approve some, or pick another source)');
    const boardOf = boardNames(
      options.source,
      rows.map((r) => r.outputId),
    );
    const book = createNameBook();
    for (const name of MANIFEST_FILES) book.take(name);
    const exists = (relative: string) => existsSync(insideFolder(root, relative));
    const alt = repo.altTexts(rows.map((r) => r.outputId));
    const missing = new Set<number>();
    const files: PlannedFile[] = [];
    const targets: FullPlan['targets'] = new Map();
    const counts = { write: 0, replace: 0, skip: 0, rename: 0 };
    let clashes = 0;
    for (const row of rows) {
      const style = styleLabel(row.styleVersionId);
      for (const p of presets) {
        if (p.altTextRequired && !alt.get(row.outputId)?.approved) missing.add(row.outputId);
        const format = options.format ?? p.format;
        const quality = options.quality ?? p.quality;
        const cmyk = options.cmyk && p.use === 'print' && (format === 'tiff' || format === 'jpeg');
        const offset = repo.crop(row.outputId, p.id) ?? { x: 0, y: 0 };
        for (const size of p.sizes) {
          const dims = outputSize(row, size);
          const values: NameValues = {
            board: boardOf.get(row.outputId) ?? null,
            style: style.name,
            slug: slugOf(row.prompt),
            seed: row.seed,
            width: dims.width,
            height: dims.height,
            ext: EXTENSIONS[format],
            preset: p.id,
            size: size.id,
            run: row.runId,
            output: row.outputId,
            index: row.index + 1,
            provider: row.provider,
            model: row.model,
            date: day(row.createdAt),
            aspect: aspectOf(row),
            batch: row.batch?.id ?? null,
          };
          const wanted = renderPath(parts, values);
          insideFolder(root, wanted);
          let file: PlannedFile;
          const base = { outputId: row.outputId, presetId: p.id, sizeId: size.id, ...dims, format };
          if (book.has(wanted)) {
            // Two files of this export got one name: the later one is numbered, whatever the policy.
            const numberedPath = book.take(wanted, (c) => !exists(c));
            file = { ...base, path: numberedPath, action: 'rename', wanted, takenBy: 'export' };
            clashes += 1;
          } else if (!exists(wanted)) {
            file = { ...base, path: book.take(wanted), action: 'write', wanted: null, takenBy: null };
          } else if (options.overwrite === 'rename') {
            const numberedPath = book.take(wanted, (c) => !exists(c));
            file = { ...base, path: numberedPath, action: 'rename', wanted, takenBy: 'folder' };
          } else {
            file = {
              ...base,
              path: book.take(wanted),
              action: options.overwrite,
              wanted: null,
              takenBy: null,
            };
          }
          counts[file.action] += 1;
          files.push(file);
          if (files.length > EXPORT_LIMITS.maxFiles) {
            throw fieldError(
              ['presetIds'],
              `would write more than ${EXPORT_LIMITS.maxFiles} files; export fewer images or presets`,
            );
          }
          targets.set(file.path, {
            file,
            preset: p,
            size,
            target: {
              key: file.path,
              width: size.width,
              height: size.height,
              fit: size.fit,
              offset,
              format,
              quality,
              cmyk,
              dpi: p.dpi,
              watermark: options.watermark,
            },
          });
        }
      }
    }
    const missingAltText = [...missing];
    return {
      plan: {
        outputs: rows.length,
        total: files.length,
        files: files.slice(0, EXPORT_LIMITS.planPreview),
        counts,
        clashes,
        missingAltText,
        blocked: missingAltText.length > 0 && !options.allowMissingAltText,
      },
      files,
      rows: new Map(rows.map((r) => [r.outputId, r])),
      targets,
    };
  }

  function boardNames(source: ExportSource, outputIds: number[]): Map<number, string> {
    const names = new Map<number, string>();
    const nameOf = new Map<number, string | null>();
    const board = (id: number) => {
      if (!nameOf.has(id)) nameOf.set(id, deps.boards.get(id)?.name ?? null);
      return nameOf.get(id) ?? null;
    };
    if (source.kind === 'board') {
      const name = board(source.boardId);
      if (name !== null) for (const id of outputIds) names.set(id, name);
      return names;
    }
    for (const [outputId, boardIds] of deps.boards.boardsOf(outputIds)) {
      const first = boardIds[0];
      const name = first === undefined ? null : board(first);
      if (name !== null) names.set(outputId, name);
    }
    return names;
  }

  function reportOf(row: ExportRow): ExportReport {
    const { staging: _staging, options: _options, ...report } = row;
    return report;
  }

  function get(id: string): ExportReport {
    const live = running.get(id);
    if (live) return { ...live.report };
    const row = repo.get(id);
    if (!row) throw new AppError('not_found', `There is no export ${id}.`);
    return reportOf(row);
  }

  function start(options: ExportOptions): ExportReport {
    const full = buildPlan(options);
    if (full.plan.blocked) {
      const n = full.plan.missingAltText.length;
      throw new AppError(
        'conflict',
        `${n} image${n === 1 ? '' : 's'} for web presets ${n === 1 ? 'has' : 'have'} no approved alt text. Approve alt text, or export without it.`,
        { details: { reason: 'alt_text_missing', outputIds: full.plan.missingAltText } },
      );
    }
    const id = `exp-${clock.now().toString(36)}-${randomBytes(4).toString('hex')}`;
    const folder = path.resolve(options.folder);
    const staging = path.join(folder, `${STAGING_PREFIX}${id}`);
    const startedAt = clock.now();
    repo.insert({
      id,
      folder,
      staging,
      options: JSON.stringify(options),
      total: full.files.length,
      startedAt,
    });
    const report: ExportReport = {
      id,
      state: 'running',
      folder,
      total: full.files.length,
      done: 0,
      written: 0,
      skipped: 0,
      zip: null,
      error: null,
      startedAt,
      finishedAt: null,
    };
    const controller = new AbortController();
    const entry: Running = { report, controller, settled: Promise.resolve() };
    running.set(id, entry);
    entry.settled = execute(entry, full, options, staging).finally(() => running.delete(id));
    events.emit('export.progress', { ...report });
    return { ...report };
  }

  async function execute(
    entry: Running,
    full: FullPlan,
    options: ExportOptions,
    staging: string,
  ): Promise<void> {
    const { report, controller } = entry;
    const signal = controller.signal;
    const mode = options.metadata ?? deps.metadataMode();
    const folder = report.folder;
    let lastEmit = 0;
    const progress = (force = false) => {
      const now = Date.now();
      if (!force && now - lastEmit < PROGRESS_EVERY_MS) return;
      lastEmit = now;
      repo.progress(report.id, report);
      events.emit('export.progress', { ...report });
    };
    const entries: ManifestEntry[] = [];
    const staged: { file: PlannedFile; stagedAt: string }[] = [];
    try {
      await mkdir(staging, { recursive: true });
      const byOutput = new Map<number, PlannedFile[]>();
      for (const file of full.files) {
        if (file.action === 'skip') {
          report.skipped += 1;
          report.done += 1;
          continue;
        }
        const list = byOutput.get(file.outputId) ?? [];
        list.push(file);
        byOutput.set(file.outputId, list);
      }
      progress(true);
      const alt = repo.altTexts([...byOutput.keys()]);
      // Two tasks per thread keep every thread busy while the main thread writes the last results.
      const limit = pLimit(deps.pool.threads * 2);
      await Promise.all(
        [...byOutput].map(([outputId, files]) =>
          limit(async () => {
            signal.throwIfAborted();
            const row = full.rows.get(outputId);
            if (!row) throw new AppError('internal', `output ${outputId} left the plan`);
            const targets = files.map((f) => full.targets.get(f.path)?.target).filter((t) => t !== undefined);
            const encoded = await deps.pool.encode(
              { source: resolveInside(deps.dataDir, row.path), targets },
              signal,
            );
            for (const out of encoded) {
              signal.throwIfAborted();
              const planned = full.targets.get(out.key);
              if (!planned)
                throw new AppError('internal', `the encoder returned an unplanned file ${out.key}`);
              const bytes = await deps.embed(
                {
                  bytes: Buffer.from(out.bytes.buffer, out.bytes.byteOffset, out.bytes.byteLength),
                  format: planned.file.format,
                },
                outputId,
                mode,
              );
              const stagedAt = insideFolder(staging, planned.file.path);
              await mkdir(path.dirname(stagedAt), { recursive: true });
              await writeFile(stagedAt, bytes);
              staged.push({ file: planned.file, stagedAt });
              const altText = alt.get(outputId) ?? null;
              const style = styleLabel(row.styleVersionId);
              entries.push({
                file: planned.file.path,
                bytes: bytes.byteLength,
                format: planned.file.format,
                width: out.width,
                height: out.height,
                preset: planned.preset.id,
                size: planned.size.id,
                runId: row.runId,
                outputId,
                prompt: row.prompt,
                seed: row.seed,
                provider: row.provider,
                model: row.model,
                styleVersion: style.label,
                batchId: row.batch?.id ?? null,
                batchItem: row.batch ? row.batch.index + 1 : null,
                batchCoords: row.batch?.coords ? coordsLabel(row.batch.coords) : null,
                altText: altText?.text ?? null,
                altTextApprovedBy: altText?.approved ? (altText.approvedBy ?? 'approved') : null,
                approvalRef: row.approvalRef,
                approvedAt:
                  row.reviewStatus === 'approved' && row.reviewedAt !== null
                    ? new Date(row.reviewedAt).toISOString()
                    : null,
                licence: licenceNote(deps.licences, row.provider, row.importedFrom),
              });
              report.done += 1;
              progress();
            }
          }),
        ),
      );
      signal.throwIfAborted();
      // Past this point the export commits: renames only, each one atomic.
      entries.sort((a, b) => a.file.localeCompare(b.file));
      staged.sort((a, b) => a.file.path.localeCompare(b.file.path));
      const committed = await commit(folder, staged, options.overwrite, report);
      const kept = new Set(committed.map((c) => c.planned));
      const manifest: Manifest = {
        exportId: report.id,
        createdAt: new Date(clock.now()).toISOString(),
        atelierVersion: deps.atelierVersion,
        metadata: mode,
        files: entries
          .filter((e) => kept.has(e.file))
          .map((e) => ({ ...e, file: committed.find((c) => c.planned === e.file)?.path ?? e.file })),
      };
      const sidecars = await writeSidecars(folder, staging, manifest, options.overwrite);
      if (options.zip) {
        report.zip = await writeZip(folder, staging, report.id, [
          ...committed.map((c) => c.path),
          ...sidecars,
        ]);
      }
      await rm(staging, { recursive: true, force: true });
      finish(report, 'done', null);
    } catch (error) {
      await rm(staging, { recursive: true, force: true }).catch((cleanup: unknown) =>
        log.error('export staging not removed', { id: report.id, error: String(cleanup) }),
      );
      if (signal.aborted) {
        finish(report, 'cancelled', null);
      } else {
        const code = error instanceof AppError ? error.code : 'internal';
        const message = error instanceof Error ? error.message : String(error);
        log.error('export failed', { id: report.id, error: message });
        finish(report, 'failed', { code, message });
      }
    }
  }

  /** Renames staged files into place; a name taken since the plan follows the overwrite policy again. */
  async function commit(
    folder: string,
    staged: { file: PlannedFile; stagedAt: string }[],
    policy: ExportOptions['overwrite'],
    report: ExportReport,
  ): Promise<{ planned: string; path: string }[]> {
    const done: { planned: string; path: string }[] = [];
    const claimed = new Set(staged.map((s) => collisionKey(s.file.path)));
    for (const { file, stagedAt } of staged) {
      let relative = file.path;
      if (file.action !== 'replace' && existsSync(insideFolder(folder, relative))) {
        if (policy === 'skip') {
          report.skipped += 1;
          continue;
        }
        if (policy === 'rename') relative = freeName(folder, relative, claimed);
      }
      const target = insideFolder(folder, relative);
      await mkdir(path.dirname(target), { recursive: true });
      await rename(stagedAt, target);
      report.written += 1;
      done.push({ planned: file.path, path: relative });
    }
    return done;
  }

  function freeName(folder: string, relative: string, claimed: Set<string>): string {
    const book = createNameBook();
    const name = book.take(
      relative,
      (c) => !existsSync(insideFolder(folder, c)) && !claimed.has(collisionKey(c)),
    );
    claimed.add(collisionKey(name));
    return name;
  }

  async function writeSidecars(
    folder: string,
    staging: string,
    manifest: Manifest,
    policy: ExportOptions['overwrite'],
  ): Promise<string[]> {
    const written: string[] = [];
    const bodies: Record<(typeof MANIFEST_FILES)[number], string> = {
      'manifest.json': manifestJson(manifest),
      'manifest.csv': manifestCsv(manifest),
    };
    for (const name of MANIFEST_FILES) {
      let relative: string = name;
      if (existsSync(insideFolder(folder, relative))) {
        if (policy === 'skip') continue;
        if (policy === 'rename') relative = freeName(folder, relative, new Set());
      }
      const stagedAt = path.join(staging, name);
      await writeFile(stagedAt, bodies[name]);
      await rename(stagedAt, insideFolder(folder, relative));
      written.push(relative);
    }
    return written;
  }

  async function writeZip(folder: string, staging: string, id: string, files: string[]): Promise<string> {
    const zip = new yazl.ZipFile();
    for (const relative of files) zip.addFile(insideFolder(folder, relative), relative);
    const name = freeName(folder, `atelier-${id}.zip`, new Set());
    const stagedAt = path.join(staging, 'export.zip');
    zip.end();
    await pipeline(zip.outputStream, createWriteStream(stagedAt));
    await rename(stagedAt, insideFolder(folder, name));
    return name;
  }

  function finish(report: ExportReport, state: ExportState, error: ExportReport['error']): void {
    report.state = state;
    report.error = error;
    report.finishedAt = clock.now();
    repo.progress(report.id, report);
    repo.finish(report.id, { state, zip: report.zip, error }, report.finishedAt);
    events.emit('export.progress', { ...report });
  }

  /** Exports a previous process left running: interrupted, their staging folders removed. */
  async function recover(): Promise<number> {
    const rows = repo.interruptRunning(clock.now());
    for (const row of rows) {
      const staging = path.resolve(row.staging);
      // Only ever a staging folder of ours, directly inside the export's folder.
      if (
        path.dirname(staging) !== path.resolve(row.folder) ||
        !path.basename(staging).startsWith(STAGING_PREFIX)
      ) {
        log.error('export staging path is not one of ours; left alone', { id: row.id });
        continue;
      }
      await rm(staging, { recursive: true, force: true });
    }
    return rows.length;
  }

  async function cropPreview(outputId: number, presetId: string, sizeId: string | null) {
    const [row] = repo.sources([outputId]);
    if (!row) throw fieldError(['outputId'], `there is no image ${outputId}`);
    const p = preset(presetId, ['presetId']);
    const size =
      sizeId === null
        ? (p.sizes.find((s) => s.fit === 'cover' && s.width !== null && s.height !== null) ?? p.sizes[0])
        : p.sizes.find((s) => s.id === sizeId);
    if (!size) throw fieldError(['sizeId'], `preset "${p.id}" has no size "${sizeId}"`);
    const source = { width: row.width, height: row.height };
    const offset = repo.crop(outputId, p.id) ?? { x: 0, y: 0 };
    const target = outputSize(row, size);
    const cropped = size.fit === 'cover' && size.width !== null && size.height !== null;
    const crop = cropped
      ? coverCrop(
          source,
          target,
          await attentionFocus(resolveInside(deps.dataDir, row.path), source, target),
          offset,
        )
      : { left: 0, top: 0, ...source };
    return {
      outputId,
      presetId: p.id,
      sizeId: size.id,
      source,
      crop,
      target,
      offset,
      safe: p.safeZone ? safeRect(crop, p.safeZone) : null,
    };
  }

  return {
    presets: () => ({ presets: [...deps.presets], nameFields: [...NAME_FIELDS] }),
    items,
    plan: (options: ExportOptions): ExportPlan => buildPlan(options).plan,
    start,
    get,
    list: () => ({
      exports: repo.list(50).map((row) => (running.has(row.id) ? get(row.id) : reportOf(row))),
    }),
    cancel(id: string): ExportReport {
      const live = running.get(id);
      if (live) live.controller.abort(new AppError('cancelled', 'The export was cancelled.'));
      return get(id);
    },
    /** Resolves when the export has ended (tests and shutdown). */
    settled: (id: string) => running.get(id)?.settled ?? Promise.resolve(),
    showFolder(id: string): Record<string, never> {
      const report = get(id);
      if (deps.desktop === null) {
        throw new AppError(
          'unavailable',
          `Show in folder works in the desktop app; the folder is ${report.folder}.`,
        );
      }
      deps.desktop.showInFolder(report.folder);
      return {};
    },
    cropPreview,
    async setCrop(
      outputId: number,
      presetId: string,
      sizeId: string | null,
      offset: { x: number; y: number },
    ) {
      preset(presetId, ['presetId']);
      repo.setCrop(outputId, presetId, offset, clock.now());
      return cropPreview(outputId, presetId, sizeId);
    },
    recover,
    async close(): Promise<void> {
      for (const live of running.values())
        live.controller.abort(new AppError('cancelled', 'Atelier is closing.'));
      await Promise.all([...running.values()].map((live) => live.settled));
      await deps.pool.close();
    },
  };
}

/** The run's requested aspect ratio as a name part (`16x9`), else the image's own ratio in lowest terms. */
function aspectOf(row: ExportSourceRow): string {
  if (row.aspectRatio !== null) return row.aspectRatio.replace(':', 'x');
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const d = gcd(row.width, row.height) || 1;
  return `${row.width / d}x${row.height / d}`;
}

const slugCache = new Map<string, string>();
/** The prompt's slug, remembered: an export of many sizes of one run asks for it many times. */
function slugOf(prompt: string): string {
  let slug = slugCache.get(prompt);
  if (slug === undefined) {
    slug = promptSlug(prompt);
    if (slugCache.size > 10_000) slugCache.clear();
    slugCache.set(prompt, slug);
  }
  return slug;
}

export type ExportService = ReturnType<typeof createExportService>;
