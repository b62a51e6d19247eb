// View state of the runs on the Generate screen: every run in flight, each cancellable on its own, and
// the results of those that finished. The queue itself lives in the main process; this mirrors it.

import { create } from 'zustand';
import type { EventPayload } from '../../shared/contract';
import type { GenerationRequest, RunDetail } from '../../shared/domain';
import { ActiveRuns } from '../../shared/queue-contract';
import { describeZodError, type Result } from '../../shared/result';
import { api } from '../api';
import {
  acceptedRun,
  type EarlyEvents,
  type InFlightRun,
  mergeListed,
  type RunFailure,
  type SettledRun,
  settledRun,
  sortByQueue,
  withProgress,
  withSettled,
  withUpdate,
} from './runs-model';

interface RunsState {
  /** Oldest first: the order the queue serves them. */
  inFlight: InFlightRun[];
  /** Starts sent whose run id has not come back yet. */
  starting: number;
  /** The result on the canvas: the run that finished last (or a start that was refused). */
  latest: SettledRun | null;
  /** Results that finished before it, newest first, collapsed under it. */
  earlier: SettledRun[];
  /** Why the queue could not be listed (the list may be missing runs), until a listing succeeds. */
  listError: RunFailure | null;
  /** Queues a run of `request` (built and checked by the form); false when it was refused. */
  start(
    request: GenerationRequest,
    provider: string,
    parent?: { runId: number; derivation: 'branch' | 'vary' },
  ): Promise<boolean>;
  /** Queues a failed run's request again (generation.retry). */
  retry(runId: number, request?: GenerationRequest | null): Promise<void>;
  /** Cancels this run and no other. */
  cancel(runId: number): Promise<void>;
  /** Takes the result off the canvas. */
  dismiss(): void;
  /** Rebuilds the in-flight list from the main process's queue (first show, after a reload). */
  load(): Promise<void>;
  onRunUpdated(payload: EventPayload<'run.updated'>): void;
  onRunProgress(payload: EventPayload<'run.progress'>): void;
  onRunCompleted(payload: EventPayload<'run.completed'>): void;
  /** After the event stream was down: the queue as it is now, and how the runs that left it ended. */
  resync(): Promise<void>;
}

type ResultListener = (detail: RunDetail) => void;
const resultListeners = new Set<ResultListener>();

/** Called with the record of each run that lands on the canvas with images. */
export function onRunResult(listener: ResultListener): () => void {
  resultListeners.add(listener);
  return () => resultListeners.delete(listener);
}

// Events can overtake the answer to `generation.start`; keep the latest few until the run id is known.
const early = new Map<number, EarlyEvents>();
function remember(runId: number, patch: EarlyEvents) {
  early.set(runId, { ...early.get(runId), ...patch });
  while (early.size > 40) early.delete(early.keys().next().value!);
}

// Runs known to have finished: a listing asked for before their end must not bring them back.
const finished = new Set<number>();
function markFinished(runId: number) {
  finished.add(runId);
  while (finished.size > 500) finished.delete(finished.values().next().value!);
}

// Runs started from this screen, kept for the tab's life so a reload still knows whose results to show.
const OWN_KEY = 'atelier.generate.ownRuns';
const own = new Set<number>(readOwn());

function readOwn(): number[] {
  try {
    const parsed: unknown = JSON.parse(sessionStorage.getItem(OWN_KEY) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((id): id is number => Number.isSafeInteger(id)) : [];
  } catch {
    return [];
  }
}

function markOwn(runId: number) {
  own.add(runId);
  while (own.size > 200) own.delete(own.values().next().value!);
  try {
    sessionStorage.setItem(OWN_KEY, JSON.stringify([...own]));
  } catch {
    // Storage may be disabled: after a reload this run's result shows in the list only.
  }
}

export const useRunsStore = create<RunsState>()((set, get) => {
  let loadTimer: ReturnType<typeof setTimeout> | undefined;
  /** A run this screen does not know yet appeared (started elsewhere): list the queue again, once per burst. */
  function scheduleLoad() {
    clearTimeout(loadTimer);
    loadTimer = setTimeout(() => void get().load(), 120);
  }

  function patchRun(runId: number, patch: (run: InFlightRun) => InFlightRun): boolean {
    const run = get().inFlight.find((r) => r.runId === runId);
    if (!run) return false;
    set({ inFlight: get().inFlight.map((r) => (r.runId === runId ? patch(r) : r)) });
    return true;
  }

  async function loadDetail(runId: number) {
    const result = await api.call('runs.get', { id: runId });
    const update = (run: SettledRun): SettledRun => {
      if (run.runId !== runId || run.kind === 'cancelled') return run;
      if (run.kind === 'failed') return result.ok ? { ...run, detail: result.value } : run;
      return result.ok ? { ...run, detail: result.value } : { ...run, loadError: result.error };
    };
    const { latest, earlier } = get();
    set({ latest: latest && update(latest), earlier: earlier.map(update) });
    const shown = get().latest;
    if (result.ok && shown?.kind === 'done' && shown.runId === runId) {
      for (const listener of resultListeners) listener(result.value);
    }
  }

  /**
   * A run left the queue. One started here puts its result on the canvas; one started elsewhere (style
   * previews) shared the queue and the list, and its result is where it was asked for (and in History).
   */
  function settle(payload: EventPayload<'run.completed'>, run: Pick<InFlightRun, 'request' | 'provider'>) {
    markFinished(payload.runId);
    const mine = own.has(payload.runId);
    set((state) => {
      const inFlight = state.inFlight.filter((r) => r.runId !== payload.runId);
      return mine ? { inFlight, ...withSettled(state, settledRun(payload, run)) } : { inFlight };
    });
    if (mine && payload.status !== 'cancelled') void loadDetail(payload.runId);
  }

  /** Starts watching a run the main process accepted. */
  function watch(runId: number, request: GenerationRequest | null, provider: string) {
    markOwn(runId);
    const seen = early.get(runId);
    early.delete(runId);
    if (seen?.completed || finished.has(runId)) {
      set((state) => ({ inFlight: state.inFlight.filter((r) => r.runId !== runId) }));
      if (seen?.completed) settle(seen.completed, { request, provider });
      return;
    }
    const known = get().inFlight.find((r) => r.runId === runId);
    if (known) {
      // A listing already brought it in; it keeps its place and gains its request.
      patchRun(runId, (run) => ({ ...run, request: run.request ?? request }));
      return;
    }
    set((state) => ({
      inFlight: sortByQueue([...state.inFlight, acceptedRun(runId, request, provider, Date.now(), seen)]),
    }));
  }

  async function begin(
    call: () => Promise<Result<{ runId: number }>>,
    request: GenerationRequest | null,
    provider: string,
    refusedRunId: number | null,
  ): Promise<boolean> {
    set((state) => ({ starting: state.starting + 1 }));
    const started = await call();
    set((state) => ({ starting: Math.max(0, state.starting - 1) }));
    if (!started.ok) {
      set((state) =>
        withSettled(state, {
          kind: 'failed',
          runId: refusedRunId,
          request,
          provider,
          error: started.error,
          detail: null,
        }),
      );
      if (refusedRunId !== null) void loadDetail(refusedRunId);
      return false;
    }
    watch(started.value.runId, request, provider);
    return true;
  }

  return {
    inFlight: [],
    starting: 0,
    latest: null,
    earlier: [],
    listError: null,

    start(request, provider, parent) {
      return begin(
        () => api.call('generation.start', parent ? { ...request, parent } : request),
        request,
        provider,
        null,
      );
    },

    async retry(runId, request) {
      const shown = [get().latest, ...get().earlier].find((run) => run?.runId === runId);
      const known = request ?? shown?.request ?? (shown?.kind === 'failed' ? shown.detail?.request : null);
      const provider = shown?.kind === 'failed' ? shown.provider : (known?.provider ?? '');
      await begin(() => api.call('generation.retry', { runId, fresh: true }), known ?? null, provider, runId);
    },

    async cancel(runId) {
      const run = get().inFlight.find((r) => r.runId === runId);
      if (!run || run.cancelling) return;
      patchRun(runId, (r) => ({ ...r, cancelling: true }));
      const result = await api.call('generation.cancel', { runId });
      // Not cancellable any more (already finishing): its completion event arrives on its own.
      if (!result.ok || !result.value.cancelled) patchRun(runId, (r) => ({ ...r, cancelling: false }));
    },

    dismiss() {
      set({ latest: null });
    },

    async load() {
      const askedAt = Date.now();
      const result = await api.call('generation.active', {});
      if (!result.ok) {
        set({ listError: result.error });
        return;
      }
      const parsed = ActiveRuns.safeParse(result.value);
      if (!parsed.success) {
        set({
          listError: {
            code: 'internal',
            message: `The list of runs in flight was not understood: ${describeZodError(parsed.error)}`,
          },
        });
        return;
      }
      const { inFlight, vanished } = mergeListed(
        get().inFlight,
        parsed.data.runs,
        askedAt,
        finished,
        Date.now(),
      );
      set({ inFlight, listError: null });
      // Ended while no event reached this screen: ask each how it ended.
      for (const run of vanished) {
        const detail = await api.call('runs.get', { id: run.runId });
        if (!detail.ok || finished.has(run.runId)) continue;
        const { status } = detail.value;
        if (status === 'queued' || status === 'running') continue;
        settle(
          {
            runId: run.runId,
            status,
            outputsCount: detail.value.outputsCount,
            error: detail.value.error,
          },
          run,
        );
      }
    },

    onRunUpdated(payload) {
      if (payload.phase === 'done') return; // run.completed follows with the outcome.
      if (patchRun(payload.runId, (run) => withUpdate(run, payload))) return;
      if (finished.has(payload.runId)) return;
      remember(payload.runId, { updated: payload });
      if (get().starting === 0) scheduleLoad();
    },

    onRunProgress(payload) {
      if (patchRun(payload.runId, (run) => withProgress(run, payload))) return;
      if (finished.has(payload.runId)) return;
      remember(payload.runId, { progress: payload });
      if (get().starting === 0) scheduleLoad();
    },

    onRunCompleted(payload) {
      const run = get().inFlight.find((r) => r.runId === payload.runId);
      if (run) {
        settle(payload, run);
        return;
      }
      // Not on screen yet: its start may still be answering.
      markFinished(payload.runId);
      remember(payload.runId, { completed: payload });
    },

    resync: () => get().load(),
  };
});
