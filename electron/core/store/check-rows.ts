// The quality gate's result rows, shared by `quality_checks` (outputs) and `reference_checks` (references):
// the same columns after the key, read and written the same way.
import { CheckDetails, type ReferenceCheckRecord } from '../../../shared/quality-contract';
import type { JsonColumnAt, JsonColumns } from './json-column';

/** A check result as stored, after its key column. */
export interface CheckColumns {
  check: ReferenceCheckRecord['check'];
  result: ReferenceCheckRecord['result'];
  score: number | null;
  threshold: number | null;
  check_version: string;
  reason: string | null;
  details: string;
  checked_at: number;
}

/** The result columns, in order, for a SELECT or an INSERT. */
export const CHECK_COLUMNS = `"check", result, score, threshold, check_version, reason, details, checked_at`;

/** An upsert of one result into `table`, keyed by `key` and the check (parameters from `checkParams`). */
export function upsertCheckSql(table: 'quality_checks' | 'reference_checks', key: string): string {
  return `INSERT INTO ${table} (${key}, ${CHECK_COLUMNS})
     VALUES (@key, @check, @result, @score, @threshold, @version, @reason, @details, @at)
     ON CONFLICT (${key}, "check") DO UPDATE SET result = excluded.result, score = excluded.score,
       threshold = excluded.threshold, check_version = excluded.check_version, reason = excluded.reason,
       details = excluded.details, checked_at = excluded.checked_at`;
}

export interface CheckParams {
  key: number;
  check: string;
  result: string;
  score: number | null;
  threshold: number | null;
  version: string;
  reason: string | null;
  details: string;
  at: number;
}

export function checkParams(key: number, r: ReferenceCheckRecord): CheckParams {
  return {
    key,
    check: r.check,
    result: r.result,
    score: r.score,
    threshold: r.threshold,
    version: r.version,
    reason: r.reason,
    details: JSON.stringify(r.details),
    at: r.checkedAt,
  };
}

/**
 * A stored result as the contract has it. Details are shown, never written back: a row whose details do not
 * parse (logged with the row) reads with none.
 */
export function checkRecord(json: JsonColumns, row: CheckColumns, at: JsonColumnAt): ReferenceCheckRecord {
  return {
    check: row.check,
    result: row.result,
    score: row.score,
    threshold: row.threshold,
    version: row.check_version,
    reason: row.reason,
    details: json.readOr(CheckDetails, row.details, at, {}),
    checkedAt: row.checked_at,
  };
}
