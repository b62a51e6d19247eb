import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/result';
import { recordingLogger } from '../../../test/support/log';
import { tempDirsPerTest } from '../../../test/support/temp-dirs';
import { type BoardsRepo, createBoardsRepo } from './boards-repo';
import { closeDatabase, type LibraryDatabase, openDatabase } from './db';
import { createOutputsRepo, type OutputsRepo } from './outputs-repo';
import { createRunsRepo, type RunsRepo } from './runs-repo';
import { createTrashRepo, type TrashRepo } from './trash-repo';

const tempDir = tempDirsPerTest();
let db: LibraryDatabase;
let runs: RunsRepo;
let boards: BoardsRepo;
let outputs: OutputsRepo;
let trash: TrashRepo;

beforeEach(() => {
  db = openDatabase(path.join(tempDir(), 'atelier.db'));
  runs = createRunsRepo(db, recordingLogger());
  boards = createBoardsRepo(db);
  outputs = createOutputsRepo(db);
  trash = createTrashRepo(db);
});
afterEach(() => closeDatabase(db));

/** A succeeded run with `count` images; returns the run id and its output ids. */
function run(
  count = 2,
  parent?: Parameters<RunsRepo['create']>[0]['parent'],
): { id: number; outputIds: number[] } {
  const id = runs.create({ request: { prompt: `run ${count}`, provider: 'openai', count }, now: 1, parent });
  runs.markRunning(id, { now: 2, seed: 1 });
  runs.complete(id, {
    now: 3,
    attemptId: null,
    costUsd: 0.01,
    outputs: Array.from({ length: count }, (_, index) => {
      const sha256 = `${id}${index}`.padEnd(64, 'a');
      return {
        index,
        path: `media/aa/${sha256}.png`,
        sha256,
        width: 100,
        height: 50,
        format: 'png',
        bytes: 1,
        thumbPath: `thumbs/aa/${sha256}.webp`,
      };
    }),
  });
  return { id, outputIds: runs.get(id)!.outputs.map((o) => o.id) };
}

function errorOf(fn: () => unknown): { code: string; message: string } | null {
  try {
    fn();
    return null;
  } catch (error) {
    if (error instanceof AppError) return { code: error.code, message: error.message };
    throw error;
  }
}

describe('boards repo', () => {
  it('creates boards with unique names (ignoring case), adds and removes outputs, counts live ones', () => {
    const a = run(2);
    const b = run(1);
    const brief = boards.create('  Spring brief ', 10);
    expect(errorOf(() => boards.create('SPRING BRIEF', 11))).toEqual({
      code: 'invalid_input',
      message: 'name: a board named "SPRING BRIEF" already exists (names ignore case)',
    });
    expect(errorOf(() => boards.create('  ', 11))).toEqual({
      code: 'invalid_input',
      message: 'name: must not be empty',
    });
    const logos = boards.create('Logos', 12);
    expect(boards.addOutputs(brief, [...a.outputIds, b.outputIds[0]!], 20)).toBe(3);
    expect(boards.addOutputs(brief, [a.outputIds[0]!], 21)).toBe(0);
    expect(boards.addOutputs(logos, [a.outputIds[0]!], 22)).toBe(1);
    expect(errorOf(() => boards.addOutputs(logos, [a.outputIds[1]!, 999], 23))).toEqual({
      code: 'invalid_input',
      message: 'outputIds.1: there is no output 999',
    });
    expect(boards.get(logos)?.outputsCount).toBe(1); // all or nothing
    trash.trashOutputs([b.outputIds[0]!], 30);
    expect(boards.list().map((x) => [x.name, x.outputsCount])).toEqual([
      ['Logos', 1],
      ['Spring brief', 2],
    ]);
    expect(boards.boardsOf([a.outputIds[0]!, a.outputIds[1]!])).toEqual(
      new Map([
        [a.outputIds[0]!, [brief, logos]],
        [a.outputIds[1]!, [brief]],
      ]),
    );
    boards.rename(logos, 'Marks');
    expect(boards.get(logos)?.name).toBe('Marks');
    boards.remove(logos);
    expect(boards.boardsOf([a.outputIds[0]!]).get(a.outputIds[0]!)).toEqual([brief]);
  });

  it('sets a baseline only from the board and clears it when that output leaves', () => {
    const a = run(2);
    const brief = boards.create('Brief', 1);
    boards.addOutputs(brief, [a.outputIds[0]!], 2);
    expect(errorOf(() => boards.setBaseline(brief, a.outputIds[1]!))?.message).toBe(
      `outputId: output ${a.outputIds[1]} is not on this board`,
    );
    boards.setBaseline(brief, a.outputIds[0]!);
    expect(boards.get(brief)?.baselineOutputId).toBe(a.outputIds[0]);
    boards.removeOutputs(brief, [a.outputIds[0]!]);
    expect(boards.get(brief)?.baselineOutputId).toBeNull();
  });
});

describe('outputs repo', () => {
  it('marks favourites and review decisions, and the run summary follows', () => {
    const a = run(2);
    expect(outputs.setFavorite([a.outputIds[1]!], true)).toBe(1);
    expect(outputs.setFavorite([a.outputIds[1]!], true)).toBe(0);
    outputs.review([a.outputIds[0]!], { status: 'approved', approvalRef: ' LEGAL-42 ' }, 50);
    outputs.review([a.outputIds[1]!], { status: 'rejected', reason: 'mangled-text', note: 'the sign' }, 51);
    const detail = runs.get(a.id)!;
    expect(
      detail.outputs.map((o) => [
        o.favorite,
        o.reviewStatus,
        o.reviewedAt,
        o.approvalRef,
        o.rejectReason,
        o.rejectNote,
      ]),
    ).toEqual([
      [false, 'approved', 50, 'LEGAL-42', null, null],
      [true, 'rejected', 51, null, 'mangled-text', 'the sign'],
    ]);
    expect(detail).toMatchObject({ favorite: true, reviewStates: ['approved', 'rejected'] });
    expect(outputs.reviewCounts()).toEqual({ pending: 0, approved: 1, rejected: 1 });
    outputs.review([a.outputIds[1]!], { status: 'pending' }, 52);
    expect(runs.get(a.id)!.outputs[1]).toMatchObject({
      reviewStatus: 'pending',
      reviewedAt: null,
      rejectReason: null,
    });
    expect(
      errorOf(() => outputs.review([a.outputIds[0]!], { status: 'rejected', reason: ' ' }, 53))?.message,
    ).toBe('reason: must name a failure mode');
  });
});

describe('trash repo and lineage', () => {
  it('hides trashed runs from the listing and trashed outputs from covers, counts and summaries', () => {
    const a = run(2);
    const b = run(1);
    runs.rate(a.outputIds[0]!, 5, 9);
    expect(trash.trashOutputs([a.outputIds[0]!], 10)).toBe(1);
    const summary = runs.list({ limit: 10 }).items.find((r) => r.id === a.id)!;
    expect(summary).toMatchObject({ outputsCount: 1, bestRating: 0 });
    expect(summary.cover?.thumbPath).toBe(runs.get(a.id)!.outputs[1]!.thumbPath);
    expect(trash.trashRuns([b.id], 11)).toBe(1);
    expect(runs.list({ limit: 10 })).toMatchObject({ total: 1, items: [{ id: a.id }] });
    expect(runs.get(b.id)?.deletedAt).toBe(11);
    expect(trash.restoreRuns([b.id])).toBe(1);
    expect(trash.restoreOutputs([a.outputIds[0]!])).toBe(1);
    expect(runs.list({ limit: 10 }).total).toBe(2);
    expect(runs.get(a.id)).toMatchObject({ bestRating: 5, outputsCount: 2 });
    expect(errorOf(() => trash.trashRuns([a.id, 404], 12))?.message).toBe('runIds.1: there is no run 404');
  });

  it('records a run’s parent and how it was derived; a missing parent names the field', () => {
    const parent = run(1);
    const child = run(1, { runId: parent.id, derivation: 'branch' });
    expect(runs.get(child.id)).toMatchObject({ parentRunId: parent.id, derivation: 'branch' });
    expect(errorOf(() => run(1, { runId: 999, derivation: 'reroll' }))?.message).toBe(
      'parent.runId: there is no run 999',
    );
  });
});
