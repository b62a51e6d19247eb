import type { ReviewStatus } from '../../../shared/domain';
import { AppError, fieldError } from '../../../shared/result';
import type { LibraryDatabase } from './db';

/** A review decision; approving may carry a sign-off reference, rejecting names a failure mode. */
export type ReviewDecision =
  | { status: 'approved'; approvalRef?: string | null }
  | { status: 'rejected'; reason: string; note?: string | null }
  | { status: 'pending' };

/** Per-output marks: favourite and review. Ratings stay in the runs repo (`rate`). */
export interface OutputsRepo {
  /** Returns how many outputs changed. */
  setFavorite(outputIds: readonly number[], favorite: boolean): number;
  /** Records the decision on every output (all or nothing); `pending` clears an earlier one. */
  review(outputIds: readonly number[], decision: ReviewDecision, now: number): void;
  /** Live outputs per review state: the counts the navigation shows. */
  reviewCounts(): Record<ReviewStatus, number>;
}

export function createOutputsRepo(db: LibraryDatabase): OutputsRepo {
  const outputExists = db.prepare<[number], number>('SELECT 1 FROM outputs WHERE id = ?').pluck();
  const updateFavorite = db.prepare<{ id: number; favorite: number }>(
    'UPDATE outputs SET favorite = @favorite WHERE id = @id AND favorite <> @favorite',
  );
  const updateReview = db.prepare<{
    id: number;
    status: ReviewStatus;
    at: number | null;
    approvalRef: string | null;
    reason: string | null;
    note: string | null;
  }>(
    `UPDATE outputs SET review_status = @status, reviewed_at = @at, approval_ref = @approvalRef,
       reject_reason = @reason, reject_note = @note
     WHERE id = @id`,
  );
  // Reads the partial outputs_by_review index (live outputs only).
  const countByStatus = db.prepare<[], { review_status: ReviewStatus; n: number }>(
    'SELECT review_status, count(*) AS n FROM outputs WHERE deleted_at IS NULL GROUP BY review_status',
  );

  function requireOutputs(outputIds: readonly number[]): void {
    outputIds.forEach((id, i) => {
      if (outputExists.get(id) === undefined) throw fieldError(['outputIds', i], `there is no output ${id}`);
    });
  }

  const favorite = db.transaction((outputIds: readonly number[], value: boolean) => {
    requireOutputs(outputIds);
    let changed = 0;
    for (const id of outputIds) changed += updateFavorite.run({ id, favorite: value ? 1 : 0 }).changes;
    return changed;
  });

  const review = db.transaction((outputIds: readonly number[], decision: ReviewDecision, now: number) => {
    requireOutputs(outputIds);
    if (decision.status === 'rejected' && decision.reason.trim() === '') {
      throw fieldError(['reason'], 'must name a failure mode');
    }
    for (const id of outputIds) {
      updateReview.run({
        id,
        status: decision.status,
        at: decision.status === 'pending' ? null : now,
        approvalRef: decision.status === 'approved' ? decision.approvalRef?.trim() || null : null,
        reason: decision.status === 'rejected' ? decision.reason : null,
        note: decision.status === 'rejected' ? decision.note?.trim() || null : null,
      });
    }
  });

  return {
    setFavorite(outputIds, value) {
      return favorite(outputIds, value);
    },
    review(outputIds, decision, now) {
      if (outputIds.length === 0)
        throw new AppError('invalid_input', 'outputIds: must name at least one output');
      review(outputIds, decision, now);
    },
    reviewCounts() {
      const counts: Record<ReviewStatus, number> = { pending: 0, approved: 0, rejected: 0 };
      for (const row of countByStatus.all()) counts[row.review_status] = row.n;
      return counts;
    },
  };
}
