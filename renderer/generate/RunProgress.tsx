import { useEffect, useState } from 'react';
import { providerName, useCatalogStore } from '../app/catalog';
import { Button, Icon, ProgressBar, Spinner } from '../components';
import { aspectStyle, formatDuration } from '../lib/format';
import { type InFlightRun, promptExcerpt } from './runs-model';
import { useRunsStore } from './runs-store';

function Elapsed({ since }: { since: number }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return <span aria-hidden="true">{formatDuration(Math.max(0, now - since))}</span>;
}

const ORDINALS = ['next', '2nd', '3rd'];

/** "Queued, next in line", "Generating with OpenAI", … in words a designer reads at a glance. */
export function phaseLabel(run: InFlightRun, position: number | undefined, name: string): string {
  if (run.phase === 'queued') {
    const place = position === undefined ? '' : `, ${ORDINALS[position - 1] ?? `${position}th`} in line`;
    // Taken by the queue and still waiting: for a free slot of the provider it is about to call.
    return run.status === 'running' && run.provider ? `Waiting for ${name}${place}` : `Queued${place}`;
  }
  if (run.phase === 'ingesting') return 'Saving images';
  return `Generating with ${name}`;
}

/** One run in flight: what it is, where it is in the queue or its chain, live progress, and its own Cancel. */
export function RunProgress({ run, position }: { run: InFlightRun; position: number | undefined }) {
  const cancel = useRunsStore((s) => s.cancel);
  const providers = useCatalogStore((s) => s.providers);
  // Auto before the first attempt: the route has not picked yet.
  const name = run.provider ? providerName(providers, run.provider) : 'the route';
  const label = phaseLabel(run, position, name);
  const prompt = run.request?.prompt ?? '';
  const progress = run.progress;
  const fraction = progress?.fraction ?? undefined;
  const waiting = run.phase === 'queued';

  return (
    <article
      className={waiting ? 'run-card is-waiting' : 'run-card'}
      aria-label={`Run ${run.runId}${prompt ? `: ${promptExcerpt(prompt, 60)}` : ''}`}
    >
      <div className="run-card__head">
        {waiting ? (
          <span className="run-card__icon" aria-hidden="true">
            <Icon name="pause" size={14} />
          </span>
        ) : (
          <Spinner size={16} className="run-card__icon run-card__icon--busy" />
        )}
        <div className="run-card__text">
          <p className="run-card__prompt" title={prompt || undefined}>
            {prompt ? promptExcerpt(prompt) : `Run ${run.runId}`}
          </p>
          <p className="run-card__sub">
            <span className="run-card__status">{label}</span>
            <span aria-hidden="true"> · </span>
            <span>Run {run.runId}</span>
            <span aria-hidden="true"> · </span>
            <Elapsed since={run.since} />
          </p>
        </div>
        <Button
          size="sm"
          variant="ghost"
          icon="close"
          busy={run.cancelling}
          aria-label={`Cancel run ${run.runId}`}
          title={`Cancel run ${run.runId}; the other runs go on`}
          onClick={() => void cancel(run.runId)}
        >
          Cancel
        </Button>
      </div>
      {!waiting && (
        <div className="run-progress__live">
          <ProgressBar
            label={`Run ${run.runId}: ${progress?.message ? `${label}, ${progress.message}` : label}`}
            value={fraction}
          />
          {progress && (progress.message || fraction !== undefined) && (
            <p className="run-progress__message">
              <span className="run-progress__provider">{providerName(providers, progress.provider)}</span>
              {progress.message && <span>{progress.message}</span>}
              {fraction !== undefined && (
                <span className="run-progress__pct">{Math.round(fraction * 100)}%</span>
              )}
            </p>
          )}
        </div>
      )}
    </article>
  );
}

/** Where the images of the next run to finish will appear, while nothing has finished yet. */
export function PlaceholderTiles({ run }: { run: InFlightRun | undefined }) {
  const request = run?.request ?? null;
  const tiles = Math.max(1, request?.count ?? 1);
  return (
    <div className={`result-grid result-grid--${Math.min(tiles, 4)}`} aria-hidden="true">
      {Array.from({ length: tiles }, (_, index) => (
        <div
          // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity beyond their slot.
          key={index}
          className="placeholder-tile"
          style={{
            aspectRatio: request?.size
              ? `${request.size.width} / ${request.size.height}`
              : aspectStyle(request?.aspectRatio ?? '1:1'),
          }}
        />
      ))}
    </div>
  );
}
