// Turns an error from the main process or a run into words for a designer; never raw JSON. What to do
// about it is decided from the code and the typed details (`issues`, `fix`) alone, never from the sentence.

import type { ErrorFix, ErrorIssue } from '../../shared/result';

/** An error as the renderer receives it: a call's refusal carries `issues` and `fix`; a run's end only a code. */
export interface ErrorLike {
  code: string;
  message: string;
  issues?: readonly ErrorIssue[];
  fix?: ErrorFix;
}

export interface ReadableError {
  title: string;
  /** The longer explanation: the issues, field by field, or the main process's own sentence. */
  detail: string;
  code: string;
  /** The Settings tab that mends it (an API key to add, a budget to raise, a server to add), or null. */
  fix: ErrorFix | null;
  /** The per-field issues, for views that show each beside its field. */
  issues: readonly ErrorIssue[];
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

/** The label of the field an issue is about, from its path; undefined when Atelier has no name for it. */
function labelOf(path: readonly (string | number)[]): string | undefined {
  const [head, next] = path;
  if (path.length === 0) return 'The request';
  if (head === 'values' && typeof next === 'string') return variableLabel(next);
  return typeof head === 'string' ? FIELD_LABELS[head] : undefined;
}

/** `tags.2`, `values.""`: the path as written, for a field without a label. */
function pathText(path: readonly (string | number)[]): string {
  return path.map((segment) => (segment === '' ? '""' : String(segment))).join('.');
}

/**
 * One issue as a sentence naming its field: `{ path: ['prompt'], message: 'must not be empty' }` reads
 * "Prompt must not be empty." A template variable (`values.subject`) reads as its name ("Subject"); a
 * field without a label stays named as written. Only the wording is chosen here; the field comes from the path.
 */
export function issueSentence(issue: ErrorIssue): string {
  const label = labelOf(issue.path);
  const rest = issue.message.trim();
  let sentence: string;
  if (!label) sentence = `${pathText(issue.path)}: ${rest}`;
  // Wording only: a message that names its own subject ("there is no provider…") reads better alone.
  else if (/^(no|there|the|this)\b/i.test(rest)) sentence = capitalize(rest);
  // A sentence of its own ("Invalid input: expected text") still says which field it is about.
  else if (/^[A-Z]/.test(rest)) sentence = `${label}: ${rest}`;
  else sentence = `${label} ${rest}`;
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

/** Every issue as a sentence: "Prompt must not be empty. Images must be at most 4." */
export function issuesText(issues: readonly ErrorIssue[]): string {
  return issues.map(issueSentence).join(' ');
}

/**
 * Issues on a form's own fields, each as a sentence under its box (several on one field join); the
 * issues about anything else are left in `rest`, for the error card.
 */
export function issuesByField<K extends string>(
  issues: readonly ErrorIssue[],
  keys: readonly K[],
  /** False where the field's own label is beside the message: then the message stands alone. */
  labelled = true,
): { fields: Partial<Record<K, string>>; rest: ErrorIssue[] } {
  const fields: Partial<Record<K, string>> = {};
  const rest: ErrorIssue[] = [];
  for (const issue of issues) {
    const head = issue.path[0];
    const key = keys.find((k) => k === head);
    if (key === undefined) {
      rest.push(issue);
      continue;
    }
    const sentence = labelled ? issueSentence(issue) : asSentence(issue.message);
    fields[key] = fields[key] ? `${fields[key]} ${sentence}` : sentence;
  }
  return { fields, rest };
}

/**
 * Issues on the items of one list (`['chain', 1, 'model']` is item 1 of `chain`), by index, in the main
 * process's own words; the rest are left in `rest`.
 */
export function issuesByItem(
  issues: readonly ErrorIssue[],
  list: string,
): { items: Map<number, string>; rest: ErrorIssue[] } {
  const items = new Map<number, string>();
  const rest: ErrorIssue[] = [];
  for (const issue of issues) {
    const [head, index] = issue.path;
    if (head !== list || typeof index !== 'number') {
      rest.push(issue);
      continue;
    }
    const before = items.get(index);
    items.set(index, before ? `${before} ${issue.message}` : issue.message);
  }
  return { items, rest };
}

/** "is required" -> "Is required." */
function asSentence(text: string): string {
  const trimmed = capitalize(text.trim());
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
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
  model_unavailable: 'An offline model could not load',
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

/** Run and step endings whose fix is always in one Settings tab; a call's refusal names its own `fix`. */
const FIX_BY_CODE: Record<string, ErrorFix> = {
  auth_failed: 'keys',
  no_key: 'keys',
  key_unreadable: 'keys',
  budget_exceeded: 'budgets',
  budget: 'budgets',
  no_server: 'local',
};

/** The Settings tab that mends this error, from its `fix` or else its code; null when Settings cannot help. */
export function fixOf(error: ErrorLike): ErrorFix | null {
  return error.fix ?? FIX_BY_CODE[error.code] ?? null;
}

/** `provider` is the provider's display name, used for run outcomes ("OpenAI rejected the API key"). */
export function readableError(
  error: ErrorLike,
  provider = 'The provider',
  /** A title that says what failed in this place ("The key was not saved"), for input errors. */
  inputTitle?: string,
): ReadableError {
  const code = error.code;
  const fix = fixOf(error);
  const issues = error.issues ?? [];
  let title =
    providerTitle(code, provider) ??
    ((code === 'invalid_input' || code === 'not_found') && inputTitle ? inputTitle : APP_TITLES[code]) ??
    'Something went wrong';
  // A refusal whose fix is a key deserves a title that names the fix, not "Check the request".
  if (fix === 'keys' && code === 'invalid_input' && !inputTitle) title = `${provider} needs an API key`;
  let detail = issues.length > 0 ? issuesText(issues) : error.message.trim();
  if (code === 'unauthorized') {
    detail = 'Open the address printed by `npm run serve` again: it carries a fresh access token.';
  }
  // The main process often opens with the same sentence as the title; say it once.
  if (detail.startsWith(title)) {
    const end = detail.indexOf('. ', title.length - 1);
    if (end !== -1) detail = detail.slice(end + 2);
    else if (detail.replace(/[.!\s]+$/, '') === title) detail = '';
  }
  return {
    title,
    detail,
    code,
    fix,
    issues,
    keyProblem: fix === 'keys',
    budgetProblem: fix === 'budgets',
  };
}

/** True when the main process does not offer this call at all (an older build): views say so calmly. */
export function isMissingCall(error: { code: string; details?: Record<string, unknown> }): boolean {
  return error.code === 'not_found' && error.details?.unknownCall === true;
}
