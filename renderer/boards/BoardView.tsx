// One board: its outputs (newest added first, paged), the baseline marked, and from any output "Set as
// baseline" or "Compare with baseline"; pick 2–4 to compare them. Opened from the sidebar; mounted by App.tsx.

import { type CSSProperties, useId, useState } from 'react';
import { COMPARE_MAX, COMPARE_MIN } from '../../shared/boards-contract';
import type { AppErrorShape } from '../../shared/result';
import { api } from '../api';
import { Button, Dialog, ErrorCard } from '../components';
import { readableError } from '../lib/errors';
import { baselineFirst } from './compare-model';
import { boardProblem } from './messages';
import { useBoardsStore } from './store';

export function BoardView() {
  const openId = useBoardsStore((s) => s.openId);
  const close = () => void useBoardsStore.getState().open(null);
  return (
    <Dialog open={openId !== null} onClose={close} label="Board" className="board-view-dialog">
      {openId !== null && <BoardBody boardId={openId} onClose={close} />}
    </Dialog>
  );
}

function BoardBody({ boardId, onClose }: { boardId: number; onClose: () => void }) {
  const headingId = useId();
  const board = useBoardsStore((s) => s.boards.find((b) => b.id === boardId) ?? null);
  const items = useBoardsStore((s) => s.items);
  const next = useBoardsStore((s) => s.next);
  const itemsError = useBoardsStore((s) => s.itemsError);
  const [selected, setSelected] = useState<number[]>([]);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [message, setMessage] = useState('');
  const baseline = board?.baselineOutputId ?? null;

  const toggle = (id: number) =>
    setSelected((ids) => (ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id]));
  const report = (error: AppErrorShape | null, done: string) =>
    setMessage(error ? boardProblem(error) : done);

  async function rename() {
    if (renaming === null) return;
    const error = await useBoardsStore.getState().rename(boardId, renaming);
    if (!error) setRenaming(null);
    report(error, 'Renamed.');
  }

  async function remove() {
    if (!board) return;
    if (!window.confirm(`Delete the board “${board.name}”? Its outputs stay in History.`)) return;
    const error = await useBoardsStore.getState().remove(boardId);
    if (error) report(error, '');
  }

  const compare = (ids: number[]) => {
    void useBoardsStore.getState().compare(baselineFirst(ids, baseline));
  };

  return (
    <div className="board-view">
      <header className="board-view__header">
        {renaming === null ? (
          <h2 className="board-view__title" id={headingId}>
            {board?.name ?? 'Board'}
            <span className="muted"> · {board?.outputsCount.toLocaleString() ?? 0} outputs</span>
          </h2>
        ) : (
          <form
            className="board-view__rename"
            onSubmit={(event) => {
              event.preventDefault();
              void rename();
            }}
          >
            <label className="visually-hidden" htmlFor={`${headingId}-name`}>
              Board name
            </label>
            <input
              id={`${headingId}-name`}
              className="input"
              value={renaming}
              maxLength={80}
              onChange={(event) => setRenaming(event.target.value)}
            />
            <Button type="submit" size="sm" variant="primary">
              Save
            </Button>
            <Button size="sm" variant="ghost" onClick={() => setRenaming(null)}>
              Cancel
            </Button>
          </form>
        )}
        <div className="board-view__actions">
          <span className="board-view__note" role="status">
            {message}
          </span>
          <Button
            size="sm"
            variant="primary"
            disabled={selected.length < COMPARE_MIN || selected.length > COMPARE_MAX}
            title={`Pick ${COMPARE_MIN} to ${COMPARE_MAX} outputs`}
            onClick={() => compare(selected)}
          >
            Compare selected ({selected.length})
          </Button>
          {renaming === null && (
            <Button size="sm" variant="ghost" onClick={() => setRenaming(board?.name ?? '')}>
              Rename
            </Button>
          )}
          <Button size="sm" variant="ghost" icon="trash" onClick={() => void remove()}>
            Delete board
          </Button>
          <Button size="sm" variant="ghost" icon="close" aria-label="Close board" onClick={onClose} />
        </div>
      </header>
      {itemsError && <ErrorCard compact error={readableError(itemsError)} />}
      {items.length === 0 && !itemsError && (
        <p className="board-view__empty">
          Nothing here yet. Drag cards from History onto the board in the sidebar, or use “Add to board” on an
          image.
        </p>
      )}
      <ul className="board-view__grid" aria-label="Outputs on this board">
        {items.map((item) => {
          const isBaseline = item.outputId === baseline;
          const isSelected = selected.includes(item.outputId);
          return (
            <li
              key={item.outputId}
              className={[
                'board-tile',
                isBaseline ? 'is-baseline' : '',
                isSelected ? 'is-selected' : '',
              ].join(' ')}
              aria-label={`${isBaseline ? 'Baseline: ' : ''}${item.prompt}`}
            >
              <label className="board-tile__pick">
                <input type="checkbox" checked={isSelected} onChange={() => toggle(item.outputId)} />
                <img
                  src={api.mediaUrl(item.thumbPath)}
                  alt={item.prompt}
                  width={item.width}
                  height={item.height}
                  loading="lazy"
                  style={{ '--ratio': item.width / Math.max(1, item.height) } as CSSProperties}
                />
              </label>
              {isBaseline && <span className="board-tile__badge">Baseline</span>}
              <p className="board-tile__prompt">{item.prompt}</p>
              <div className="board-tile__actions">
                {isBaseline ? (
                  <Button
                    size="sm"
                    variant="ghost"
                    onClick={async () =>
                      report(await useBoardsStore.getState().setBaseline(boardId, null), 'Baseline cleared.')
                    }
                  >
                    Clear baseline
                  </Button>
                ) : (
                  <>
                    <Button
                      size="sm"
                      variant="ghost"
                      onClick={async () =>
                        report(
                          await useBoardsStore.getState().setBaseline(boardId, item.outputId),
                          'Baseline set.',
                        )
                      }
                    >
                      Set as baseline
                    </Button>
                    {baseline !== null && (
                      <Button size="sm" variant="ghost" onClick={() => compare([baseline, item.outputId])}>
                        Compare with baseline
                      </Button>
                    )}
                  </>
                )}
                <Button
                  size="sm"
                  variant="ghost"
                  title="Remove from board (the output stays in History)"
                  onClick={async () => {
                    setSelected((ids) => ids.filter((x) => x !== item.outputId));
                    report(
                      await useBoardsStore.getState().removeOutputs(boardId, [item.outputId]),
                      'Removed from the board.',
                    );
                  }}
                >
                  Remove
                </Button>
              </div>
            </li>
          );
        })}
      </ul>
      {next && (
        <div className="board-view__more">
          <Button onClick={() => void useBoardsStore.getState().loadMore()}>Show more</Button>
        </div>
      )}
    </div>
  );
}
