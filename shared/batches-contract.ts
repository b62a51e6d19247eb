// Batches: one request multiplied (seed variants × a prompt matrix × aspect ratios × styles), run through the
// persisted queue with pause, resume, cancel, a dead-letter list and retry. Spread into shared/contract.ts.
import { z } from 'zod';
import { AspectRatio, GenerationRequest, RunError } from './domain';
import { labelText } from './input-rules';
import { AppErrorShape } from './result';

export const BATCH_LIMITS = {
  variants: 100,
  matrixVariables: 6,
  matrixValues: 50,
  aspectRatios: 10,
  styles: 20,
  /** The highest item cap Settings accepts. */
  maxItemsCeiling: 10_000,
  nameChars: 80,
} as const;

/** The item cap when none is set (Settings → Budgets, "Items per batch at most"). */
export const DEFAULT_MAX_BATCH_ITEMS = 500;

const BatchId = z.number().int('must be a whole number').positive('must be a batch id');
const VersionId = z.number().int('must be a whole number').positive('must be a version id');

/**
 * What a batch multiplies. Every dimension left empty keeps the request's own value; the items are the
 * product, expanded in a fixed order (styles, then matrix variables in the order given, then aspect ratios,
 * then variants), so the same spec always makes the same numbered items.
 */
export const BatchSpec = z
  .strictObject({
    name: labelText(BATCH_LIMITS.nameChars).default(''),
    request: GenerationRequest,
    /** Seed variants of each combination: the request's seed + 0, 1, 2… when it has one, else random seeds. */
    variants: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(BATCH_LIMITS.variants, `must be at most ${BATCH_LIMITS.variants}`)
      .default(1),
    /** Template variable -> the values to try; needs `request.template`. */
    matrix: z
      .record(
        z.string().min(1).max(32),
        z
          .array(z.string().trim().min(1, 'must not be empty').max(2000))
          .min(1, 'must list at least one value')
          .max(BATCH_LIMITS.matrixValues, `at most ${BATCH_LIMITS.matrixValues} values`),
      )
      .default({}),
    aspectRatios: z
      .array(AspectRatio)
      .max(BATCH_LIMITS.aspectRatios, `at most ${BATCH_LIMITS.aspectRatios} aspect ratios`)
      .default([]),
    /** Style versions to render the one prompt in. */
    styles: z.array(VersionId).max(BATCH_LIMITS.styles, `at most ${BATCH_LIMITS.styles} styles`).default([]),
  })
  .superRefine((spec, ctx) => {
    const variables = Object.keys(spec.matrix);
    if (variables.length > BATCH_LIMITS.matrixVariables) {
      ctx.addIssue({
        code: 'custom',
        path: ['matrix'],
        message: `at most ${BATCH_LIMITS.matrixVariables} variables`,
      });
    }
    if (variables.length > 0 && !spec.request.template) {
      ctx.addIssue({ code: 'custom', path: ['matrix'], message: 'needs a template in the request' });
    }
    for (const [name, values] of Object.entries(spec.matrix)) {
      if (new Set(values).size !== values.length) {
        ctx.addIssue({ code: 'custom', path: ['matrix', name], message: 'lists a value twice' });
      }
    }
    if (new Set(spec.aspectRatios).size !== spec.aspectRatios.length) {
      ctx.addIssue({ code: 'custom', path: ['aspectRatios'], message: 'lists an aspect ratio twice' });
    }
    if (new Set(spec.styles).size !== spec.styles.length) {
      ctx.addIssue({ code: 'custom', path: ['styles'], message: 'lists a style twice' });
    }
  });
export type BatchSpec = z.infer<typeof BatchSpec>;
export type BatchSpecInput = z.input<typeof BatchSpec>;

/** Where an item sits in the product: `variant` (1-based), `aspectRatio`, `style` (version id), and each matrix variable. */
export const BatchCoords = z.record(z.string(), z.union([z.string(), z.number()]));
export type BatchCoords = z.infer<typeof BatchCoords>;
export { coordsLabel } from './batch-coords';

export const BATCH_STATES = ['running', 'paused', 'cancelled', 'done'] as const;
export const BatchState = z.enum(BATCH_STATES);
export type BatchState = z.infer<typeof BatchState>;

/** `failed` items are the dead-letter list: they wait, with their reason, for a retry. */
export const BATCH_ITEM_STATES = ['pending', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export const BatchItemState = z.enum(BATCH_ITEM_STATES);
export type BatchItemState = z.infer<typeof BatchItemState>;

export const BatchProviderCost = z.object({
  provider: z.string(),
  name: z.string(),
  /** Items this provider would most likely draw (the first step of the route that can run). */
  items: z.number().int(),
  /** Their estimated cost; null when the provider's price is unknown. */
  usd: z.number().nullable(),
});
export type BatchProviderCost = z.infer<typeof BatchProviderCost>;

export const BatchEstimate = z.object({
  items: z.number().int(),
  /** Settings → Budgets "Items per batch at most". */
  maxItems: z.number().int(),
  perProvider: z.array(BatchProviderCost),
  /** Items no provider could run now (each has the reason in `refusal` or the warnings). */
  unrunnable: z.number().int(),
  /** Sum of the known estimates; null when no item has a price. */
  totalUsd: z.number().nullable(),
  /** Why starting would be refused (item cap, budgets, no provider); null when it may start. */
  refusal: AppErrorShape.nullable(),
  warnings: z.array(z.string()),
});
export type BatchEstimate = z.infer<typeof BatchEstimate>;

const Count = z.number().int().min(0);
export const BatchCounts = z.object({
  total: Count,
  pending: Count,
  running: Count,
  succeeded: Count,
  failed: Count,
  cancelled: Count,
});
export type BatchCounts = z.infer<typeof BatchCounts>;

export const BatchSummary = z.object({
  id: z.number(),
  name: z.string(),
  /** The dimensions it multiplies, in expansion order. */
  kind: z.array(z.enum(['styles', 'matrix', 'aspectRatios', 'variants'])),
  state: BatchState,
  /** Why it paused on its own (a budget reached mid-batch); null when paused by hand or not paused. */
  pausedReason: z.string().nullable(),
  createdAt: z.number(),
  finishedAt: z.number().nullable(),
  counts: BatchCounts,
  /** Settled items (succeeded, failed or cancelled) over all items, 0–1. */
  progress: z.number().min(0).max(1),
  /** What its runs have cost so far (recorded attempts). */
  costUsd: z.number(),
  /** The estimate when it started. */
  estimateUsd: z.number().nullable(),
  /** Milliseconds left at the pace so far; null while paused, finished, or before the first item settles. */
  etaMs: z.number().nullable(),
  /**
   * Grows with every summary the core computes: of two summaries of one batch, the larger is the newer
   * (an answer and an event can arrive in either order).
   */
  revision: z.number(),
});
export type BatchSummary = z.infer<typeof BatchSummary>;

export const BatchItem = z.object({
  batchId: z.number(),
  index: z.number().int(),
  coords: BatchCoords,
  runId: z.number().nullable(),
  state: BatchItemState,
  /** Runs made for it so far (1 after the first try; a retry adds one). */
  attempts: z.number().int(),
  error: RunError.nullable(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  /** The thumbnail of its run's first image (media path); null until it has one. */
  thumbPath: z.string().nullable(),
});
export type BatchItem = z.infer<typeof BatchItem>;

export const BatchSettings = z.strictObject({
  maxItems: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(BATCH_LIMITS.maxItemsCeiling, `must be at most ${BATCH_LIMITS.maxItemsCeiling}`),
});
export type BatchSettings = z.infer<typeof BatchSettings>;

const ByBatch = z.strictObject({ batchId: BatchId });

export const batchCalls = {
  /** Item count, cost per provider and whether it may start; changes nothing. */
  'batches.estimate': { input: BatchSpec, output: BatchEstimate },
  /** Refused before anything is sent when over the item cap or a budget; otherwise recorded and started. */
  'batches.create': { input: BatchSpec, output: z.object({ batchId: z.number() }) },
  /** Newest first. */
  'batches.list': { input: z.strictObject({}), output: z.object({ batches: z.array(BatchSummary) }) },
  'batches.get': {
    input: ByBatch,
    output: z.object({ batch: BatchSummary, items: z.array(BatchItem) }),
  },
  /** Stops sending new items; items already out finish. */
  'batches.pause': { input: ByBatch, output: BatchSummary },
  'batches.resume': { input: ByBatch, output: BatchSummary },
  /** Items not yet settled end cancelled; runs in the queue are cancelled. */
  'batches.cancel': { input: ByBatch, output: BatchSummary },
  /** Sends dead-letter items again: the ones named, or every failed one when `indexes` is 'all'. */
  'batches.retry': {
    input: z.strictObject({
      batchId: BatchId,
      indexes: z.union([
        z.literal('all'),
        z
          .array(z.number().int('must be a whole number').min(0, 'must be an item index'))
          .min(1, 'must name at least one item')
          .max(BATCH_LIMITS.maxItemsCeiling),
      ]),
    }),
    output: BatchSummary,
  },
  'batches.getSettings': { input: z.strictObject({}), output: BatchSettings },
  'batches.setSettings': { input: BatchSettings, output: BatchSettings },
} as const;

export const batchEvents = {
  /** A batch's state, counts, cost or ETA changed. */
  'batch.updated': z.object({ batch: BatchSummary }),
  /** One item changed state (sent, settled, retried). */
  'batch.item': z.object({ item: BatchItem }),
} as const;
