import type { RunBoard } from '../../../shared/domain';
import { byNaturalName } from '../../../shared/natural-order';
import { AppError, fieldError } from '../../../shared/result';
import type { LibraryDatabase } from './db';

export const BOARD_NAME_MAX = 80;

export interface BoardRow {
  id: number;
  name: string;
  createdAt: number;
  baselineOutputId: number | null;
  /** Live (not trashed) outputs on the board. */
  outputsCount: number;
}

/** Boards: named collections of outputs for a brief (many-to-many), each with an optional baseline output. */
export interface BoardsRepo {
  /** Every board by name (case-insensitive), with its live output count. */
  list(): BoardRow[];
  get(id: number): BoardRow | null;
  /** Returns the new board's id; a name already taken (ignoring case) is a conflict. */
  create(name: string, now: number): number;
  rename(id: number, name: string): void;
  /** Removes the board and its memberships; the outputs stay. */
  remove(id: number): void;
  /** Adds outputs (already there: kept with their first added_at); returns how many were new. */
  addOutputs(boardId: number, outputIds: readonly number[], now: number): number;
  /** Returns how many were removed; removing the baseline clears it. */
  removeOutputs(boardId: number, outputIds: readonly number[]): number;
  /** The baseline must be on the board; null clears it. */
  setBaseline(boardId: number, outputId: number | null): void;
  /** Board ids per output, for the badges on cards. */
  boardsOf(outputIds: readonly number[]): Map<number, number[]>;
  /** A page of the board's live outputs, newest added first; `before` is the previous page's cursor. */
  outputs(boardId: number, page: { before?: BoardCursor | undefined; limit: number }): BoardOutputsPage;
  /** The run each output belongs to (outputs that do not exist are left out). */
  runsOf(outputIds: readonly number[]): Map<number, number>;
  /**
   * The boards each run's live images are on, by name ignoring case, then id (as `RunSummary.boards`); a run
   * on none is left out.
   */
  boardsOfRuns(runIds: readonly number[]): Map<number, RunBoard[]>;
}

/** Keyset position in a board: when the output was added, then its id (both descending). */
export interface BoardCursor {
  addedAt: number;
  outputId: number;
}

export interface BoardOutputRow {
  outputId: number;
  runId: number;
  addedAt: number;
  path: string;
  thumbPath: string;
  width: number;
  height: number;
  prompt: string;
}

export interface BoardOutputsPage {
  items: BoardOutputRow[];
  next: BoardCursor | null;
}

interface MemberRow {
  output_id: number;
  run_id: number;
  added_at: number;
  path: string;
  thumb_path: string;
  width: number;
  height: number;
  prompt: string;
}

interface Row {
  id: number;
  name: string;
  created_at: number;
  baseline_output_id: number | null;
  outputs_count: number;
}

const BOARD_COLUMNS = `b.id, b.name, b.created_at, b.baseline_output_id,
  (SELECT count(*) FROM board_outputs x JOIN outputs o ON o.id = x.output_id
    WHERE x.board_id = b.id AND o.deleted_at IS NULL) AS outputs_count`;

export function createBoardsRepo(db: LibraryDatabase): BoardsRepo {
  const selectAll = db.prepare<[], Row>(`SELECT ${BOARD_COLUMNS} FROM boards b`);
  const selectOne = db.prepare<[number], Row>(`SELECT ${BOARD_COLUMNS} FROM boards b WHERE b.id = ?`);
  const selectByName = db.prepare<[string], number>('SELECT id FROM boards WHERE name = ?').pluck();
  const insert = db.prepare<[string, number]>('INSERT INTO boards (name, created_at) VALUES (?, ?)');
  const updateName = db.prepare<[string, number]>('UPDATE boards SET name = ? WHERE id = ?');
  const deleteBoard = db.prepare<[number]>('DELETE FROM boards WHERE id = ?');
  const outputExists = db.prepare<[number], number>('SELECT 1 FROM outputs WHERE id = ?').pluck();
  const insertMember = db.prepare<[number, number, number]>(
    'INSERT INTO board_outputs (board_id, output_id, added_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
  );
  const deleteMember = db.prepare<[number, number]>(
    'DELETE FROM board_outputs WHERE board_id = ? AND output_id = ?',
  );
  const isMember = db
    .prepare<[number, number], number>('SELECT 1 FROM board_outputs WHERE board_id = ? AND output_id = ?')
    .pluck();
  const updateBaseline = db.prepare<[number | null, number]>(
    'UPDATE boards SET baseline_output_id = ? WHERE id = ?',
  );
  const clearBaselineOf = db.prepare<[number, number]>(
    'UPDATE boards SET baseline_output_id = NULL WHERE id = ? AND baseline_output_id = ?',
  );
  const selectMemberships = db.prepare<[string], { output_id: number; board_id: number }>(
    `SELECT output_id, board_id FROM board_outputs
     WHERE output_id IN (SELECT value FROM json_each(?)) ORDER BY output_id, board_id`,
  );

  const MEMBER_COLUMNS = `x.output_id, o.run_id, x.added_at, o.path, o.thumb_path, o.width, o.height, r.prompt
     FROM board_outputs x JOIN outputs o ON o.id = x.output_id JOIN runs r ON r.id = o.run_id`;
  const selectFirstPage = db.prepare<[number, number], MemberRow>(
    `SELECT ${MEMBER_COLUMNS}
     WHERE x.board_id = ? AND o.deleted_at IS NULL
     ORDER BY x.added_at DESC, x.output_id DESC LIMIT ?`,
  );
  const selectNextPage = db.prepare<[number, number, number, number, number], MemberRow>(
    `SELECT ${MEMBER_COLUMNS}
     WHERE x.board_id = ? AND o.deleted_at IS NULL
       AND (x.added_at < ? OR (x.added_at = ? AND x.output_id < ?))
     ORDER BY x.added_at DESC, x.output_id DESC LIMIT ?`,
  );
  const selectRunsOf = db.prepare<[string], { id: number; run_id: number }>(
    'SELECT id, run_id FROM outputs WHERE id IN (SELECT value FROM json_each(?))',
  );
  const selectBoardsOfRuns = db.prepare<[string], { run_id: number; id: number; name: string }>(
    `SELECT DISTINCT o.run_id, b.id, b.name FROM outputs o
       JOIN board_outputs x ON x.output_id = o.id JOIN boards b ON b.id = x.board_id
     WHERE o.run_id IN (SELECT value FROM json_each(?)) AND o.deleted_at IS NULL
     ORDER BY o.run_id, b.name COLLATE NOCASE, b.id`,
  );

  function requireBoard(id: number): void {
    if (selectOne.get(id) === undefined) throw new AppError('not_found', `There is no board ${id}.`);
  }

  function checkName(raw: string, exceptId: number | null): string {
    const name = raw.trim();
    if (name === '') throw fieldError(['name'], 'must not be empty');
    if (name.length > BOARD_NAME_MAX)
      throw fieldError(['name'], `must be at most ${BOARD_NAME_MAX} characters`);
    const taken = selectByName.get(name);
    if (taken !== undefined && taken !== exceptId) {
      throw fieldError(['name'], `a board named "${name}" already exists (names ignore case)`);
    }
    return name;
  }

  const add = db.transaction((boardId: number, outputIds: readonly number[], now: number) => {
    requireBoard(boardId);
    let added = 0;
    outputIds.forEach((outputId, i) => {
      if (outputExists.get(outputId) === undefined)
        throw fieldError(['outputIds', i], `there is no output ${outputId}`);
      added += insertMember.run(boardId, outputId, now).changes;
    });
    return added;
  });

  const remove = db.transaction((boardId: number, outputIds: readonly number[]) => {
    requireBoard(boardId);
    let removed = 0;
    for (const outputId of outputIds) {
      clearBaselineOf.run(boardId, outputId);
      removed += deleteMember.run(boardId, outputId).changes;
    }
    return removed;
  });

  return {
    list() {
      return selectAll.all().map(toBoard).sort(byNaturalName);
    },
    get(id) {
      const row = selectOne.get(id);
      return row ? toBoard(row) : null;
    },
    create(name, now) {
      return Number(insert.run(checkName(name, null), now).lastInsertRowid);
    },
    rename(id, name) {
      requireBoard(id);
      updateName.run(checkName(name, id), id);
    },
    remove(id) {
      if (deleteBoard.run(id).changes === 0) throw new AppError('not_found', `There is no board ${id}.`);
    },
    addOutputs(boardId, outputIds, now) {
      return add(boardId, outputIds, now);
    },
    removeOutputs(boardId, outputIds) {
      return remove(boardId, outputIds);
    },
    setBaseline(boardId, outputId) {
      requireBoard(boardId);
      if (outputId !== null && isMember.get(boardId, outputId) === undefined) {
        throw fieldError(['outputId'], `output ${outputId} is not on this board`);
      }
      updateBaseline.run(outputId, boardId);
    },
    boardsOf(outputIds) {
      const map = new Map<number, number[]>();
      for (const row of selectMemberships.all(JSON.stringify(outputIds))) {
        const list = map.get(row.output_id);
        if (list) list.push(row.board_id);
        else map.set(row.output_id, [row.board_id]);
      }
      return map;
    },
    outputs(boardId, { before, limit }) {
      requireBoard(boardId);
      const rows = before
        ? selectNextPage.all(boardId, before.addedAt, before.addedAt, before.outputId, limit + 1)
        : selectFirstPage.all(boardId, limit + 1);
      const items = rows.slice(0, limit).map(toMember);
      const last = items.at(-1);
      return {
        items,
        next: rows.length > limit && last ? { addedAt: last.addedAt, outputId: last.outputId } : null,
      };
    },
    runsOf(outputIds) {
      return new Map(selectRunsOf.all(JSON.stringify(outputIds)).map((row) => [row.id, row.run_id]));
    },
    boardsOfRuns(runIds) {
      const byRun = new Map<number, RunBoard[]>();
      for (const row of selectBoardsOfRuns.all(JSON.stringify(runIds))) {
        const list = byRun.get(row.run_id);
        const board = { id: row.id, name: row.name };
        if (list) list.push(board);
        else byRun.set(row.run_id, [board]);
      }
      return byRun;
    },
  };
}

function toMember(row: MemberRow): BoardOutputRow {
  return {
    outputId: row.output_id,
    runId: row.run_id,
    addedAt: row.added_at,
    path: row.path,
    thumbPath: row.thumb_path,
    width: row.width,
    height: row.height,
    prompt: row.prompt,
  };
}

function toBoard(row: Row): BoardRow {
  return {
    id: row.id,
    name: row.name,
    createdAt: row.created_at,
    baselineOutputId: row.baseline_output_id,
    outputsCount: row.outputs_count,
  };
}
