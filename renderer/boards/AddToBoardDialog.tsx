// "Add to board": the picker the run dialog and the viewer open (intent boards.addOutputs). Each board shows
// whether the outputs are on it already; one click adds or removes them; a name makes a new board with them.
// From a board that has a baseline, one output can be compared with it.

import { type FormEvent, useEffect, useId, useState } from 'react';
import type { AppErrorShape } from '../../shared/result';
import { api } from '../api';
import { Button, Dialog, Icon } from '../components';
import { readableError } from '../lib/errors';
import { boardProblem } from './messages';
import { useBoardsStore } from './store';

export function AddToBoardDialog() {
  const adding = useBoardsStore((s) => s.adding);
  return (
    <Dialog
      open={adding !== null}
      onClose={() => useBoardsStore.getState().startAdding(null)}
      label="Add to board"
      className="add-to-board-dialog"
    >
      {adding && <Picker outputIds={adding} />}
    </Dialog>
  );
}

function Picker({ outputIds }: { outputIds: number[] }) {
  const headingId = useId();
  const boards = useBoardsStore((s) => s.boards);
  const [memberOf, setMemberOf] = useState<Set<number>>(new Set());
  const [name, setName] = useState('');
  const [message, setMessage] = useState('');
  const [error, setError] = useState<string | null>(null);
  const key = outputIds.join(',');

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for the ids; boards re-read on change.
  useEffect(() => {
    let current = true;
    void api.call('boards.of', { outputIds }).then((result) => {
      if (!current) return;
      if (!result.ok) {
        setError(readableError(result.error).detail);
        return;
      }
      // A board counts as holding them when every one is on it.
      const counts = new Map<number, number>();
      for (const m of result.value.memberships)
        for (const id of m.boardIds) counts.set(id, (counts.get(id) ?? 0) + 1);
      setMemberOf(new Set([...counts].filter(([, n]) => n === outputIds.length).map(([id]) => id)));
    });
    return () => {
      current = false;
    };
  }, [key, boards]);

  const done = (failure: AppErrorShape | null, text: string) => {
    if (failure) setError(boardProblem(failure));
    else {
      setError(null);
      setMessage(text);
    }
  };

  async function toggle(boardId: number, boardName: string) {
    const store = useBoardsStore.getState();
    if (memberOf.has(boardId))
      done(await store.removeOutputs(boardId, outputIds), `Removed from “${boardName}”.`);
    else done(await store.addOutputs(boardId, outputIds), `Added to “${boardName}”.`);
    void store.load();
  }

  async function create(event: FormEvent) {
    event.preventDefault();
    const store = useBoardsStore.getState();
    const made = await store.create(name);
    if ('error' in made) {
      done(made.error, '');
      return;
    }
    setName('');
    done(await store.addOutputs(made.board.id, outputIds), `Added to the new board “${made.board.name}”.`);
    void store.load();
  }

  const plural = outputIds.length === 1 ? 'this image' : `these ${outputIds.length} images`;
  return (
    <div className="add-to-board">
      <header className="add-to-board__header">
        <h2 id={headingId}>Add {plural} to a board</h2>
        <Button
          size="sm"
          variant="ghost"
          icon="close"
          aria-label="Close"
          onClick={() => useBoardsStore.getState().startAdding(null)}
        />
      </header>
      {boards.length === 0 && <p className="muted">No boards yet: name one below.</p>}
      <ul className="add-to-board__list">
        {boards.map((board) => {
          const on = memberOf.has(board.id);
          const baseline = board.baselineOutputId;
          const single = outputIds.length === 1 ? outputIds[0]! : null;
          return (
            <li key={board.id} className="add-to-board__row">
              <button
                type="button"
                className="add-to-board__board"
                aria-pressed={on}
                onClick={() => void toggle(board.id, board.name)}
              >
                <span className="add-to-board__tick" aria-hidden="true">
                  {on ? <Icon name="check" size={14} /> : null}
                </span>
                <span className="add-to-board__name">{board.name}</span>
                <span className="muted">{board.outputsCount.toLocaleString()}</span>
              </button>
              {on && single !== null && baseline !== null && baseline !== single && (
                <Button
                  size="sm"
                  variant="ghost"
                  onClick={() => {
                    useBoardsStore.getState().startAdding(null);
                    void useBoardsStore.getState().compare([baseline, single]);
                  }}
                >
                  Compare with baseline
                </Button>
              )}
            </li>
          );
        })}
      </ul>
      <form className="add-to-board__new" onSubmit={(event) => void create(event)}>
        <label className="visually-hidden" htmlFor={`${headingId}-name`}>
          New board name
        </label>
        <input
          id={`${headingId}-name`}
          className="input"
          placeholder="New board name"
          value={name}
          maxLength={80}
          onChange={(event) => setName(event.target.value)}
        />
        <Button type="submit" size="sm" icon="plus" disabled={name.trim() === ''}>
          New board
        </Button>
      </form>
      {error && (
        <p className="add-to-board__error" role="alert">
          {error}
        </p>
      )}
      <p className="add-to-board__note" role="status">
        {message}
      </p>
    </div>
  );
}
