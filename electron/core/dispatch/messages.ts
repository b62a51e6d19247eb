import type { AttemptOutcome } from '../../../shared/domain';
import { settingsPath } from '../../../shared/settings-tabs';

/** A few words per outcome, for a list of providers tried ("Leonardo (rate limited)"). */
export function outcomeWords(outcome: AttemptOutcome): string {
  switch (outcome) {
    case 'ok':
      return 'ok';
    case 'rate_limited':
      return 'rate limited';
    case 'quota_exhausted':
      return 'out of quota';
    case 'content_blocked':
      return 'blocked by its content policy';
    case 'auth_failed':
      return 'API key rejected';
    case 'invalid_request':
      return 'refused the request';
    case 'unavailable':
      return 'unreachable';
    case 'timeout':
      return 'timed out';
    case 'no_image':
      return 'no usable image';
    case 'cancelled':
      return 'cancelled';
    case 'skipped':
      return 'skipped';
  }
}

/** One readable sentence per outcome; the provider's own words follow it on the run. */
export function describeOutcome(outcome: AttemptOutcome, providerName: string): string {
  switch (outcome) {
    case 'ok':
      return `${providerName} returned the image.`;
    case 'rate_limited':
      return `${providerName} is rate-limiting requests right now.`;
    case 'quota_exhausted':
      return `${providerName} says this account has no quota or credit left.`;
    case 'content_blocked':
      return `${providerName} declined the prompt under its content policy.`;
    case 'auth_failed':
      return `${providerName} rejected the API key. Check it in ${settingsPath('keys')}.`;
    case 'invalid_request':
      return `${providerName} refused the request as invalid.`;
    case 'unavailable':
      return `${providerName} could not be reached or had a server error.`;
    case 'timeout':
      return `${providerName} did not answer in time.`;
    case 'no_image':
      return `${providerName} answered without a usable image.`;
    case 'cancelled':
      return 'The run was cancelled.';
    case 'skipped':
      return `${providerName} was skipped.`;
  }
}

// Why a step was not sent is named once, in shared/ (the estimate carries it to the renderer).
export { SKIP_CODES, type SkipCode } from '../../../shared/constants';
