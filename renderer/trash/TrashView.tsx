// The trash: runs and outputs deleted from History, kept 30 days. Restore puts them back; "Empty trash"
// removes them now and frees the files no other row uses.
import './trash.css';
import { useCallback, useEffect, useState } from 'react';
import type { AppErrorShape } from '../../shared/result';
import type { TrashList } from '../../shared/review-contract';
import { api } from '../api';
import { Button, EmptyState, ErrorCard } from '../components';
import { readableError } from '../lib/errors';
import { formatDateTime } from '../lib/format';
import { smallThumbUrl } from '../lib/thumbs';

export function TrashView() {
  const [list, setList] = useState<TrashList | null>(null);
  const [error, setError] = useState<AppErrorShape | null>(null);
  const [note, setNote] = useState<string | null>(null);

  const load = useCallback(async () => {
    const result = await api.call('trash.list', {});
    if (result.ok) setList(result.value);
    else setError(result.error);
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  async function restore(target: { runIds?: number[]; outputIds?: number[] }) {
    const result = await api.call('trash.restore', {
      runIds: target.runIds ?? [],
      outputIds: target.outputIds ?? [],
    });
    if (!result.ok) setError(result.error);
    else setNote(null);
    await load();
  }

  async function empty() {
    const result = await api.call('trash.empty', {});
    if (!result.ok) setError(result.error);
    else
      setNote(
        `Emptied: ${result.value.runs} runs and ${result.value.outputs} images removed, ${result.value.filesRemoved} files freed.`,
      );
    await load();
  }

  const count = list ? list.runs.length + list.outputs.length : 0;
  return (
    <div className="view trash">
      <header className="view-header trash__header">
        <div>
          <h1 className="view-title">Trash</h1>
          <p className="view-subtitle">Deleted runs and images are kept 30 days, then removed.</p>
        </div>
        <Button variant="danger" icon="trash" disabled={count === 0} onClick={() => void empty()}>
          Empty trash
        </Button>
      </header>
      {error && <ErrorCard compact error={readableError(error)} />}
      {note && <p className="trash__note">{note}</p>}
      {list && count === 0 && (
        <EmptyState icon="trash" title="The trash is empty" headingLevel={2} className="trash__empty">
          Runs and images you delete from History wait here for 30 days.
        </EmptyState>
      )}
      {list && count > 0 && (
        <ul className="trash__list" aria-label="In the trash">
          {list.runs.map((run) => (
            <li key={`run-${run.id}`} className="trash__row">
              {run.thumbPath ? (
                <img className="trash__thumb" src={smallThumbUrl(run.thumbPath)} alt="" />
              ) : (
                <span className="trash__thumb" />
              )}
              <span className="trash__what">
                Run {run.id} <span className="muted">{run.prompt}</span>
              </span>
              <span className="muted">deleted {formatDateTime(run.deletedAt)}</span>
              <Button
                size="sm"
                variant="secondary"
                aria-label={`Restore run ${run.id}`}
                onClick={() => void restore({ runIds: [run.id] })}
              >
                Restore
              </Button>
            </li>
          ))}
          {list.outputs.map((output) => (
            <li key={`output-${output.id}`} className="trash__row">
              <img className="trash__thumb" src={smallThumbUrl(output.thumbPath)} alt="" />
              <span className="trash__what">
                Image from run {output.runId} <span className="muted">{output.prompt}</span>
              </span>
              <span className="muted">deleted {formatDateTime(output.deletedAt)}</span>
              <Button
                size="sm"
                variant="secondary"
                aria-label={`Restore image ${output.id}`}
                onClick={() => void restore({ outputIds: [output.id] })}
              >
                Restore
              </Button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
