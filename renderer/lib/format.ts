import type { AttemptRecord, CostBasis, KeySource, RunStatus } from '../../shared/domain';

/** "850 ms", "4.2 s", "12 s", "1 min 12 s". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 10) return `${trimZero(seconds.toFixed(1))} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds - minutes * 60);
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}

function trimZero(text: string): string {
  return text.endsWith('.0') ? text.slice(0, -2) : text;
}

export function formatCost(usd: number | null | undefined): string {
  if (usd == null || !Number.isFinite(usd)) return '—';
  if (usd === 0) return '$0';
  if (usd < 0.1) return `$${usd.toFixed(3)}`;
  return `$${usd.toFixed(2)}`;
}

/**
 * A recorded cost. Dollars the provider billed show as they are; credits converted at the catalog's price
 * per credit, and catalog estimates for a provider that reported nothing, show as "≈ $…".
 */
export function formatRecordedCost(cost: {
  costUsd: number | null;
  costBasis?: CostBasis | null;
  costCredits?: number | null;
}): string {
  const money = formatCost(cost.costUsd);
  if (cost.costUsd == null) {
    const credits = cost.costCredits;
    return credits != null ? `${credits.toLocaleString('en-US')} credits` : money;
  }
  if (cost.costBasis === 'credits' || cost.costBasis === 'estimate') return `≈ ${money}`;
  return money;
}

/** The reader's explanation of an approximate cost, for a title or hint. */
export function costBasisNote(basis: CostBasis | null | undefined, credits?: number | null): string | null {
  if (basis === 'credits')
    return `${credits != null ? `${credits.toLocaleString('en-US')} credits` : 'Credits'} at the catalog's dated price per credit`;
  if (basis === 'estimate') return 'The provider reported no cost; counted at the catalog estimate';
  return null;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const timeOnly = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** Money with cents, for budgets and spend: "$0.42", "$12.00", "$1,250.00". */
export function formatUsd(usd: number | null | undefined): string {
  if (usd == null || !Number.isFinite(usd)) return '—';
  return usd.toLocaleString('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2 });
}

/** Spend that is partly credits converted at the catalog's price, or estimates, shows as "≈ $…". */
export function formatSpend(usd: number, approx: boolean | undefined): string {
  return approx && usd > 0 ? `≈ ${formatUsd(usd)}` : formatUsd(usd);
}

/** "in 24 s", "in 3 min", for a moment ahead; "now" once it has passed. */
export function formatCountdown(until: number, now = Date.now()): string {
  const ms = until - now;
  if (ms <= 500) return 'now';
  return `in ${formatDuration(Math.ceil(ms / 1000) * 1000)}`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatDateTime(ms: number | null | undefined): string {
  return ms == null ? '—' : dateTime.format(ms);
}

const dayAndTime = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
});
const dayOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/**
 * A date for a narrow column, as file managers write it: the day and time this year ("Jan 23, 8:47 AM"), the day
 * and year before ("Jan 23, 2024"). `formatDateTime` gives the whole moment (a tooltip).
 */
export function formatShortDate(ms: number | null | undefined, now = Date.now()): string {
  if (ms == null) return '—';
  return new Date(ms).getFullYear() === new Date(now).getFullYear()
    ? dayAndTime.format(ms)
    : dayOnly.format(ms);
}

export function formatTime(ms: number | null | undefined): string {
  return ms == null ? '—' : timeOnly.format(ms);
}

/** "just now", "5 min ago", "3 h ago", then the date. */
export function formatRelative(ms: number, now = Date.now()): string {
  const seconds = Math.round((now - ms) / 1000);
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days < 7) return days === 1 ? 'yesterday' : `${days} days ago`;
  return dateTime.format(ms);
}

export function excerpt(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
}

export const STATUS_LABEL: Record<RunStatus, string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export const STATUS_TONE: Record<RunStatus, 'neutral' | 'info' | 'success' | 'danger' | 'warning'> = {
  queued: 'neutral',
  running: 'info',
  succeeded: 'success',
  failed: 'danger',
  cancelled: 'warning',
};

export const KEY_SOURCE_LABEL: Record<KeySource, string> = {
  stored: 'Stored, encrypted by your OS',
  session: 'This session only',
  environment: 'From environment variable',
};

/** How one attempt ended, in the words a designer would use: "rate limited — retry after 2 s". */
export function describeAttempt(
  attempt: Pick<AttemptRecord, 'outcome' | 'latencyMs' | 'retryAfterMs'>,
): string {
  switch (attempt.outcome) {
    case 'ok':
      return `ok — ${formatDuration(attempt.latencyMs)}`;
    case 'rate_limited':
      return attempt.retryAfterMs != null
        ? `rate limited — retry after ${formatDuration(attempt.retryAfterMs)}`
        : 'rate limited';
    case 'quota_exhausted':
      return 'quota exhausted — no credit left on the account';
    case 'content_blocked':
      return 'blocked by the content policy';
    case 'auth_failed':
      return 'API key rejected';
    case 'invalid_request':
      return 'refused as an invalid request';
    case 'unavailable':
      return 'provider unavailable (server or network error)';
    case 'timeout':
      return `timed out after ${formatDuration(attempt.latencyMs)}`;
    case 'no_image':
      return 'answered without a usable image';
    case 'cancelled':
      return 'cancelled';
    case 'skipped':
      return 'skipped';
  }
}

export function aspectStyle(ratio: string): string {
  const [w, h] = ratio.split(':');
  return `${w ?? 1} / ${h ?? 1}`;
}
