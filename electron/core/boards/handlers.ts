import type { boardCalls, CompareItem } from '../../../shared/boards-contract';
import { AppError, fieldError } from '../../../shared/result';
import type { HandlerTable } from '../api/invoke';
import type { EventBus } from '../events';
import type { StyleLibrary } from '../library';
import type { Clock } from '../ports';
import type { BoardRow, BoardsRepo, RunsRepo } from '../store';

export interface BoardHandlerDeps {
  boards: BoardsRepo;
  runs: RunsRepo;
  library: Pick<StyleLibrary, 'getVersion' | 'templateVersion'>;
  events: EventBus;
  clock: Clock;
}

/** Boards and compare: their part of the handler table; api/handlers.ts spreads it in. */
export function createBoardHandlers({
  boards,
  runs,
  library,
  events,
  clock,
}: BoardHandlerDeps): Pick<HandlerTable, keyof typeof boardCalls> {
  function board(id: number): BoardRow {
    const found = boards.get(id);
    if (!found) throw new AppError('not_found', `There is no board ${id}.`);
    return found;
  }
  function changed(id: number | null): void {
    events.emit('boards.changed', { id });
  }
  /** Images went on or off board `id`: their runs are named with their boards now, so cards follow. */
  function membersChanged(id: number, outputIds: readonly number[]): void {
    const runIds = [...new Set(boards.runsOf(outputIds).values())];
    const onBoards = boards.boardsOfRuns(runIds);
    events.emit('boards.changed', {
      id,
      runs: runIds.map((runId) => ({ id: runId, boards: onBoards.get(runId) ?? [] })),
    });
  }

  function versionOf<T>(read: () => T): T | null {
    try {
      return read();
    } catch (error) {
      // A version the library no longer has: the table shows "—" rather than failing the whole compare.
      if (error instanceof AppError && error.code === 'not_found') return null;
      throw error;
    }
  }

  function compareItem(outputId: number, index: number, runId: number | undefined): CompareItem {
    const run = runId === undefined ? null : runs.get(runId);
    const output = run?.outputs.find((o) => o.id === outputId);
    if (!run || !output) throw fieldError(['outputIds', index], `there is no output ${outputId}`);
    const styleVersionId = run.styleVersionId ?? null;
    const templateVersionId = run.templateVersionId ?? null;
    const style =
      styleVersionId === null
        ? null
        : versionOf(() => {
            const v = library.getVersion(styleVersionId);
            return { name: v.fields.name, version: v.version };
          });
    const template =
      templateVersionId === null
        ? null
        : versionOf(() => {
            const v = library.templateVersion(templateVersionId);
            return { name: v.fields.name, version: v.version };
          });
    return { output, run, style, template };
  }

  return {
    'boards.list': async () => ({ boards: boards.list() }),
    'boards.create': async ({ name }) => {
      const id = boards.create(name, clock.now());
      changed(id);
      return board(id);
    },
    'boards.rename': async ({ id, name }) => {
      boards.rename(id, name);
      changed(id);
      return board(id);
    },
    'boards.delete': async ({ id }) => {
      boards.remove(id);
      changed(id);
      return { deleted: true };
    },
    'boards.addOutputs': async ({ id, outputIds }) => {
      const added = boards.addOutputs(id, outputIds, clock.now());
      if (added > 0) membersChanged(id, outputIds);
      return { added, board: board(id) };
    },
    'boards.removeOutputs': async ({ id, outputIds }) => {
      const removed = boards.removeOutputs(id, outputIds);
      if (removed > 0) membersChanged(id, outputIds);
      return { removed, board: board(id) };
    },
    'boards.setBaseline': async ({ id, outputId }) => {
      boards.setBaseline(id, outputId);
      changed(id);
      return board(id);
    },
    'boards.outputs': async ({ id, before, limit }) => {
      const page = boards.outputs(id, { before, limit });
      return { board: board(id), items: page.items, next: page.next };
    },
    'boards.of': async ({ outputIds }) => {
      const map = boards.boardsOf(outputIds);
      return { memberships: outputIds.map((outputId) => ({ outputId, boardIds: map.get(outputId) ?? [] })) };
    },
    'outputs.compare': async ({ outputIds }) => {
      const runsOf = boards.runsOf(outputIds);
      return { items: outputIds.map((id, i) => compareItem(id, i, runsOf.get(id))) };
    },
  };
}
