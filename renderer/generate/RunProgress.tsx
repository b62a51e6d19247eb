import { useEffect, useState } from 'react';
import type { GenerationRequest, RunPhase } from '../../shared/domain';
import { providerName, useCatalogStore } from '../app/catalog';
import { Button, Icon, ProgressBar, Spinner } from '../components';
import { aspectStyle, formatDuration } from '../lib/format';
import { useGenerateStore } from './store';

const STEPS: { phase: RunPhase; label: (provider: string) => string }[] = [
  { phase: 'queued', label: () => 'Queued' },
  { phase: 'requesting', label: (provider) => `Requesting from ${provider}` },
  { phase: 'ingesting', label: () => 'Saving images' },
];

function Elapsed({ since }: { since: number }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, []);
  return <span aria-hidden="true">{formatDuration(Math.max(0, now - since))}</span>;
}

/** The run in flight: which phase and provider it is on, live progress where reported, and a way out. */
export function RunProgress({ request }: { request: GenerationRequest | null }) {
  const run = useGenerateStore((s) => s.run);
  const cancel = useGenerateStore((s) => s.cancel);
  const providers = useCatalogStore((s) => s.providers);
  if (run.kind !== 'running' && run.kind !== 'starting') return null;

  const phase: RunPhase = run.kind === 'running' ? run.phase : 'queued';
  const providerId = run.kind === 'running' ? run.provider : (request?.provider ?? '');
  // Auto before the first attempt: the route has not picked yet.
  const name = providerId ? providerName(providers, providerId) : 'the route';
  const current = STEPS.findIndex((step) => step.phase === phase);
  const label = run.kind === 'starting' ? 'Starting…' : `${STEPS[current]?.label(name) ?? 'Working'}…`;
  const tiles = Math.max(1, request?.count ?? 1);
  const progress = run.kind === 'running' ? run.progress : null;
  const fraction = progress?.fraction ?? undefined;

  return (
    <div className="run-progress">
      <div className="run-progress__card" role="status" aria-live="polite">
        <div className="run-progress__head">
          <Spinner size={18} className="run-progress__spinner" />
          <div className="run-progress__text">
            <p className="run-progress__label">{label}</p>
            <p className="run-progress__sub">
              {run.kind === 'running' ? `Run ${run.runId}` : 'Sending the request'} ·{' '}
              <Elapsed since={run.kind === 'running' ? run.since : Date.now()} />
            </p>
          </div>
          {run.kind === 'running' && (
            <Button size="sm" icon="close" busy={run.cancelling} onClick={() => void cancel()}>
              Cancel
            </Button>
          )}
        </div>
        <ol className="steps" aria-label="Progress">
          {STEPS.map((step, index) => {
            const state = index < current ? 'done' : index === current ? 'current' : 'todo';
            return (
              <li
                key={step.phase}
                className={`steps__item is-${state}`}
                aria-current={state === 'current' ? 'step' : undefined}
              >
                <span className="steps__dot" aria-hidden="true">
                  {state === 'done' ? <Icon name="check" size={12} /> : null}
                </span>
                {step.label(name)}
              </li>
            );
          })}
        </ol>
        <div className="run-progress__live">
          <ProgressBar
            label={
              progress?.message ? `Generation in progress: ${progress.message}` : 'Generation in progress'
            }
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
      </div>
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
    </div>
  );
}
