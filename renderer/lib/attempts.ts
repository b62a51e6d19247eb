// Reading a run's attempts the way a designer asks about them: who was tried, what happened, what it cost.

import type { AttemptOutcome, AttemptRecord, RunDetail, RunSummary } from '../../shared/domain';
import { formatDuration, formatRecordedCost } from './format';

const OUTCOME_WORDS: Record<AttemptOutcome, string> = {
  ok: 'ok',
  rate_limited: 'rate limited',
  quota_exhausted: 'quota exhausted',
  content_blocked: 'blocked by the content policy',
  auth_failed: 'API key rejected',
  invalid_request: 'refused as invalid',
  unavailable: 'unavailable',
  timeout: 'timed out',
  no_image: 'no usable image',
  cancelled: 'cancelled',
  skipped: 'skipped',
};

/** Credits where the provider bills in them (Leonardo); recorded beside the USD estimate when known. */
function creditsOf(attempt: AttemptRecord): number | null {
  const credits = (attempt as AttemptRecord & { costCredits?: number | null }).costCredits;
  return typeof credits === 'number' ? credits : null;
}

/**
 * A skip reason without the provider's name it opens with, for a line that already names the provider:
 * "Gemini is not available in this version" -> "not available in this version".
 */
export function shortReason(reason: string, providerName: string | undefined): string {
  if (!providerName || !reason.startsWith(providerName)) return reason;
  const rest = reason.slice(providerName.length);
  if (rest.startsWith("'s ")) return rest.slice(3);
  if (rest.startsWith(' is ')) return rest.slice(4);
  if (rest.startsWith(' ')) return rest.slice(1);
  return reason;
}

/** "rate limited, 429, retry after 30 s"; "ok, 4.2 s, 12 credits, $0.04"; "skipped: daily allowance spent". */
export function attemptOutcomeText(attempt: AttemptRecord, providerName?: string): string {
  if (attempt.outcome === 'skipped')
    return `skipped: ${attempt.providerMessage ? shortReason(attempt.providerMessage, providerName) : 'not sent'}`;
  const cachedFrom = (attempt as AttemptRecord & { cached?: boolean }).cached
    ? attempt.requestSent.cachedFrom
    : undefined;
  if (cachedFrom !== undefined)
    return typeof cachedFrom === 'number' ? `cached from run ${cachedFrom}, no charge` : 'cached, no charge';
  const parts = [OUTCOME_WORDS[attempt.outcome] ?? attempt.outcome];
  if (attempt.outcome === 'ok' || attempt.outcome === 'timeout')
    parts.push(formatDuration(attempt.latencyMs));
  else if (attempt.httpStatus !== null) parts.push(String(attempt.httpStatus));
  if (attempt.retryAfterMs !== null && attempt.outcome !== 'ok')
    parts.push(`retry after ${formatDuration(attempt.retryAfterMs)}`);
  const credits = creditsOf(attempt);
  if (credits !== null) parts.push(`${credits.toLocaleString()} ${credits === 1 ? 'credit' : 'credits'}`);
  if (attempt.outcome === 'ok' && attempt.costUsd !== null)
    parts.push(formatRecordedCost({ costUsd: attempt.costUsd, costBasis: attempt.costBasis }));
  return parts.join(', ');
}

export interface AttemptGroup {
  provider: string;
  model: string;
  /** In order; more than one means the dispatcher retried the same provider. */
  attempts: AttemptRecord[];
}

export function sortedAttempts(attempts: AttemptRecord[]): AttemptRecord[] {
  return [...attempts].sort((a, b) => a.ordinal - b.ordinal);
}

/** Consecutive attempts on the same provider and model form one group: a try and its retries. */
export function groupAttempts(attempts: AttemptRecord[]): AttemptGroup[] {
  const groups: AttemptGroup[] = [];
  for (const attempt of sortedAttempts(attempts)) {
    const last = groups.at(-1);
    if (
      last &&
      last.provider === attempt.provider &&
      last.model === attempt.model &&
      attempt.outcome !== 'skipped'
    )
      last.attempts.push(attempt);
    else groups.push({ provider: attempt.provider, model: attempt.model, attempts: [attempt] });
  }
  return groups;
}

/** The whole path in one line: "Gemini: rate limited, 429, retry after 30 s → Leonardo: ok, 4.2 s, 12 credits". */
export function attemptsPath(attempts: AttemptRecord[], nameOf: (provider: string) => string): string {
  const parts: string[] = [];
  let skipped: string[] = [];
  const flush = () => {
    // Skipped steps read as one part; their reasons are on their own rows.
    if (skipped.length > 0) parts.push(`${skipped.join(', ')} skipped`);
    skipped = [];
  };
  for (const group of groupAttempts(attempts)) {
    const last = group.attempts.at(-1)!;
    const name = nameOf(group.provider);
    if (last.outcome === 'skipped') {
      skipped.push(name);
      continue;
    }
    flush();
    const tries = group.attempts.length > 1 ? ` (${group.attempts.length} tries)` : '';
    parts.push(`${name}: ${attemptOutcomeText(last, name)}${tries}`);
  }
  flush();
  return parts.join(' → ');
}

export interface RunFacts {
  /** Served from the identical-request cache: the run it came from (null when not said), or undefined. */
  cachedFrom: number | null | undefined;
  /** A content-policy block was passed over to the next provider, as the route allows. */
  contentFallthrough: boolean;
}

type RunExtras = Partial<{
  cachedFromRunId: number | null;
  cachedFrom: number | null;
  cached: boolean;
  contentFallthrough: boolean;
}>;

/** Notes on the run as a whole (a content block the route let fall through, …), where the record has them. */
export function runWarnings(run: RunDetail | RunSummary): string[] {
  const warnings = (run as RunSummary & { warnings?: unknown }).warnings;
  return Array.isArray(warnings) ? warnings.filter((w): w is string => typeof w === 'string') : [];
}

/** What the run's header should say beyond its status, read from the record and its attempts. */
export function runFacts(run: RunDetail | (RunSummary & { attempts?: AttemptRecord[] })): RunFacts {
  const extras = run as typeof run & RunExtras;
  const attempts = sortedAttempts(run.attempts ?? []);
  let cachedFrom: number | null | undefined;
  const from = extras.cachedFromRunId ?? extras.cachedFrom;
  if (typeof from === 'number') cachedFrom = from;
  else if (extras.cached === true) cachedFrom = null;
  // An imported run has no attempts either: it was made elsewhere, not served from the cache.
  else if (
    run.status === 'succeeded' &&
    run.outputsCount > 0 &&
    run.attempts &&
    attempts.length === 0 &&
    !run.source
  )
    cachedFrom = null;
  else if (attempts.some((a) => (a as AttemptRecord & { cached?: boolean }).cached === true))
    cachedFrom = null;

  let contentFallthrough = extras.contentFallthrough === true;
  if (!contentFallthrough) {
    const blocked = attempts.findIndex((a) => a.outcome === 'content_blocked');
    contentFallthrough =
      blocked !== -1 &&
      attempts
        .slice(blocked + 1)
        .some((a) => a.outcome !== 'skipped' && a.provider !== attempts[blocked]!.provider);
  }
  return { cachedFrom, contentFallthrough };
}

/** "cached (from run 12, no charge)". */
export function cachedText(from: number | null): string {
  return from === null ? 'cached (no charge)' : `cached (from run ${from}, no charge)`;
}
