import type { ZodType } from 'zod';
import { AppError, describeZodError } from '../../../shared/result';
import type { Logger } from '../ports';

/** Where a JSON column was read from: named in the log and in the error, so the row can be found and mended. */
export interface JsonColumnAt {
  table: string;
  column: string;
  /** The row's id (or key, for the settings table). */
  id: number | string;
}

export type JsonRead<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * A stored row whose JSON column was refused. Nothing was changed: the row stays as it is, and the
 * operation that needed it stops here rather than read a default in its place (and later write that back).
 */
export class StoredDataError extends AppError {
  constructor(at: JsonColumnAt, reason: string) {
    super(
      'internal',
      `The stored ${at.table} row ${JSON.stringify(at.id)} could not be read (${at.column}: ${reason}). It was left unchanged.`,
      { details: { table: at.table, column: at.column, id: at.id } },
    );
    this.name = 'StoredDataError';
  }
}

export interface JsonColumns {
  /** Parses a column with its schema; a refusal is logged once with the row's table, column and id. */
  read<T>(schema: ZodType<T>, text: string, at: JsonColumnAt): JsonRead<T>;
  /** Like `read`, but a refusal throws a `StoredDataError` (for reads whose result may be written back). */
  require<T>(schema: ZodType<T>, text: string, at: JsonColumnAt): T;
  /** Like `read`, with `fallback` on a refusal: only for columns shown or rebuilt, never written back from it. */
  readOr<T, F>(schema: ZodType<T>, text: string, at: JsonColumnAt, fallback: F): T | F;
}

/**
 * The one way the repositories read JSON columns. What a refusal means is decided by the caller and
 * written next to it: a list skips the row, a single read (or a read-modify-write) throws `StoredDataError`,
 * a column the app rebuilds on its own (a server's health cache) falls back. Either way the stored text is
 * never overwritten by a default, and the log names the row.
 */
export function createJsonColumns(log: Logger): JsonColumns {
  const read = <T>(schema: ZodType<T>, text: string, at: JsonColumnAt): JsonRead<T> => {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      return refuse(at, `not JSON (${error instanceof Error ? error.message : String(error)})`);
    }
    const parsed = schema.safeParse(raw);
    return parsed.success ? { ok: true, value: parsed.data } : refuse(at, describeZodError(parsed.error));
  };
  const refuse = (at: JsonColumnAt, reason: string): JsonRead<never> => {
    log.warn('stored JSON refused', { table: at.table, column: at.column, id: at.id, reason });
    return { ok: false, reason };
  };
  return {
    read,
    require(schema, text, at) {
      const result = read(schema, text, at);
      if (!result.ok) throw new StoredDataError(at, result.reason);
      return result.value;
    },
    readOr(schema, text, at, fallback) {
      const result = read(schema, text, at);
      return result.ok ? result.value : fallback;
    },
  };
}
