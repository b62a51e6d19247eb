import type { ReviewStatus } from '../../../shared/domain';
import { AppError, fieldError } from '../../../shared/result';
import type { ReviewItem, ReviewSnapshot } from '../../../shared/review-contract';
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
  /** Live pending outputs of live runs, oldest first: the review queue (past output `after`, when given). */
  pending(limit: number, after?: number | null): Array<Omit<ReviewItem, 'flags'>>;
  /** The outputs' marks as they are now (in the order asked): what undo writes back. */
  snapshot(outputIds: readonly number[]): ReviewSnapshot[];
  /** Writes snapshots back exactly (review, favourite and rating), all or nothing. */
  restore(snapshots: readonly ReviewSnapshot[], now: number): void;
  /** The run an output belongs to (live or in the trash), or null when there is no such output. */
  runOf(outputId: number): number | null;
}

export function createOutputsRepo(db: LibraryDatabase): OutputsRepo {
  const outputExists = db.prepare<[number], number>('SELECT 1 FROM outputs WHERE id = ?').pluck();
  const selectRunOf = db.prepare<[number], number>('SELECT run_id FROM outputs WHERE id = ?').pluck();
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

  const selectPending = db.prepare<[number, number], PendingRow>(
    `SELECT o.id, o.run_id, o.path, o.thumb_path, o.width, o.height, r.prompt, r.provider,
       coalesce(rt.rating, 0) AS rating, o.favorite, o.review_status, o.reject_reason, o.approval_ref
     FROM outputs o JOIN runs r ON r.id = o.run_id LEFT JOIN ratings rt ON rt.output_id = o.id
     WHERE o.review_status = 'pending' AND o.deleted_at IS NULL AND r.deleted_at IS NULL AND o.id > ?
     ORDER BY o.id LIMIT ?`,
  );
  const selectSnapshot = db.prepare<[number], SnapshotRow>(
    `SELECT o.id, o.review_status, o.reviewed_at, o.approval_ref, o.reject_reason, o.reject_note, o.favorite,
       coalesce(rt.rating, 0) AS rating
     FROM outputs o LEFT JOIN ratings rt ON rt.output_id = o.id WHERE o.id = ?`,
  );
  const writeBack = db.prepare<{
    id: number;
    status: ReviewStatus;
    at: number | null;
    approvalRef: string | null;
    reason: string | null;
    note: string | null;
    favorite: number;
  }>(
    `UPDATE outputs SET review_status = @status, reviewed_at = @at, approval_ref = @approvalRef,
       reject_reason = @reason, reject_note = @note, favorite = @favorite
     WHERE id = @id`,
  );
  const upsertRating = db.prepare<[number, number, number]>(
    `INSERT INTO ratings (output_id, rating, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (output_id) DO UPDATE SET rating = excluded.rating, updated_at = excluded.updated_at`,
  );
  const deleteRating = db.prepare<[number]>('DELETE FROM ratings WHERE output_id = ?');

  const restore = db.transaction((snapshots: readonly ReviewSnapshot[], now: number) => {
    requireOutputs(snapshots.map((s) => s.outputId));
    for (const s of snapshots) {
      writeBack.run({
        id: s.outputId,
        status: s.status,
        at: s.reviewedAt,
        approvalRef: s.approvalRef,
        reason: s.rejectReason,
        note: s.rejectNote,
        favorite: s.favorite ? 1 : 0,
      });
      if (s.rating === 0) deleteRating.run(s.outputId);
      else upsertRating.run(s.outputId, s.rating, now);
    }
  });

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
    runOf: (outputId) => selectRunOf.get(outputId) ?? null,
    setFavorite(outputIds, value) {
      return favorite(outputIds, value);
    },
    review(outputIds, decision, now) {
      if (outputIds.length === 0)
        throw new AppError('invalid_input', 'outputIds: must name at least one output');
      review(outputIds, decision, now);
    },
    pending(limit, after = null) {
      return selectPending.all(after ?? 0, limit).map((row) => ({
        outputId: row.id,
        runId: row.run_id,
        path: row.path,
        thumbPath: row.thumb_path,
        width: row.width,
        height: row.height,
        prompt: row.prompt,
        provider: row.provider,
        rating: row.rating,
        favorite: row.favorite === 1,
        status: row.review_status,
        rejectReason: row.reject_reason,
        approvalRef: row.approval_ref,
      }));
    },
    snapshot(outputIds) {
      requireOutputs(outputIds);
      return outputIds.map((id) => {
        const row = selectSnapshot.get(id)!;
        return {
          outputId: row.id,
          status: row.review_status,
          reviewedAt: row.reviewed_at,
          approvalRef: row.approval_ref,
          rejectReason: row.reject_reason,
          rejectNote: row.reject_note,
          favorite: row.favorite === 1,
          rating: row.rating,
        };
      });
    },
    restore(snapshots, now) {
      restore(snapshots, now);
    },
    reviewCounts() {
      const counts: Record<ReviewStatus, number> = { pending: 0, approved: 0, rejected: 0 };
      for (const row of countByStatus.all()) counts[row.review_status] = row.n;
      return counts;
    },
  };
}

interface PendingRow {
  id: number;
  run_id: number;
  path: string;
  thumb_path: string;
  width: number;
  height: number;
  prompt: string;
  provider: string;
  rating: number;
  favorite: number;
  review_status: ReviewStatus;
  reject_reason: string | null;
  approval_ref: string | null;
}

interface SnapshotRow {
  id: number;
  review_status: ReviewStatus;
  reviewed_at: number | null;
  approval_ref: string | null;
  reject_reason: string | null;
  reject_note: string | null;
  favorite: number;
  rating: number;
}
