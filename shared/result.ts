import { z } from 'zod';

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
] as const;
export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const AppErrorShape = z.object({
  code: ErrorCode,
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type AppErrorShape = z.infer<typeof AppErrorShape>;

export type Result<T> = { ok: true; value: T } | { ok: false; error: AppErrorShape };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function err(code: ErrorCode, message: string, details?: Record<string, unknown>): Result<never> {
  return { ok: false, error: details ? { code, message, details } : { code, message } };
}

/** Thrown inside the main process; turned into `{ ok: false }` at the transport edge. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }
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
 * One readable line naming each offending field, e.g. `prompt: must not be empty; count: must be at
 * most 4`. Never a message without a field: an issue about the input as a whole names `root` (the
 * call's input), an unknown key names the key, a bad record key names the key and why.
 */
export function describeZodError(error: z.ZodError, root = 'input'): string {
  const parts: string[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        parts.push(`${fieldName([...issue.path, key], root)}: is not a known field`);
      }
      continue;
    }
    let message = issue.message;
    if (issue.code === 'invalid_key') {
      const why = issue.issues[0]?.message;
      message = why ? `is not an accepted name (${why})` : 'is not an accepted name';
    }
    parts.push(`${fieldName(issue.path, root)}: ${message}`);
  }
  return parts.join('; ');
}
