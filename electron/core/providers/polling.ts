/**
 * Waiting on an asynchronous provider job: poll at an interval on the injected clock, give up past a
 * deadline, stop on abort, ride out short outages of the status endpoint, and make the provider's cancel
 * call when the wait is abandoned.
 */
import type { Clock, FetchLike } from '../ports';
import { type Classified, plain } from './attempt';
import { exchange, redact } from './http';

/** A cancel call has its own short deadline: the run's signal is already aborted when it is sent. */
const CANCEL_TIMEOUT_MS = 5_000;

/** What one status request said. */
export type PollAnswer<T> =
  /** The job ended (finished, failed or refused): the adapter reads `value`. */
  | { kind: 'settled'; value: T }
  | { kind: 'pending' }
  /** The status could not be read; rate limits, outages and timeouts count against `retries`. */
  | { kind: 'unreadable'; problem: Classified }
  | { kind: 'cancelled' };

/** A status request that got no 2xx answer: an abort cancels the wait, anything else is unreadable. */
export function unread(problem: Classified): PollAnswer<never> {
  return problem.outcome === 'cancelled' ? { kind: 'cancelled' } : { kind: 'unreadable', problem };
}

export interface PollPlan<T> {
  clock: Clock;
  signal: AbortSignal;
  intervalMs: number;
  /** Measured from the first wait; past it the wait ends as `timeout`. */
  deadlineMs: number;
  /** Transient unreadable polls tolerated in a row before the wait ends as `failed`. */
  retries: number;
  /** Before each wait (progress reports). */
  beforeWait?(): void;
  poll(): Promise<PollAnswer<T>>;
  /**
   * The provider's cancel call, made when the wait ends by abort or deadline, and after a failed poll when
   * `cancelOnFailure`; what it says goes into the adapter's message. Absent where the provider has none.
   */
  cancel?(): Promise<string>;
  cancelOnFailure?: boolean;
}

export type PollEnd<T> =
  | { kind: 'settled'; value: T }
  | { kind: 'cancelled'; cancelNote: string | null }
  | { kind: 'timeout'; cancelNote: string | null }
  | { kind: 'failed'; problem: Classified; cancelNote: string | null };

const TRANSIENT = new Set<Classified['outcome']>(['rate_limited', 'unavailable', 'timeout']);

export async function pollUntilSettled<T>(plan: PollPlan<T>): Promise<PollEnd<T>> {
  const { clock, signal } = plan;
  const note = async (call: boolean) => (call && plan.cancel ? await plan.cancel() : null);
  const stop = async (kind: 'cancelled' | 'timeout'): Promise<PollEnd<T>> => ({
    kind,
    cancelNote: await note(true),
  });
  const startedAt = clock.now();
  let failures = 0;
  for (;;) {
    plan.beforeWait?.();
    if (clock.now() - startedAt > plan.deadlineMs) return stop('timeout');
    try {
      await clock.sleep(plan.intervalMs, signal);
    } catch {
      return stop('cancelled');
    }
    if (signal.aborted) return stop('cancelled');
    const answer = await plan.poll();
    if (answer.kind === 'settled') return answer;
    if (answer.kind === 'cancelled') return stop('cancelled');
    if (answer.kind === 'pending') {
      failures = 0;
      continue;
    }
    failures += 1;
    if (!TRANSIENT.has(answer.problem.outcome) || failures > plan.retries) {
      return {
        kind: 'failed',
        problem: answer.problem,
        cancelNote: await note(plan.cancelOnFailure === true),
      };
    }
  }
}

/** What a queued job is called in messages: `prediction abc123` at Replicate, `request 1f2e…` at fal. */
export interface QueuedJob {
  provider: string;
  kind: string;
  id: string;
}

/** Asks the provider to stop a job, best effort, and says what came of it (for the attempt's message). */
export async function askToCancel(
  fetch: FetchLike,
  request: { url: string; method: string; headers: Record<string, string> },
  job: QueuedJob,
  secret: string,
): Promise<string> {
  const answer = await exchange(
    fetch,
    request.url,
    { method: request.method, headers: request.headers, signal: AbortSignal.timeout(CANCEL_TIMEOUT_MS) },
    job.provider,
  );
  const said =
    answer.kind === 'response'
      ? `it answered HTTP ${answer.status}`
      : `the cancel request failed: ${redact(answer.message, secret)}`;
  return `asked ${job.provider} to cancel ${job.kind} ${job.id} (${said})`;
}

/** A wait on a cancellable queued job that ended without a result, as the attempt's failure. */
export function unsettled(
  end: Exclude<PollEnd<unknown>, { kind: 'settled' }>,
  job: QueuedJob,
  deadlineMs: number,
  httpStatus: number | null,
): Classified {
  const note = end.cancelNote;
  if (end.kind === 'timeout') {
    const late = `No result from ${job.provider} within ${Math.round(deadlineMs / 60_000)} minutes`;
    return plain('timeout', `${late}; ${note}.`, httpStatus);
  }
  if (end.kind === 'cancelled')
    return plain('cancelled', `Cancelled while ${job.provider} was generating; ${note}.`);
  const why = `Checking on the ${job.kind} failed: ${end.problem.providerMessage}`;
  return { ...end.problem, providerMessage: `${why}; ${note}.` };
}
