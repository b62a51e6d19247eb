// The Generate screen's runs as plain data: any number in flight (in queue order) and the ones that
// finished while watched. Pure functions only, so the rules can be tested without a window.
import type { EventPayload } from '../../shared/contract';
import type { GenerationRequest, RunDetail, RunPhase } from '../../shared/domain';
import type { ActiveRun } from '../../shared/queue-contract';
import type { ErrorFix, ErrorIssue } from '../../shared/result';

/** How a run ended, or why it never started: a refusal keeps its typed details (`issues`, `fix`). */
export interface RunFailure {
  code: string;
  message: string;
  issues?: ErrorIssue[];
  fix?: ErrorFix;
}

export interface RunLiveProgress {
  provider: string;
  /** 0..1 when the provider reports it; null when only a status message is known. */
  fraction: number | null;
  message: string | null;
}

export interface InFlightRun {
  runId: number;
  /** What was asked, for the caption and the placeholder tiles; null when not known here. */
  request: GenerationRequest | null;
  /** `queued` until the queue takes it; then `running`, though it may still wait for a provider's slot. */
  status: 'queued' | 'running';
  phase: Exclude<RunPhase, 'done'>;
  /** The provider being tried now (changes as the run falls through its chain); '' until known. */
  provider: string;
  progress: RunLiveProgress | null;
  /** When it was queued or started, for the elapsed time (epoch ms). */
  since: number;
  /** When this screen learned of it: a listing asked for earlier cannot know it yet. */
  addedAt: number;
  cancelling: boolean;
}

export type SettledRun =
  | {
      kind: 'done';
      runId: number;
      request: GenerationRequest | null;
      detail: RunDetail | null;
      loadError: RunFailure | null;
    }
  | {
      kind: 'failed';
      /** null when the main process refused to start it. */
      runId: number | null;
      request: GenerationRequest | null;
      provider: string;
      error: RunFailure;
      /** The run's record, for its attempts timeline; null while loading or when it never started. */
      detail: RunDetail | null;
    }
  | { kind: 'cancelled'; runId: number; request: GenerationRequest | null };

/** Finished runs kept under the latest one on the canvas; older ones are in History. */
export const EARLIER_LIMIT = 8;

/** What the events told about a run before its id came back from `generation.start`. */
export interface EarlyEvents {
  updated?: EventPayload<'run.updated'>;
  progress?: EventPayload<'run.progress'>;
  completed?: EventPayload<'run.completed'>;
}

/** A run the main process just accepted, with whatever its early events already said. */
export function acceptedRun(
  runId: number,
  request: GenerationRequest | null,
  provider: string,
  now: number,
  seen?: EarlyEvents,
): InFlightRun {
  const updated = seen?.updated && seen.updated.phase !== 'done' ? seen.updated : undefined;
  return {
    runId,
    request,
    status: updated?.status === 'running' || seen?.progress ? 'running' : 'queued',
    phase: updated ? (updated.phase as InFlightRun['phase']) : 'queued',
    provider: seen?.progress?.provider ?? updated?.provider ?? provider,
    progress: seen?.progress
      ? { provider: seen.progress.provider, fraction: seen.progress.fraction, message: seen.progress.message }
      : null,
    since: now,
    addedAt: now,
    cancelling: false,
  };
}

/** A run as `generation.active` lists it. */
export function listedRun(active: ActiveRun, now: number): InFlightRun {
  return {
    runId: active.runId,
    request: active.request,
    status: active.status,
    phase: active.phase,
    provider: active.progress?.provider ?? active.provider ?? '',
    progress: active.progress,
    since: active.startedAt ?? active.createdAt,
    addedAt: now,
    cancelling: false,
  };
}

export function withUpdate(run: InFlightRun, payload: EventPayload<'run.updated'>): InFlightRun {
  if (payload.phase === 'done') return run;
  const provider = payload.provider ?? run.provider;
  return {
    ...run,
    status: payload.status === 'queued' ? 'queued' : 'running',
    phase: payload.phase,
    provider,
    // A new provider in the chain starts from nothing.
    progress: run.progress && run.progress.provider !== provider ? null : run.progress,
  };
}

export function withProgress(run: InFlightRun, payload: EventPayload<'run.progress'>): InFlightRun {
  return {
    ...run,
    status: 'running',
    // Progress means a request is out, even if its "requesting" event was missed.
    phase: run.phase === 'queued' ? 'requesting' : run.phase,
    provider: payload.provider || run.provider,
    progress: { provider: payload.provider, fraction: payload.fraction, message: payload.message },
  };
}

/** How a run ended, from its completion event. */
export function settledRun(
  payload: EventPayload<'run.completed'>,
  run: { request: GenerationRequest | null; provider: string },
): SettledRun {
  if (payload.status === 'succeeded') {
    return { kind: 'done', runId: payload.runId, request: run.request, detail: null, loadError: null };
  }
  if (payload.status === 'cancelled') {
    return { kind: 'cancelled', runId: payload.runId, request: run.request };
  }
  return {
    kind: 'failed',
    runId: payload.runId,
    request: run.request,
    provider: run.provider,
    error: payload.error ?? { code: 'provider_failed', message: 'The run failed without a reason.' },
    detail: null,
  };
}

/**
 * Puts a finished run on the canvas. The newest result takes the place of the one shown, which moves
 * to the earlier list; a cancellation does not push a result off the canvas (it was asked for).
 */
export function withSettled(
  state: { latest: SettledRun | null; earlier: SettledRun[] },
  next: SettledRun,
): { latest: SettledRun | null; earlier: SettledRun[] } {
  if (next.kind === 'cancelled' && state.latest !== null && state.latest.kind !== 'cancelled') {
    return { latest: state.latest, earlier: [next, ...state.earlier].slice(0, EARLIER_LIMIT) };
  }
  return {
    latest: next,
    earlier: (state.latest ? [state.latest, ...state.earlier] : state.earlier).slice(0, EARLIER_LIMIT),
  };
}

/**
 * Merges the main process's list of active runs (asked for at `askedAt`) into the one on screen.
 * Its phases and progress win; a run it no longer lists has finished (`vanished`) unless this
 * screen learned of it after the question was asked; runs known to have finished never come back.
 */
export function mergeListed(
  current: readonly InFlightRun[],
  listed: readonly ActiveRun[],
  askedAt: number,
  finished: ReadonlySet<number>,
  now: number,
): { inFlight: InFlightRun[]; vanished: InFlightRun[] } {
  const byId = new Map(current.map((run) => [run.runId, run]));
  const merged = new Map<number, InFlightRun>();
  for (const active of listed) {
    if (finished.has(active.runId)) continue;
    const known = byId.get(active.runId);
    const fresh = listedRun(active, now);
    merged.set(
      active.runId,
      known ? { ...fresh, since: known.since, addedAt: known.addedAt, cancelling: known.cancelling } : fresh,
    );
  }
  const vanished: InFlightRun[] = [];
  for (const run of current) {
    if (merged.has(run.runId)) continue;
    if (run.addedAt > askedAt && !finished.has(run.runId)) merged.set(run.runId, run);
    else if (!finished.has(run.runId)) vanished.push(run);
  }
  return { inFlight: sortByQueue([...merged.values()]), vanished };
}

export function sortByQueue(runs: InFlightRun[]): InFlightRun[] {
  return runs.sort((a, b) => a.runId - b.runId);
}

/**
 * Place in line of each run still waiting (1 = next), in queue order; running ones have none. Runs the
 * queue has not taken yet wait in one line; taken ones wait for their provider's slot, one line each.
 */
export function queuePositions(runs: readonly InFlightRun[]): Map<number, number> {
  const positions = new Map<number, number>();
  const next = new Map<string, number>();
  for (const run of [...runs].sort((a, b) => a.runId - b.runId)) {
    if (run.phase !== 'queued') continue;
    const line = run.status === 'queued' ? '' : `provider:${run.provider}`;
    const place = next.get(line) ?? 1;
    positions.set(run.runId, place);
    next.set(line, place + 1);
  }
  return positions;
}

/** The first line of a prompt, cut at a word near `max` characters. */
export function promptExcerpt(prompt: string, max = 80): string {
  const line = prompt.replace(/\s+/g, ' ').trim();
  if (line.length <= max) return line;
  const cut = line.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
