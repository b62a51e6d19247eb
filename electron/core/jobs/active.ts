import type { EventPayload } from '../../../shared/contract';
import type { ActiveRun, RunProgress } from '../../../shared/queue-contract';
import type { EventBus } from '../events';
import type { JobsRepo, RunsRepo } from '../store';

/** The runs in the persisted queue, with the live phase and progress their events last reported. */
export interface ActiveRunsBook {
  list(): ActiveRun[];
  /** Stops listening to the event bus. */
  close(): void;
}

interface Live {
  phase: ActiveRun['phase'];
  provider: string | null;
  message: string | null;
  progress: RunProgress | null;
}

/**
 * Which runs are in flight is the job table's (it survives a restart); what each is doing right now
 * is only in memory, so it comes from the run events this book has heard since the core started.
 */
export function createActiveRunsBook(deps: {
  jobs: JobsRepo;
  runs: RunsRepo;
  events: EventBus;
}): ActiveRunsBook {
  const { jobs, runs, events } = deps;
  const live = new Map<number, Live>();

  function onUpdated(update: EventPayload<'run.updated'>): void {
    if (update.phase === 'done') {
      live.delete(update.runId);
      return;
    }
    const before = live.get(update.runId);
    const provider = update.provider ?? before?.provider ?? null;
    live.set(update.runId, {
      phase: update.phase,
      provider,
      message: update.message,
      // A new provider in the chain starts from nothing.
      progress: before?.progress && before.progress.provider === provider ? before.progress : null,
    });
  }

  function onProgress({ runId, ...progress }: EventPayload<'run.progress'>): void {
    const before = live.get(runId);
    live.set(runId, {
      // Progress means a request is out, even where its "requesting" event came first and was missed.
      phase: before?.phase === 'ingesting' ? 'ingesting' : 'requesting',
      provider: progress.provider,
      message: before?.message ?? null,
      progress,
    });
  }

  const unsubscribe = events.subscribe((name, payload) => {
    if (name === 'run.updated') onUpdated(payload as EventPayload<'run.updated'>);
    else if (name === 'run.progress') onProgress(payload as EventPayload<'run.progress'>);
    else if (name === 'run.completed') live.delete((payload as EventPayload<'run.completed'>).runId);
  });

  return {
    list() {
      const listed: ActiveRun[] = [];
      const unfinished = new Set<number>();
      for (const job of jobs.unfinished()) {
        const work = runs.work(job.runId);
        if (!work || (work.status !== 'queued' && work.status !== 'running')) continue;
        unfinished.add(job.runId);
        const seen = live.get(job.runId);
        // Without events since this start (a resumed run): the job row says whether a request is out.
        const phase = seen?.phase ?? (job.inFlight !== null ? 'requesting' : 'queued');
        listed.push({
          runId: job.runId,
          status: job.state === 'running' ? 'running' : 'queued',
          phase,
          provider: seen?.provider ?? job.inFlight ?? work.route?.chain[0]?.provider ?? null,
          message: seen?.message ?? null,
          progress: seen?.progress ?? null,
          createdAt: job.createdAt,
          startedAt: job.startedAt,
          request: work.request,
        });
      }
      // Events of runs that ended without a completion event (an interrupted start) are not kept.
      for (const runId of live.keys()) if (!unfinished.has(runId)) live.delete(runId);
      return listed;
    },
    close: unsubscribe,
  };
}
