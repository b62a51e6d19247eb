import path from 'node:path';
import pLimit from 'p-limit';
import {
  DEFAULT_QUALITY_SETTINGS,
  QUALITY_CHECKS,
  type QualityCheckId,
  type QualityCheckRecord,
  type QualityProgress,
  QualitySettings,
  type ReferenceCheckRecord,
} from '../../../shared/quality-contract';
import { AppError } from '../../../shared/result';
import type { EventBus } from '../events';
import type { Clock, Logger } from '../ports';
import type { Catalog } from '../providers/catalog';
import { pixelSize } from '../providers/image-params';
import type { QualityRepo, QualityTarget, SettingsRepo } from '../store';
import { CHECK_VERSIONS, judge, judgeReferenceNsfw, quotedText } from './judge';
import type { MeasureWants } from './measure';
import { PhashIndex } from './phash-index';
import type { MeasureFile } from './pool';

export const QUALITY_SETTINGS_KEY = 'quality';

export interface QualityServiceDeps {
  repo: QualityRepo;
  settings: SettingsRepo;
  catalog: Catalog;
  dataDir: string;
  /** Measures one stored image (a worker pool in the app; in process in tests). */
  measure: MeasureFile;
  /** How many images are measured at once (the pool's size). */
  concurrency: number;
  events: EventBus;
  clock: Clock;
  log: Logger;
  /** Stops the measuring (the worker pool) on close; what it was doing is dropped. */
  stopMeasuring?: () => Promise<void>;
}

export interface QualityService {
  /** Queues every output of a run (after ingest); generation never waits for it. */
  checkRun(runId: number): void;
  /** Checks outputs now (queued like the rest); resolves when their results are stored. */
  checkOutputs(outputIds: readonly number[]): Promise<void>;
  /**
   * References imported, edited or deleted: new ones are hashed into the near-duplicate index and classified
   * by the NSFW model (while NSFW runs on any route); deleted ones leave the index. Queued like outputs.
   */
  referencesChanged(ids: readonly number[]): void;
  settings(): QualitySettings;
  saveSettings(settings: QualitySettings): QualitySettings;
  rerun(): QualityProgress;
  cancelRerun(): QualityProgress;
  progress(): QualityProgress;
  /** Resolves when nothing is queued or running. */
  idle(): Promise<void>;
  readonly index: PhashIndex;
  close(): Promise<void>;
}

/**
 * The quality gate: after ingest each output is measured on a worker, judged against Settings → Quality and
 * the near-duplicate index, and its results stored; a failed or not-run check flags it for review with the
 * reason (fail closed). The index is rebuilt from the stored hashes when the service starts.
 */
export function createQualityService(deps: QualityServiceDeps): QualityService {
  const { repo, events, clock, log } = deps;
  const limit = pLimit(Math.max(1, deps.concurrency));
  const index = new PhashIndex();
  for (const hash of repo.hashes())
    index.put({ kind: hash.kind, id: hash.id, runId: hash.runId }, hash.phash);
  const inFlight = new Set<Promise<unknown>>();
  let closed = false;
  let job: {
    state: QualityProgress['state'];
    done: number;
    total: number;
    references: number;
    cancelled: boolean;
  } = { state: 'idle', done: 0, total: 0, references: 0, cancelled: false };
  /** Counts changes to `job` (QualityProgress.revision). */
  let revision = 0;

  const readSettings = () =>
    deps.settings.get(QUALITY_SETTINGS_KEY, QualitySettings, DEFAULT_QUALITY_SETTINGS);

  function track<T>(promise: Promise<T>): Promise<T> {
    inFlight.add(promise);
    void promise.finally(() => inFlight.delete(promise)).catch(() => {});
    return promise;
  }

  function snappedSize(target: QualityTarget): { width: number; height: number } | null {
    if (!target.request || !target.provider) return null;
    const provider = deps.catalog.providers.find((p) => p.id === target.provider);
    const model = provider?.models.find((m) => m.id === target.model) ?? null;
    if (!model) return null;
    try {
      return pixelSize(model, target.request, []);
    } catch {
      return null; // A model mapping this ratio to `auto`: no snapped size to compare with.
    }
  }

  /** A check that could not run because the image itself could not be measured (read, decoded). */
  function unreadable(check: QualityCheckId, cause: string) {
    return {
      check,
      result: 'not_run' as const,
      score: null,
      threshold: null,
      version: CHECK_VERSIONS[check],
      reason: `Not run: the image could not be read (${cause}). A person must look.`,
      details: { cause },
      checkedAt: clock.now(),
    };
  }

  async function checkOne(outputId: number): Promise<void> {
    if (closed) return;
    const target = repo.target(outputId);
    if (!target) return;
    const settings = readSettings();
    const checks = new Set(
      QUALITY_CHECKS.filter((check) =>
        (settings.routes[check] as readonly string[]).includes(target.taskType),
      ),
    );
    if (checks.size === 0) return;
    const expectedText = target.request && checks.has('text') ? quotedText(target.request.prompt) : [];
    const wants: MeasureWants = {
      nsfw: checks.has('nsfw'),
      ocr: checks.has('text') && expectedText.length > 0,
    };
    let records: QualityCheckRecord[];
    try {
      const facts = await deps.measure(path.join(deps.dataDir, target.path), wants);
      if (closed) return;
      records = judge({
        outputId,
        runId: target.runId,
        facts,
        checks,
        settings,
        requested: {
          size: target.request?.size ?? null,
          aspectRatio: target.request?.aspectRatio ?? null,
        },
        snapped: snappedSize(target),
        expectedText,
        index,
        providerFlag: target.providerSafety,
        now: clock.now(),
      });
      repo.putOutputHash(outputId, facts.phash);
      index.put({ kind: 'output', id: outputId, runId: target.runId }, facts.phash);
    } catch (error) {
      if (closed || (error instanceof AppError && error.code === 'cancelled')) return;
      const cause = error instanceof Error ? error.message : String(error);
      log.warn('quality checks could not measure an output', { outputId, error: cause });
      records = [...checks].map((check) => ({ ...unreadable(check, cause), outputId }));
    }
    repo.save(records);
    events.emit('quality.checked', { outputIds: [outputId], runIds: [target.runId] });
  }

  function queue(outputId: number): Promise<void> {
    return track(
      limit(() => checkOne(outputId)).catch((error: unknown) => {
        log.error('quality checks failed', {
          outputId,
          error: error instanceof Error ? error.message : String(error),
        });
      }),
    );
  }

  /** NSFW runs on references while it runs on any route, with the same thresholds. */
  const nsfwOnReferences = (settings: QualitySettings) => settings.routes.nsfw.length > 0;

  /**
   * Hashes a reference into the near-duplicate index and classifies it (NSFW). Done once per reference;
   * `again` (the library re-run) does both again with the settings of now.
   */
  async function checkReference(id: number, again: boolean): Promise<void> {
    const reference = repo.reference(id);
    if (!reference) {
      index.remove('reference', id);
      return;
    }
    const settings = readSettings();
    const nsfw = nsfwOnReferences(settings) && (again || !reference.checked.includes('nsfw'));
    if (!nsfw && !again && reference.hashed) return;
    let records: ReferenceCheckRecord[] = [];
    try {
      const facts = await deps.measure(path.join(deps.dataDir, reference.path), { nsfw, ocr: false });
      if (closed) return;
      repo.putReferenceHash(id, facts.phash);
      index.put({ kind: 'reference', id, runId: null }, facts.phash);
      if (nsfw) records = [judgeReferenceNsfw(facts, settings, clock.now())];
    } catch (error) {
      if (closed || (error instanceof AppError && error.code === 'cancelled')) return;
      const cause = error instanceof Error ? error.message : String(error);
      log.warn('quality checks could not measure a reference', { referenceId: id, error: cause });
      if (nsfw) records = [unreadable('nsfw', cause)];
    }
    if (records.length === 0 || !repo.reference(id)) return; // deleted while it was measured
    repo.saveReferenceChecks(id, records);
    events.emit('quality.referencesChecked', { ids: [id] });
  }

  function queueReference(id: number, again = false): Promise<void> {
    return track(
      limit(() => (closed ? undefined : checkReference(id, again))).catch((error: unknown) => {
        log.warn('a reference could not be checked', {
          referenceId: id,
          error: error instanceof Error ? error.message : String(error),
        });
      }),
    );
  }

  const progress = (): QualityProgress => ({
    state: job.state,
    done: job.done,
    total: job.total,
    references: job.references,
    revision,
  });
  let lastEmit = 0;
  function emitProgress(force: boolean) {
    const now = Date.now();
    if (!force && now - lastEmit < 250) return;
    lastEmit = now;
    events.emit('quality.progress', progress());
  }

  return {
    index,
    checkRun(runId) {
      for (const id of repo.outputsOfRun(runId)) void queue(id);
    },
    async checkOutputs(outputIds) {
      await Promise.all(outputIds.map(queue));
    },
    referencesChanged(ids) {
      for (const id of ids) void queueReference(id);
    },
    settings: readSettings,
    saveSettings(settings) {
      deps.settings.set(QUALITY_SETTINGS_KEY, settings, clock.now());
      return readSettings();
    },
    rerun() {
      if (job.state === 'running') return progress();
      const ids = repo.liveOutputIds();
      const references = repo.referenceIds();
      revision += 1;
      job = {
        state: 'running',
        done: 0,
        total: references.length + ids.length,
        references: references.length,
        cancelled: false,
      };
      const current = job;
      emitProgress(true);
      // A few at a time so a cancel stops it soon and new outputs are not stuck behind the whole library.
      const window = Math.max(2, deps.concurrency * 2);
      const inWindows = async (all: readonly number[], check: (id: number) => Promise<void>) => {
        for (let i = 0; i < all.length && !current.cancelled; i += window) {
          const slice = all.slice(i, i + window);
          await Promise.all(slice.map(check));
          current.done += slice.length;
          revision += 1;
          emitProgress(false);
        }
      };
      void track(
        (async () => {
          // References first: outputs checked after them find them as near-duplicates.
          await inWindows(references, (id) => queueReference(id, true));
          await inWindows(ids, queue);
          current.state = current.cancelled ? 'cancelled' : 'done';
          revision += 1;
          emitProgress(true);
        })(),
      );
      return progress();
    },
    cancelRerun() {
      if (job.state === 'running') job.cancelled = true;
      return progress();
    },
    progress,
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    async close() {
      closed = true;
      job.cancelled = true;
      await deps.stopMeasuring?.();
      await Promise.allSettled([...inFlight]);
    },
  };
}
