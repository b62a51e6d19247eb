import type { Clock, Logger } from '../ports';
import type { JobsRepo } from '../store';

/** The abort reason when Atelier closes: a run not yet sent goes back to the queue instead of ending. */
export class ShutdownError extends Error {
  constructor() {
    super('Atelier is shutting down');
    this.name = 'ShutdownError';
  }
}

/** How a run left the queue: finished (in whatever state), or handed back to be run again next start. */
export type JobEnd = 'done' | 'requeue';

/**
 * The persisted generation queue: every run has a job row (queued → running → done); at most
 * `maxConcurrent` run at once, in order. Per-provider concurrency is the dispatcher's (its slots).
 */
export interface JobQueue {
  /** Runs a job whose row is already queued, as soon as there is room. */
  push(runId: number): void;
  /** 'queued': removed before it started (the caller ends the run); 'running': its signal was aborted. */
  cancel(runId: number, reason: unknown): 'queued' | 'running' | null;
  /** Resolves when nothing is running or waiting (tests, a clean shutdown). */
  idle(): Promise<void>;
  /** Stops starting jobs, aborts running ones with ShutdownError and waits for them to settle. */
  shutdown(): Promise<void>;
  stats(): { running: number; waiting: number };
}

export function createJobQueue(deps: {
  jobs: JobsRepo;
  clock: Clock;
  log: Logger;
  maxConcurrent: number;
  execute(runId: number, signal: AbortSignal): Promise<JobEnd>;
  /** A bug in execute: the run must still end in a recorded state. */
  onCrash(runId: number, error: unknown): void;
}): JobQueue {
  const { jobs, clock, log } = deps;
  const pending: number[] = [];
  const active = new Map<number, { controller: AbortController; done: Promise<void> }>();
  let stopped = false;

  // The concurrency bound is these few lines, not `p-queue` / `p-limit`: both refuse a concurrency of 0, which
  // `maxConcurrentRuns: 0` means (hold every run; tested in queue.test.ts), a row another process already claimed
  // must be skipped without taking a place, and a cancelled waiting job must be finished before `cancel` returns
  // (p-queue would need an AbortController per waiting job for that, and its `onIdle` never settles while paused).
  function pump(): void {
    while (!stopped && active.size < deps.maxConcurrent && pending.length > 0) {
      const runId = pending.shift()!;
      if (!jobs.claim(runId, clock.now())) continue; // Already taken or finished (cancelled while queued).
      start(runId);
    }
  }

  function start(runId: number): void {
    const controller = new AbortController();
    const done = deps
      .execute(runId, controller.signal)
      .then((end) => {
        if (end === 'requeue') jobs.requeue(runId, clock.now());
        else jobs.finish(runId, clock.now());
      })
      .catch((error: unknown) => {
        try {
          deps.onCrash(runId, error);
        } finally {
          jobs.finish(runId, clock.now());
        }
      })
      .catch((error: unknown) => {
        // Even recording the crash failed (the database is gone): log, never leave a rejection unhandled.
        log.error('job could not be settled', {
          runId,
          error: error instanceof Error ? error.message : String(error),
        });
      })
      .finally(() => {
        active.delete(runId);
        pump();
      });
    active.set(runId, { controller, done });
  }

  return {
    push(runId) {
      pending.push(runId);
      pump();
    },
    cancel(runId, reason) {
      const at = pending.indexOf(runId);
      if (at >= 0) {
        pending.splice(at, 1);
        jobs.finish(runId, clock.now());
        return 'queued';
      }
      const running = active.get(runId);
      if (!running) return null;
      running.controller.abort(reason);
      return 'running';
    },
    async idle() {
      while (active.size > 0 || (pending.length > 0 && !stopped)) {
        if (active.size === 0) {
          pump();
          if (active.size === 0) break; // Nothing left that can start.
        }
        await Promise.all([...active.values()].map((job) => job.done));
      }
    },
    async shutdown() {
      stopped = true;
      for (const job of active.values()) job.controller.abort(new ShutdownError());
      while (active.size > 0) await Promise.all([...active.values()].map((job) => job.done));
    },
    stats: () => ({ running: active.size, waiting: pending.length }),
  };
}
