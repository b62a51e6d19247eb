// Calls and events of boards (named collections of outputs for a brief) and of comparing outputs.
// Spread into shared/contract.ts.
import { z } from 'zod';
import { OutputRecord, RunBoard, RunDetail } from './domain';
import { labelText } from './input-rules';

export const BOARD_NAME_MAX_CHARS = 80;
/** Compare shows two to four outputs side by side. */
export const COMPARE_MIN = 2;
export const COMPARE_MAX = 4;

const BoardId = z.number().int('must be a whole number').positive('must be a board id');
const OutputId = z.number().int('must be a whole number').positive('must be an output id');
const OutputIds = z
  .array(OutputId)
  .min(1, 'must name at least one output')
  .max(500, 'at most 500 outputs at a time');
const BoardName = labelText(BOARD_NAME_MAX_CHARS).min(1, 'must not be empty');

export const Board = z.object({
  id: z.number(),
  name: z.string(),
  createdAt: z.number(),
  /** The output others are compared against; always one on the board, or null. */
  baselineOutputId: z.number().nullable(),
  /** Live (not trashed) outputs on the board. */
  outputsCount: z.number(),
});
export type Board = z.infer<typeof Board>;

export const BoardCursor = z.strictObject({ addedAt: z.number().int(), outputId: OutputId });
export type BoardCursor = z.infer<typeof BoardCursor>;

export const BoardOutput = z.object({
  outputId: z.number(),
  runId: z.number(),
  addedAt: z.number(),
  path: z.string(),
  thumbPath: z.string(),
  width: z.number(),
  height: z.number(),
  prompt: z.string(),
});
export type BoardOutput = z.infer<typeof BoardOutput>;

/** One output as the compare table reads it: the image, its run, and the library versions by name. */
export const CompareItem = z.object({
  output: OutputRecord,
  run: RunDetail,
  style: z.object({ name: z.string(), version: z.number() }).nullable(),
  template: z.object({ name: z.string(), version: z.number() }).nullable(),
});
export type CompareItem = z.infer<typeof CompareItem>;

export const boardCalls = {
  'boards.list': {
    input: z.strictObject({}),
    output: z.object({ boards: z.array(Board) }),
  },
  'boards.create': {
    input: z.strictObject({ name: BoardName }),
    output: Board,
  },
  'boards.rename': {
    input: z.strictObject({ id: BoardId, name: BoardName }),
    output: Board,
  },
  /** Removes the board; its outputs stay in History. */
  'boards.delete': {
    input: z.strictObject({ id: BoardId }),
    output: z.object({ deleted: z.boolean() }),
  },
  'boards.addOutputs': {
    input: z.strictObject({ id: BoardId, outputIds: OutputIds }),
    output: z.object({ added: z.number(), board: Board }),
  },
  'boards.removeOutputs': {
    input: z.strictObject({ id: BoardId, outputIds: OutputIds }),
    output: z.object({ removed: z.number(), board: Board }),
  },
  /** An output on the board, or null to clear. */
  'boards.setBaseline': {
    input: z.strictObject({ id: BoardId, outputId: OutputId.nullable() }),
    output: Board,
  },
  'boards.outputs': {
    input: z.strictObject({
      id: BoardId,
      before: BoardCursor.optional(),
      limit: z.number().int().min(1).max(500).default(100),
    }),
    output: z.object({ board: Board, items: z.array(BoardOutput), next: BoardCursor.nullable() }),
  },
  /** Boards each output is on (badges and the "Add to board" menu's ticks). */
  'boards.of': {
    input: z.strictObject({ outputIds: OutputIds }),
    output: z.object({
      memberships: z.array(z.object({ outputId: z.number(), boardIds: z.array(z.number()) })),
    }),
  },
  /** What the compare screen needs for 2–4 outputs, in the order asked. */
  'outputs.compare': {
    input: z.strictObject({
      outputIds: z
        .array(OutputId)
        .min(COMPARE_MIN, `pick at least ${COMPARE_MIN} outputs`)
        .max(COMPARE_MAX, `pick at most ${COMPARE_MAX} outputs`)
        .refine((ids) => new Set(ids).size === ids.length, 'must not name an output twice'),
    }),
    output: z.object({ items: z.array(CompareItem) }),
  },
} as const;

export const boardEvents = {
  /**
   * A board was created, renamed, deleted, or its outputs or baseline changed: sidebars and badges refresh.
   * `runs`: the runs whose images went on or off the board, each with the boards its live images are on now
   * (its card's badges, by name); absent when the change is to the board itself.
   */
  'boards.changed': z.object({
    id: z.number().nullable(),
    runs: z.array(z.object({ id: z.number(), boards: z.array(RunBoard) })).optional(),
  }),
} as const;
