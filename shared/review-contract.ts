// Calls of the review queue: pending outputs, decisions (approve, reject with a failure mode, rate,
// favourite) each answered with what it replaced, so Z can put it back. Spread into shared/contract.ts.
import { z } from 'zod';
import { ReviewStatus } from './domain';
import { QualityFlag } from './quality-contract';

const OutputId = z.number().int().positive();
const OutputIds = z.array(OutputId).min(1, 'must name at least one output').max(500);

/** What "Apply mitigation to next Branch" changes in the next request. */
export const Mitigation = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('negativeGroup'), group: z.string().min(1) }),
  z.strictObject({ kind: z.literal('provider'), provider: z.string().min(1) }),
]);
export type Mitigation = z.infer<typeof Mitigation>;

/** A reason to reject, from the failure-mode catalog (resources/failure-modes.json). */
export const FailureMode = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]{1,40}$/, 'must be lower-case letters, digits and dashes'),
  label: z.string().trim().min(1).max(60),
  description: z.string().max(300).default(''),
  mitigation: Mitigation.nullable(),
});
export type FailureMode = z.infer<typeof FailureMode>;

/** A reason outputs may still carry that the catalog no longer lists: its last label, so it still reads. */
export const RetiredFailureMode = z.object({ id: z.string(), label: z.string() });
export type RetiredFailureMode = z.infer<typeof RetiredFailureMode>;

/** The catalog in effect, with the removed reasons' labels. */
const ModesInEffect = z.object({ modes: z.array(FailureMode), retired: z.array(RetiredFailureMode) });

export const ReviewCounts = z.object({ pending: z.number(), approved: z.number(), rejected: z.number() });
export type ReviewCounts = z.infer<typeof ReviewCounts>;

/** One output in the queue, with what the reviewer needs to judge it. */
export const ReviewItem = z.object({
  outputId: z.number(),
  runId: z.number(),
  path: z.string(),
  thumbPath: z.string(),
  width: z.number(),
  height: z.number(),
  prompt: z.string(),
  provider: z.string(),
  rating: z.number().int().min(0).max(5),
  favorite: z.boolean(),
  status: ReviewStatus,
  rejectReason: z.string().nullable(),
  approvalRef: z.string().nullable(),
  /** Why the quality gate flagged it: its failed and not-run checks (empty when none, or not checked yet). */
  flags: z.array(QualityFlag).default([]),
});
export type ReviewItem = z.infer<typeof ReviewItem>;

/** An output's marks before a change: what undo writes back. */
export const ReviewSnapshot = z.strictObject({
  outputId: OutputId,
  status: ReviewStatus,
  reviewedAt: z.number().nullable(),
  approvalRef: z.string().max(200).nullable(),
  rejectReason: z.string().max(40).nullable(),
  rejectNote: z.string().max(1000).nullable(),
  favorite: z.boolean(),
  rating: z.number().int().min(0).max(5),
});
export type ReviewSnapshot = z.infer<typeof ReviewSnapshot>;

export const ReviewDecisionInput = z.discriminatedUnion('status', [
  z.strictObject({
    status: z.literal('approved'),
    approvalRef: z.string().trim().max(200).nullable().default(null),
  }),
  z.strictObject({
    status: z.literal('rejected'),
    reason: z.string().min(1, 'must name a failure mode'),
    note: z.string().trim().max(1000).nullable().default(null),
  }),
  z.strictObject({ status: z.literal('pending') }),
]);

const Changed = z.object({ previous: z.array(ReviewSnapshot), counts: ReviewCounts });

export const reviewCalls = {
  'review.modes': { input: z.strictObject({}), output: ModesInEffect },
  'review.counts': { input: z.strictObject({}), output: ReviewCounts },
  /** Pending outputs oldest first; `after` continues past the last one already shown (skipped ones stay behind). */
  'review.queue': {
    input: z.strictObject({
      limit: z.number().int().min(1).max(500).default(200),
      after: OutputId.nullable().default(null),
    }),
    output: z.object({ items: z.array(ReviewItem), counts: ReviewCounts }),
  },
  'review.decide': {
    input: z.strictObject({ outputIds: OutputIds, decision: ReviewDecisionInput }),
    output: Changed,
  },
  'review.favorite': {
    input: z.strictObject({ outputIds: OutputIds, favorite: z.boolean() }),
    output: Changed,
  },
  'review.rate': {
    input: z.strictObject({ outputId: OutputId, rating: z.number().int().min(0).max(5) }),
    output: Changed,
  },
  /** Replaces the failure-mode list with an edited one (Settings → Review); checked like the shipped file. */
  'review.saveModes': {
    input: z.strictObject({ modes: z.array(FailureMode).min(1, 'must keep at least one reason').max(40) }),
    output: ModesInEffect,
  },
  /** Drops the edits: the shipped list again. */
  'review.resetModes': { input: z.strictObject({}), output: ModesInEffect },
  /** Writes the snapshots an earlier change answered with back (Z). */
  'review.undo': {
    input: z.strictObject({ previous: z.array(ReviewSnapshot).min(1).max(500) }),
    output: z.object({ counts: ReviewCounts }),
  },
} as const;

// ---------------------------------------------------------------- trash

const TrashTarget = z.strictObject({
  runIds: z.array(z.number().int().positive()).max(500).default([]),
  outputIds: z.array(OutputId).max(500).default([]),
});

export const TrashList = z.object({
  runs: z.array(
    z.object({ id: z.number(), prompt: z.string(), deletedAt: z.number(), thumbPath: z.string().nullable() }),
  ),
  outputs: z.array(
    z.object({
      id: z.number(),
      runId: z.number(),
      prompt: z.string(),
      deletedAt: z.number(),
      thumbPath: z.string(),
    }),
  ),
});
export type TrashList = z.infer<typeof TrashList>;

const Moved = z.object({ runs: z.number(), outputs: z.number() });

export const trashCalls = {
  /** Refused with `conflict` (details.uses) when a style preview or board baseline uses it, unless `force`. */
  'trash.move': { input: TrashTarget.extend({ force: z.boolean().default(false) }), output: Moved },
  'trash.restore': { input: TrashTarget, output: Moved },
  'trash.list': { input: z.strictObject({}), output: TrashList },
  'trash.empty': {
    input: z.strictObject({}),
    output: z.object({ runs: z.number(), outputs: z.number(), filesRemoved: z.number() }),
  },
} as const;
