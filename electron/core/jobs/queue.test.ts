import { describe, expect, it } from 'vitest';
import { fakeClock } from '../../../test/support/clocks';
import type { Logger } from '../ports';
import type { JobState, JobsRepo } from '../store/jobs-repo';
import { createJobQueue, type JobEnd, ShutdownError } from './queue';

/** The job rows the queue touches, in memory. */
function memoryJobs(): JobsRepo & { states: Map<number, JobState> } {
  const states = new Map<number, JobState>();
  const unused = () => {
    throw new Error('not used by the queue');
  };
  return {
    states,
    enqueue: (runId) => void states.set(runId, 'queued'),
    claim(runId) {
      if (states.get(runId) !== 'queued') return false;
      states.set(runId, 'running');
      return true;
    },
    finish: (runId) => void states.set(runId, 'done'),
    requeue: (runId) => void states.set(runId, 'queued'),
    unfinished: unused,
    get: unused,
    setInFlight: unused,
    countAttempt: unused,
    heartbeat: unused,
  };
}

const silent: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/** A queue whose jobs run until the test ends them, recording the order they started in. */
function setup(maxConcurrent: number) {
  const jobs = memoryJobs();
  const started: number[] = [];
  const running = new Map<number, { end(result: JobEnd): void; signal: AbortSignal }>();
  const queue = createJobQueue({
    jobs,
    clock: fakeClock(),
    log: silent,
    maxConcurrent,
    execute: (runId, signal) =>
      new Promise<JobEnd>((resolve) => {
        started.push(runId);
        running.set(runId, { end: resolve, signal });
        signal.addEventListener('abort', () =>
          resolve(signal.reason instanceof ShutdownError ? 'requeue' : 'done'),
        );
      }),
    onCrash: () => {},
  });
  const push = (...ids: number[]) => {
    for (const id of ids) {
      jobs.enqueue(id, 0);
      queue.push(id);
    }
  };
  return { jobs, queue, started, running, push };
}

describe('job queue', () => {
  it('starts jobs in the order they came, at most maxConcurrent at once', async () => {
    const { queue, started, running, push } = setup(2);
    push(1, 2, 3, 4);
    expect(started).toEqual([1, 2]);
    expect(queue.stats()).toEqual({ running: 2, waiting: 2 });
    running.get(2)!.end('done');
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([1, 2, 3]);
    running.get(1)!.end('done');
    running.get(3)!.end('done');
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([1, 2, 3, 4]);
    running.get(4)!.end('done');
    await queue.idle();
    expect(queue.stats()).toEqual({ running: 0, waiting: 0 });
  });

  it('holds every job with maxConcurrent 0, and idle does not wait for them', async () => {
    const { queue, started, jobs, push } = setup(0);
    push(1, 2);
    await queue.idle();
    expect(started).toEqual([]);
    expect(queue.stats()).toEqual({ running: 0, waiting: 2 });
    expect([jobs.states.get(1), jobs.states.get(2)]).toEqual(['queued', 'queued']);
  });

  it('a job cancelled while waiting is finished before cancel returns and never runs', async () => {
    const { queue, started, running, jobs, push } = setup(1);
    push(1, 2, 3);
    expect(queue.cancel(2, new Error('user'))).toBe('queued');
    expect(jobs.states.get(2)).toBe('done');
    expect(queue.cancel(1, new Error('user'))).toBe('running');
    expect(running.get(1)!.signal.aborted).toBe(true);
    expect(queue.cancel(99, new Error('user'))).toBeNull();
    await new Promise((resolve) => setImmediate(resolve));
    running.get(3)!.end('done');
    await queue.idle();
    expect(started).toEqual([1, 3]);
  });

  it('skips a row already claimed elsewhere without taking a place', () => {
    const { queue, started, jobs, push } = setup(1);
    jobs.enqueue(1, 0);
    jobs.claim(1, 0); // Taken by someone else.
    queue.push(1);
    push(2);
    expect(started).toEqual([2]);
  });

  it('shutdown aborts running jobs with ShutdownError, requeues them and starts nothing more', async () => {
    const { queue, started, jobs, push } = setup(1);
    push(1, 2);
    await queue.shutdown();
    expect(started).toEqual([1]);
    expect([jobs.states.get(1), jobs.states.get(2)]).toEqual(['queued', 'queued']);
    expect(queue.stats()).toEqual({ running: 0, waiting: 1 });
  });
});
