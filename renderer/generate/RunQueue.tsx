import { useId } from 'react';
import { Button, ErrorCard, Spinner } from '../components';
import { readableError } from '../lib/errors';
import { RunProgress } from './RunProgress';
import { queuePositions } from './runs-model';
import { useRunsStore } from './runs-store';

function runs(count: number): string {
  return count === 1 ? '1 run' : `${count} runs`;
}

/** Every run in flight, oldest first (the order the queue serves them), each with its own Cancel. */
export function RunQueue() {
  const inFlight = useRunsStore((s) => s.inFlight);
  const starting = useRunsStore((s) => s.starting);
  const listError = useRunsStore((s) => s.listError);
  const load = useRunsStore((s) => s.load);
  const headingId = useId();
  const problem = listError && (
    <ErrorCard
      compact
      error={readableError(listError, undefined, 'The runs in flight could not be listed')}
      actions={
        <Button size="sm" icon="refresh" onClick={() => void load()}>
          List them again
        </Button>
      }
    />
  );
  if (inFlight.length === 0 && starting === 0) {
    return problem ? <section className="run-queue">{problem}</section> : null;
  }
  const positions = queuePositions(inFlight);
  const waiting = positions.size;

  return (
    <section className="run-queue" aria-labelledby={headingId}>
      <header className="run-queue__head">
        <h2 className="result__h3" id={headingId}>
          In flight
        </h2>
        <span className="run-queue__count" role="status">
          {runs(inFlight.length)}
          {waiting > 0 ? `, ${waiting} waiting` : ''}
        </span>
      </header>
      {problem}
      <ol className="run-queue__list" aria-labelledby={headingId}>
        {inFlight.map((run) => (
          <li key={run.runId}>
            <RunProgress run={run} position={positions.get(run.runId)} />
          </li>
        ))}
        {starting > 0 && (
          <li className="run-card run-card--starting">
            <Spinner size={16} /> Sending {starting === 1 ? 'the request' : `${starting} requests`}…
          </li>
        )}
      </ol>
    </section>
  );
}

/** Beside the Generate button: pressing it again queues another run behind these. */
export function QueueNote() {
  const count = useRunsStore((s) => s.inFlight.length + s.starting);
  if (count === 0) return null;
  return (
    <p className="queue-note" aria-live="polite">
      {runs(count)} in flight. Generate queues another.
    </p>
  );
}
