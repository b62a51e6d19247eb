import {
  type BatchEstimate,
  type BatchItem,
  type BatchProviderCost,
  BatchSettings,
  type BatchSpec,
  type BatchSummary,
  DEFAULT_MAX_BATCH_ITEMS,
} from '../../../shared/batches-contract';
import type { GenerationRequest } from '../../../shared/domain';
import { AppError, type AppErrorShape, fieldError } from '../../../shared/result';
import { settingsPath } from '../../../shared/settings-tabs';
import type { BudgetBook } from '../dispatch/budgets';
import type { EventBus } from '../events';
import type { GenerationService } from '../generation';
import type { Clock, Logger } from '../ports';
import type { Catalog } from '../providers/catalog';
import type { BatchesRepo, BatchRow, RunsRepo, SettingsRepo } from '../store';
import { batchKind, countItems, expandCoords, itemRequest } from './expand';

/**
 * Batches on top of the generation service and its persisted queue. A batch is recorded whole (every item
 * pending) before anything is sent; then at most `window` of its items are out in the queue at a time, each
 * linked to its run in the transaction that creates the run. Items settle from `run.completed`; a failed one
 * waits in the dead-letter list (its reason kept) until it is retried by hand. After a restart, the queue
 * resumes runs that had not been sent and fails those that were out (`interrupted`): their items land in the
 * dead-letter list, never sent again on their own.
 */
export interface BatchService {
  estimate(spec: BatchSpec): BatchEstimate;
  /** Refused (the estimate's refusal) before anything is recorded or sent; else recorded and started. */
  create(spec: BatchSpec): number;
  list(): BatchSummary[];
  get(batchId: number): { batch: BatchSummary; items: BatchItem[] };
  pause(batchId: number): BatchSummary;
  resume(batchId: number): BatchSummary;
  cancel(batchId: number): BatchSummary;
  retry(batchId: number, indexes: readonly number[] | 'all'): BatchSummary;
  settings(): BatchSettings;
  setSettings(settings: BatchSettings): BatchSettings;
  /** Settles items whose runs ended while Atelier was stopped, then feeds the running batches. */
  start(): void;
  /** Sends nothing more (Atelier is closing); items still settle from their runs' events. */
  stop(): void;
}

export interface BatchDeps {
  repo: BatchesRepo;
  generation: Pick<GenerationService, 'start' | 'estimate' | 'cancel'>;
  runs: Pick<RunsRepo, 'get'>;
  budgets: Pick<BudgetBook, 'check' | 'checkOverall'>;
  catalog: Catalog;
  settings: SettingsRepo;
  events: EventBus;
  clock: Clock;
  log: Logger;
  /** How many of one batch's items may be out in the queue at once. */
  window: number;
}

const SETTINGS_KEY = 'batches';
/** Run endings where no request left Atelier: the item is not at fault and may simply be sent later. */
const NOTHING_SENT: ReadonlySet<string> = new Set(['no_provider', 'budget_exceeded']);
const pauseReason = (why: string) => `${why} Resume when a provider can run again.`;
const DEFAULTS: BatchSettings = { maxItems: DEFAULT_MAX_BATCH_ITEMS };

export function createBatchService(deps: BatchDeps): BatchService {
  const { repo, generation, events, clock, log } = deps;
  let stopped = false;
  let pumping = false;
  const again = new Set<number>();

  // Computed from the database as it is now, so a later summary is never older; past a restart too (clock).
  let revision = 0;
  const nextRevision = () => {
    revision = Math.max(revision + 1, clock.now() * 1000);
    return revision;
  };

  const providerName = (id: string) => deps.catalog.providers.find((p) => p.id === id)?.name ?? id;
  const settings = () => deps.settings.get(SETTINGS_KEY, BatchSettings, DEFAULTS);

  events.subscribe((name, payload) => {
    if (name !== 'run.completed') return;
    const { runId, status, error } = payload as {
      runId: number;
      status: string;
      error: AppErrorShape | null;
    };
    onRunEnded(runId, status, error);
  });

  function requireBatch(batchId: number): BatchRow {
    const batch = repo.get(batchId);
    if (!batch) throw new AppError('not_found', `There is no batch ${batchId}.`);
    return batch;
  }

  function summary(batch: BatchRow): BatchSummary {
    const counts = repo.counts(batch.id);
    const settled = counts.succeeded + counts.failed + counts.cancelled;
    return {
      id: batch.id,
      name: batch.name,
      kind: batch.kind,
      state: batch.state,
      pausedReason: batch.pausedReason,
      createdAt: batch.createdAt,
      finishedAt: batch.finishedAt,
      counts,
      progress: counts.total === 0 ? 1 : settled / counts.total,
      costUsd: Math.round(repo.cost(batch.id) * 1e6) / 1e6,
      estimateUsd: batch.settings.estimateUsd,
      etaMs: eta(batch, counts.pending + counts.running),
      revision: nextRevision(),
    };
  }

  /** The pace so far (settled items from the first start to now), applied to what is left. */
  function eta(batch: BatchRow, left: number): number | null {
    if (batch.state !== 'running' || left === 0) return null;
    const pace = repo.pace(batch.id);
    if (pace.settled === 0 || pace.firstStartedAt === null) return null;
    const elapsed = Math.max(1, clock.now() - pace.firstStartedAt);
    return Math.round((elapsed / pace.settled) * left);
  }

  function announce(batchId: number): BatchSummary {
    const batch = summary(requireBatch(batchId));
    events.emit('batch.updated', { batch });
    return batch;
  }

  function announceItem(batchId: number, index: number): void {
    const item = repo.item(batchId, index);
    if (item) events.emit('batch.item', { item });
  }

  function onRunEnded(runId: number, status: string, error: { code: string; message: string } | null): void {
    const item = repo.itemOfRun(runId);
    if (item?.state !== 'running') return; // Not a batch run, or settled already (a restart's sweep).
    const batch = repo.get(item.batchId);
    if (!batch) return;
    const now = clock.now();
    if (status === 'failed' && error && NOTHING_SENT.has(error.code)) {
      // No provider could be tried (breakers open, keys flagged, budgets spent): not this item's fault. It
      // waits, and the batch pauses with the reason instead of running through its items.
      repo.release(item.batchId, item.index);
      if (batch.state === 'running') repo.setState(batch.id, 'paused', pauseReason(error.message), now);
    } else if (status === 'succeeded') {
      repo.settle(item.batchId, item.index, 'succeeded', null, now);
    } else if (status === 'cancelled' && batch.state === 'cancelled') {
      repo.settle(item.batchId, item.index, 'cancelled', null, now);
    } else {
      // A run cancelled by hand, failed or interrupted: the dead-letter list, with its reason, for a retry.
      repo.settle(
        item.batchId,
        item.index,
        'failed',
        { code: error?.code ?? status, message: error?.message ?? `The run ended ${status}.` },
        now,
      );
    }
    announceItem(item.batchId, item.index);
    pump(item.batchId);
  }

  /** Sends pending items while the batch runs and has room; marks it done when nothing is left. */
  function pump(batchId: number): void {
    if (pumping) {
      // A run settled while an item was being sent: go round once more when that send returns.
      again.add(batchId);
      return;
    }
    pumping = true;
    try {
      again.add(batchId);
      while (again.size > 0) {
        const id = again.values().next().value as number;
        again.delete(id);
        feed(id);
      }
    } finally {
      pumping = false;
    }
  }

  function feed(batchId: number): void {
    const batch = repo.get(batchId);
    if (!batch) return;
    if (batch.state === 'running' && !stopped) {
      const room = deps.window - repo.counts(batchId).running;
      for (const item of room > 0 ? repo.pending(batchId, room) : []) {
        if (!send(batch, item)) break;
      }
    }
    const counts = repo.counts(batchId);
    if (batch.state === 'running' && counts.pending === 0 && counts.running === 0) {
      repo.setState(batchId, 'done', null, clock.now());
    }
    announce(batchId);
  }

  /** One item to the queue; false when the batch paused itself (a budget reached) and sending must stop. */
  function send(batch: BatchRow, item: BatchItem): boolean {
    const current = repo.item(batch.id, item.index);
    if (current?.state !== 'pending') return true; // Sent by a nested round meanwhile.
    let request: GenerationRequest;
    try {
      request = itemRequest(batch.spec, item.coords);
      generation.start(request, null, (runId) => repo.attachRun(batch.id, item.index, runId, clock.now()));
    } catch (error) {
      const code = error instanceof AppError ? error.code : 'internal';
      const message = error instanceof Error ? error.message : String(error);
      // Refused for the circumstances (a budget reached mid-batch, no provider can run now), not for this
      // item (a seed a provider cannot take, a template value): stop sending and say why; resume later.
      const circumstance =
        code === 'budget_exceeded' ||
        (error instanceof AppError && code === 'invalid_input' && !error.issues);
      if (circumstance) {
        repo.setState(batch.id, 'paused', pauseReason(message), clock.now());
        return false;
      }
      if (!(error instanceof AppError))
        log.error('batch item could not be sent', { batchId: batch.id, message });
      repo.settle(batch.id, item.index, 'failed', { code, message }, clock.now());
    }
    announceItem(batch.id, item.index);
    return true;
  }

  function estimate(spec: BatchSpec): BatchEstimate {
    const { maxItems } = settings();
    const items = countItems(spec);
    const base = { items, maxItems, perProvider: [], unrunnable: 0, totalUsd: null, warnings: [] };
    if (items > maxItems) {
      const message = `This batch makes ${items} items; at most ${maxItems} are allowed per batch (maxItems, "Items per batch at most" in ${settingsPath('budgets')}). Use fewer variants, values, aspect ratios or styles, or raise it there.`;
      return {
        ...base,
        refusal: {
          code: 'invalid_input',
          message,
          issues: [{ path: ['maxItems'], message: `is ${maxItems}; this batch makes ${items} items` }],
          fix: 'budgets',
          details: { field: 'maxItems', items, maxItems },
        },
      };
    }
    const byProvider = new Map<string, BatchProviderCost>();
    const warnings = new Set<string>();
    let unrunnable = 0;
    let total: number | null = null;
    for (const coords of expandCoords(spec)) {
      // The library renders each item (style, template values) and the dispatcher plans it, as Generate would.
      const priced = generation.estimate(itemRequest(spec, coords));
      for (const warning of priced.warnings) warnings.add(warning);
      const first = priced.steps.find((s) => s.eligible);
      if (!first) {
        unrunnable += 1;
        continue;
      }
      const usd = priced.cached ? 0 : first.estimateUsd;
      const entry = byProvider.get(first.provider) ?? {
        provider: first.provider,
        name: providerName(first.provider),
        items: 0,
        usd: 0,
      };
      entry.items += 1;
      entry.usd = entry.usd === null || usd === null ? null : entry.usd + usd;
      byProvider.set(first.provider, entry);
      if (usd !== null) total = (total ?? 0) + usd;
    }
    const perProvider = [...byProvider.values()].map((p) => ({
      ...p,
      usd: p.usd === null ? null : Math.round(p.usd * 1e6) / 1e6,
    }));
    return {
      items,
      maxItems,
      perProvider,
      unrunnable,
      totalUsd: total === null ? null : Math.round(total * 1e6) / 1e6,
      refusal: refusalOf(perProvider, total, unrunnable, items),
      warnings: [...warnings],
    };
  }

  /** Budgets apply to the whole batch: each provider's share and the total must fit before anything is sent. */
  function refusalOf(
    perProvider: BatchProviderCost[],
    total: number | null,
    unrunnable: number,
    items: number,
  ): AppErrorShape | null {
    if (unrunnable === items) {
      return {
        code: 'invalid_input',
        message: 'No provider can run this batch now; the Generate panel says why for the request.',
      };
    }
    for (const p of perProvider) {
      const check = deps.budgets.check(p.provider, p.name, p.usd);
      if (!check.ok) return budgetRefusal(check.reason);
    }
    const overall = deps.budgets.checkOverall(total);
    return overall.ok ? null : budgetRefusal(overall.reason);
  }

  function budgetRefusal(reason: string): AppErrorShape {
    return {
      code: 'budget_exceeded',
      message: `This batch would exceed a budget: ${reason} for the whole batch. Raise it in ${settingsPath('budgets')}, or make a smaller batch.`,
      fix: 'budgets',
    };
  }

  return {
    estimate,
    create(spec) {
      const priced = estimate(spec);
      if (priced.refusal) {
        const { code, message, ...extras } = priced.refusal;
        throw new AppError(code, message, extras);
      }
      const coords = expandCoords(spec);
      const batchId = repo.create({
        name: spec.name || spec.request.prompt.slice(0, 60),
        kind: batchKind(spec),
        spec,
        settings: { maxItems: priced.maxItems, estimateUsd: priced.totalUsd },
        items: coords.map((c) => ({ coords: c })),
        now: clock.now(),
      });
      pump(batchId);
      return batchId;
    },
    list: () => repo.list().map(summary),
    get(batchId) {
      const batch = requireBatch(batchId);
      return { batch: summary(batch), items: repo.items(batchId) };
    },
    pause(batchId) {
      const batch = requireBatch(batchId);
      if (batch.state === 'running') repo.setState(batchId, 'paused', null, clock.now());
      return announce(batchId);
    },
    resume(batchId) {
      const batch = requireBatch(batchId);
      if (batch.state === 'paused') {
        repo.setState(batchId, 'running', null, clock.now());
        pump(batchId);
      }
      return announce(batchId);
    },
    cancel(batchId) {
      const batch = requireBatch(batchId);
      if (batch.state === 'cancelled' || batch.state === 'done') return announce(batchId);
      const now = clock.now();
      repo.setState(batchId, 'cancelled', null, now);
      repo.cancelPending(batchId, now);
      // Runs still queued end at once; one out has its own signal aborted and settles from its event.
      for (const item of repo.items(batchId)) {
        if (item.state === 'running' && item.runId !== null) generation.cancel(item.runId);
      }
      return announce(batchId);
    },
    retry(batchId, indexes) {
      const batch = requireBatch(batchId);
      if (batch.state === 'cancelled') {
        throw new AppError('conflict', `Batch ${batchId} was cancelled; its items cannot be retried.`);
      }
      const retried = repo.requeueFailed(batchId, indexes);
      if (retried.length === 0) {
        throw fieldError(
          ['indexes'],
          indexes === 'all'
            ? 'there is no failed item to retry in this batch.'
            : `names no failed item of batch ${batchId}.`,
        );
      }
      for (const index of retried) announceItem(batchId, index);
      if (batch.state !== 'running') repo.setState(batchId, 'running', null, clock.now());
      pump(batchId);
      return announce(batchId);
    },
    settings,
    setSettings(next) {
      deps.settings.set(SETTINGS_KEY, BatchSettings.parse(next), clock.now());
      return settings();
    },
    start() {
      const now = clock.now();
      // Items whose run ended while Atelier was stopped (interrupted, or finished just before the stop).
      for (const item of repo.running()) {
        const run = item.runId === null ? null : deps.runs.get(item.runId);
        if (run && (run.status === 'queued' || run.status === 'running')) continue; // Resumed by the queue.
        if (run?.status === 'succeeded') {
          repo.settle(item.batchId, item.index, 'succeeded', null, now);
        } else if (run?.status === 'cancelled' && repo.get(item.batchId)?.state === 'cancelled') {
          repo.settle(item.batchId, item.index, 'cancelled', null, now);
        } else {
          repo.settle(
            item.batchId,
            item.index,
            'failed',
            run?.error ?? { code: 'interrupted', message: 'Atelier stopped while this item was running.' },
            now,
          );
        }
      }
      for (const batch of repo.withState('running')) pump(batch.id);
    },
    stop() {
      stopped = true;
    },
  };
}
