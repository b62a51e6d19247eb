// History's board sidebar: every board with its count, a field to make one, and each board a drop target
// for cards dragged from the grid. Opening a board shows it in the board view (BoardView.tsx).

import { type FormEvent, useEffect, useState } from 'react';
import { carriesOutputs, readDraggedOutputs } from '../app/drag';
import { Button, Icon } from '../components';
import { readableError } from '../lib/errors';
import { boardProblem } from './messages';
import { useBoardsStore } from './store';
import './boards.css';

export function BoardSidebar() {
  const boards = useBoardsStore((s) => s.boards);
  const status = useBoardsStore((s) => s.status);
  const error = useBoardsStore((s) => s.error);
  const openId = useBoardsStore((s) => s.openId);
  const [name, setName] = useState('');
  const [nameError, setNameError] = useState<string | null>(null);
  const [dropTarget, setDropTarget] = useState<number | null>(null);
  const [note, setNote] = useState('');

  useEffect(() => {
    void useBoardsStore.getState().load();
  }, []);

  async function create(event: FormEvent) {
    event.preventDefault();
    const result = await useBoardsStore.getState().create(name);
    if ('error' in result) {
      setNameError(boardProblem(result.error));
      return;
    }
    setName('');
    setNameError(null);
    setNote(`Board “${result.board.name}” created.`);
  }

  async function drop(boardId: number, boardName: string, data: DataTransfer) {
    setDropTarget(null);
    const dragged = readDraggedOutputs(data);
    if (!dragged) return;
    const store = useBoardsStore.getState();
    const failed =
      (await store.addOutputs(boardId, dragged.outputIds)) ?? (await store.addRuns(boardId, dragged.runIds));
    setNote(failed ? readableError(failed).detail : `Added to “${boardName}”.`);
  }

  return (
    <nav className="board-sidebar" aria-label="Boards">
      <h2 className="board-sidebar__title">Boards</h2>
      {status === 'error' && error && <p className="board-sidebar__error">{readableError(error).detail}</p>}
      {status === 'ready' && boards.length === 0 && (
        <p className="board-sidebar__empty">
          Collect outputs for a brief: make a board, then drag cards onto it.
        </p>
      )}
      <ul className="board-sidebar__list">
        {boards.map((board) => (
          <li key={board.id}>
            <button
              type="button"
              className={[
                'board-sidebar__board',
                openId === board.id ? 'is-open' : '',
                dropTarget === board.id ? 'is-drop-target' : '',
              ].join(' ')}
              aria-current={openId === board.id ? 'true' : undefined}
              onClick={() => void useBoardsStore.getState().open(board.id)}
              onDragOver={(event) => {
                if (!carriesOutputs(event.dataTransfer)) return;
                event.preventDefault();
                event.dataTransfer.dropEffect = 'copy';
                setDropTarget(board.id);
              }}
              onDragLeave={() => setDropTarget((id) => (id === board.id ? null : id))}
              onDrop={(event) => {
                event.preventDefault();
                void drop(board.id, board.name, event.dataTransfer);
              }}
            >
              <Icon name="image" size={14} />
              <span className="board-sidebar__name">{board.name}</span>
              <span className="board-sidebar__count">
                {board.outputsCount.toLocaleString()}
                <span className="visually-hidden"> outputs</span>
              </span>
            </button>
          </li>
        ))}
      </ul>
      <form className="board-sidebar__new" onSubmit={(event) => void create(event)}>
        <label className="visually-hidden" htmlFor="new-board-name">
          New board name
        </label>
        <input
          id="new-board-name"
          className="input board-sidebar__input"
          placeholder="New board…"
          value={name}
          maxLength={80}
          aria-invalid={nameError ? true : undefined}
          aria-describedby={nameError ? 'new-board-error' : undefined}
          onChange={(event) => {
            setName(event.target.value);
            setNameError(null);
          }}
        />
        <Button type="submit" size="sm" icon="plus" disabled={name.trim() === ''} aria-label="Create board" />
      </form>
      {nameError && (
        <p className="board-sidebar__error" id="new-board-error" role="alert">
          {nameError}
        </p>
      )}
      <p className="board-sidebar__note" role="status">
        {note}
      </p>
    </nav>
  );
}
