// Turns `{ code, message }` from the main process or a run into words for a designer; never raw JSON.

import { isCallName } from '../../shared/contract';

export interface ReadableError {
  title: string;
  /** The longer explanation, usually the main process's own sentence. */
  detail: string;
  code: string;
  /** True when the fix is in Settings → API keys. */
  keyProblem: boolean;
  /** True when a spending limit stopped it: the fix is in Settings → Budgets. */
  budgetProblem: boolean;
}

const FIELD_LABELS: Record<string, string> = {
  prompt: 'Prompt',
  negativePrompt: 'Negative prompt',
  aspectRatio: 'Aspect ratio',
  seed: 'Seed',
  count: 'Images',
  quality: 'Quality',
  provider: 'Provider',
  model: 'Model',
  secret: 'The key',
  rating: 'Rating',
  tags: 'Tags',
  taskType: 'Task',
  size: 'Size',
  steps: 'Steps',
  guidance: 'Guidance',
  reference: 'Reference',
  options: 'Provider options',
  chain: 'The chain',
  limits: 'Allowance',
  overall: 'Overall budget',
  providers: 'Provider budget',
  url: 'URL',
  label: 'Label',
  slots: 'Slots',
  basicAuth: 'Sign-in',
  workflow: 'Workflow',
  body: 'The request',
  versionId: 'The version',
  fromVersionId: 'The earlier version',
  toVersionId: 'The later version',
  subject: 'Subject',
};

/** A template variable named in a message (`values.camera_angle`) read as a label ("Camera angle"). */
function variableLabel(name: string): string {
  return capitalize(name.replace(/_/g, ' '));
}

function labelOf(path: string[]): string | undefined {
  const [head, next] = path;
  if (head === 'values' && next) return variableLabel(next.replace(/^"|"$/g, ''));
  if (head === 'input' && path.length === 1) return 'The request';
  return head ? FIELD_LABELS[head] : undefined;
}

/**
 * "prompt: must not be empty; count: must be at most 4" -> "Prompt must not be empty. Images must be at most 4."
 * Only a leading call name ("styles.generatePreviews: ") is dropped; a field path such as
 * `values.subject` is a field and always stays named, as its label or as written.
 */
export function humanizeFieldMessage(message: string): string {
  const prefix = /^([a-zA-Z]+\.[a-zA-Z]+): /.exec(message);
  const body = prefix && isCallName(prefix[1]) ? message.slice(prefix[0].length) : message;
  return body
    .split('; ')
    .map((part) => {
      const match = /^([\w."]+): (.*)$/s.exec(part);
      if (!match) return part;
      const label = labelOf(match[1]!.split('.'));
      if (!label) return part;
      const rest = match[2]!;
      // Sentences that name their subject already ("no API key for OpenAI…") read better without the label.
      if (/^(no|there|the|this)\b/i.test(rest)) return capitalize(rest);
      // A sentence of its own ("Invalid input: expected text") still says which field it is about.
      if (/^[A-Z]/.test(rest)) return `${label}: ${rest}`;
      return `${label} ${rest}`;
    })
    .map((sentence) => (/[.!?]$/.test(sentence) ? sentence : `${sentence}.`))
    .join(' ');
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function providerTitle(code: string, provider: string): string | null {
  switch (code) {
    case 'auth_failed':
      return `${provider} rejected the API key`;
    case 'rate_limited':
      return `${provider} is rate-limiting requests`;
    case 'quota_exhausted':
      return `${provider} says the account is out of quota`;
    case 'content_blocked':
      return `${provider} declined the prompt`;
    case 'invalid_request':
      return `${provider} refused the request`;
    case 'unavailable':
      return `${provider} could not be reached`;
    case 'timeout':
      return `${provider} did not answer in time`;
    case 'no_image':
      return `${provider} returned no usable image`;
    case 'cancelled':
      return 'The run was cancelled';
    default:
      return null;
  }
}

const APP_TITLES: Record<string, string> = {
  invalid_input: 'Check the request',
  not_found: 'Not found',
  conflict: 'That changed in the meantime',
  budget_exceeded: 'Budget reached',
  provider_failed: 'The provider could not make the image',
  unavailable: 'Atelier is not reachable',
  key_storage_unavailable: 'Keys cannot be stored here',
  cancelled: 'Cancelled',
  unauthorized: 'This page is not signed in to Atelier',
  forbidden: 'Refused',
  internal: 'Something went wrong inside Atelier',
};

/** Codes a run or a step ends with that are neither an app code nor a provider outcome. */
const RUN_TITLES: Record<string, string> = {
  interrupted: 'Interrupted when Atelier stopped',
  no_provider: 'No provider could take it',
  no_key: 'No API key',
  key_unreadable: 'The stored key cannot be read',
  breaker_open: 'Paused after repeated failures',
  allowance_spent: 'Allowance spent',
  budget: 'Budget reached',
  no_server: 'No local server',
  not_implemented: 'Not available in this version',
  unknown_provider: 'Unknown provider',
  unknown_model: 'Unknown model',
  retired_model: 'Model retired',
  skipped: 'Skipped',
};

/**
 * A short, readable name for any code a run, a step or a call can end with ("Budget reached",
 * "Rate limited"), chosen from the code alone. Unknown codes read as a plain failure, never as the code.
 */
export function errorLabel(code: string, provider?: string): string {
  const named = provider ? providerTitle(code, provider) : null;
  if (named) return named;
  return OUTCOME_TITLES[code] ?? RUN_TITLES[code] ?? APP_TITLES[code] ?? (code === 'ok' ? 'Done' : 'Failed');
}

/** Provider outcomes without a provider to name: what a card or a list says in two or three words. */
const OUTCOME_TITLES: Record<string, string> = {
  auth_failed: 'API key rejected',
  rate_limited: 'Rate limited',
  quota_exhausted: 'Out of quota',
  content_blocked: 'Blocked by content policy',
  invalid_request: 'Request refused',
  unavailable: 'Provider unreachable',
  timeout: 'Timed out',
  no_image: 'No usable image',
  cancelled: 'Cancelled',
};

/** `provider` is the provider's display name, used for run outcomes ("OpenAI rejected the API key"). */
export function readableError(
  error: { code: string; message: string },
  provider = 'The provider',
  /** A title that says what failed in this place ("The key was not saved"), for input errors. */
  inputTitle?: string,
): ReadableError {
  const code = error.code;
  const title =
    providerTitle(code, provider) ??
    ((code === 'invalid_input' || code === 'not_found') && inputTitle ? inputTitle : APP_TITLES[code]) ??
    'Something went wrong';
  let detail = code === 'invalid_input' ? humanizeFieldMessage(error.message) : error.message.trim();
  if (code === 'unauthorized') {
    detail = 'Open the address printed by `npm run serve` again: it carries a fresh access token.';
  }
  // The main process often opens with the same sentence as the title; say it once.
  if (detail.startsWith(title)) {
    const end = detail.indexOf('. ', title.length - 1);
    if (end !== -1) detail = detail.slice(end + 2);
    else if (detail.replace(/[.!\s]+$/, '') === title) detail = '';
  }
  const keyProblem =
    code === 'auth_failed' ||
    ((code === 'invalid_input' || code === 'not_found') && /\bAPI key\b/i.test(error.message));
  // "No API key for OpenAI" deserves a title that names the fix, not "Check the request".
  if (keyProblem && code === 'invalid_input' && !inputTitle && /\bno API key\b/i.test(error.message)) {
    return { title: `${provider} needs an API key`, detail, code, keyProblem, budgetProblem: false };
  }
  return { title, detail, code, keyProblem, budgetProblem: code === 'budget_exceeded' };
}

/** True when the main process does not offer this call at all (an older build): views say so calmly. */
export function isMissingCall(error: { code: string; message: string }): boolean {
  return error.code === 'not_found' && /^There is no call named/.test(error.message);
}
