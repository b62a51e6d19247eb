import { z } from 'zod';
import { SETTINGS_TABS } from './settings-tabs';

/** The closed set of error codes that may cross a process boundary. Compare by `code`, never by class. */
export const ERROR_CODES = [
  'invalid_input',
  'not_found',
  'conflict',
  'budget_exceeded',
  'provider_failed',
  'unavailable',
  'key_storage_unavailable',
  'cancelled',
  'unauthorized',
  'forbidden',
  'internal',
  /** An offline model (NSFW classifier, OCR) could not load: files missing, runtime error. */
  'model_unavailable',
] as const;
export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** Where an issue is: the keys and indexes from the call's input down to the field (`['tags', 2]`); `[]` is the input itself. */
export const IssuePath = z.array(z.union([z.string(), z.number().int()]));
export type IssuePath = z.infer<typeof IssuePath>;

/** One thing wrong with one field; the message reads after the field's name ("must not be empty"). */
export const ErrorIssue = z.object({ path: IssuePath, message: z.string() });
export type ErrorIssue = z.infer<typeof ErrorIssue>;

/**
 * Where the fix is: the Settings tab a designer opens to mend it (a key to add, a budget to raise, a
 * server to add, a route to change, the library's rules). Decided where the error is made, never read
 * back out of the message.
 */
export const ErrorFix = z.enum(SETTINGS_TABS);
export type ErrorFix = z.infer<typeof ErrorFix>;

/** An error as it crosses a process boundary: the code decides, `issues` and `fix` say where and what to do. */
export const AppErrorShape = z.object({
  code: ErrorCode,
  message: z.string(),
  /** Per-field problems, for `invalid_input`: each names its field by path. */
  issues: z.array(ErrorIssue).optional(),
  fix: ErrorFix.optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type AppErrorShape = z.infer<typeof AppErrorShape>;

/** What an error carries beyond its code and sentence. */
export interface ErrorExtras {
  issues?: ErrorIssue[];
  fix?: ErrorFix;
  details?: Record<string, unknown>;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: AppErrorShape };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

/** The shape that crosses the boundary; empty extras are left out. */
function shapeOf(code: ErrorCode, message: string, extras: ErrorExtras): AppErrorShape {
  const shape: AppErrorShape = { code, message };
  if (extras.issues && extras.issues.length > 0) shape.issues = extras.issues;
  if (extras.fix) shape.fix = extras.fix;
  if (extras.details) shape.details = extras.details;
  return shape;
}

export function err(code: ErrorCode, message: string, extras: ErrorExtras = {}): Result<never> {
  return { ok: false, error: shapeOf(code, message, extras) };
}

/** Thrown inside the main process; turned into `{ ok: false }` at the transport edge. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly issues: ErrorIssue[] | undefined;
  readonly fix: ErrorFix | undefined;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message: string, extras: ErrorExtras = {}) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.issues = extras.issues;
    this.fix = extras.fix;
    this.details = extras.details;
  }

  /** The shape that crosses the boundary; empty extras are left out. */
  toShape(): AppErrorShape {
    return shapeOf(this.code, this.message, this);
  }
}

/**
 * An `invalid_input` error about one field: the message names the field (`seed: …`) and the issue
 * carries the same words with the path, so the renderer places them beside the field without parsing.
 */
export function fieldError(
  path: IssuePath,
  message: string,
  extras: Omit<ErrorExtras, 'issues'> = {},
): AppError {
  return new AppError('invalid_input', `${fieldName(path, 'input')}: ${message}`, {
    ...extras,
    issues: [{ path, message }],
  });
}

/** A path as a field name: `tags.2`, `values."" ` for an empty key; `root` names the input itself. */
function fieldName(path: readonly PropertyKey[], root: string): string {
  if (path.length === 0) return root;
  return path
    .map((segment) => {
      const text = typeof segment === 'symbol' ? (segment.description ?? 'symbol') : String(segment);
      // An empty record key still names a place: quote it rather than leave a dangling dot.
      return text === '' ? '""' : text;
    })
    .join('.');
}

/**
 * Each offending field as an issue with its path: an unknown key is an issue at that key, a bad record
 * key names the key and why. The renderer places these beside their fields.
 */
export function zodIssues(error: z.ZodError): ErrorIssue[] {
  const issues: ErrorIssue[] = [];
  for (const issue of error.issues) {
    const path = issue.path.map((segment) =>
      typeof segment === 'symbol' ? (segment.description ?? 'symbol') : segment,
    );
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) issues.push({ path: [...path, key], message: 'is not a known field' });
      continue;
    }
    let message = issue.message;
    if (issue.code === 'invalid_key') {
      const why = issue.issues[0]?.message;
      message = why ? `is not an accepted name (${why})` : 'is not an accepted name';
    }
    issues.push({ path, message });
  }
  return issues;
}

/** Issues as one line naming each field, e.g. `prompt: must not be empty; count: must be at most 4`. */
export function describeIssues(issues: readonly ErrorIssue[], root = 'input'): string {
  return issues.map((issue) => `${fieldName(issue.path, root)}: ${issue.message}`).join('; ');
}

/**
 * One readable line naming each offending field, e.g. `prompt: must not be empty; count: must be at
 * most 4`. Never a message without a field: an issue about the input as a whole names `root` (the
 * call's input), an unknown key names the key, a bad record key names the key and why.
 */
export function describeZodError(error: z.ZodError, root = 'input'): string {
  return describeIssues(zodIssues(error), root);
}
