import { useId, useState } from 'react';
import type { RunDetail } from '../../shared/domain';
import { api } from '../api';
import { providerName, useCatalogStore } from '../app/catalog';
import { useAppStore } from '../app/store';
import {
  AttemptsList,
  Badge,
  type BadgeTone,
  Button,
  EmptyState,
  ErrorCard,
  Icon,
  type IconName,
  ImageViewer,
  RunFactBadges,
  Spinner,
} from '../components';
import { runFacts, runWarnings } from '../lib/attempts';
import { readableError } from '../lib/errors';
import { formatDuration, formatRecordedCost } from '../lib/format';
import { promptExcerpt, type SettledRun } from './runs-model';
import { useRunsStore } from './runs-store';
import { useGenerateStore } from './store';

function Outputs({ detail }: { detail: RunDetail }) {
  const [viewing, setViewing] = useState<number | null>(null);
  const images = detail.outputs.map((output) => ({
    src: api.mediaUrl(output.path),
    thumb: api.mediaUrl(output.thumbPath),
    alt: detail.prompt,
    width: output.width,
    height: output.height,
    caption: output.format.toUpperCase(),
    prompt: detail.request.prompt,
    seed: detail.seed ?? detail.request.seed,
    fileName: `atelier-run-${detail.id}-${output.index + 1}.${output.format === 'jpeg' ? 'jpg' : output.format}`,
    download: api.downloadUrl(output.id),
  }));
  return (
    <>
      <div className={`result-grid result-grid--${Math.min(images.length, 4)}`}>
        {images.map((image, index) => (
          <button
            key={detail.outputs[index]!.id}
            type="button"
            className="result-tile"
            aria-label={`View image ${index + 1} full size`}
            onClick={() => setViewing(index)}
          >
            <img src={image.src} alt={image.alt} width={image.width} height={image.height} />
            <span className="result-tile__zoom" aria-hidden="true">
              <Icon name="expand" size={14} />
            </span>
          </button>
        ))}
      </div>
      <ImageViewer
        images={images}
        index={viewing}
        onIndexChange={setViewing}
        onClose={() => setViewing(null)}
      />
    </>
  );
}

/** The attempts of the run on the canvas, compact: who was tried and how each try ended. */
function Timeline({ detail }: { detail: RunDetail }) {
  const labelId = useId();
  const providers = useCatalogStore((s) => s.providers);
  if (detail.attempts.length === 0) return null;
  return (
    <section className="result__attempts" aria-labelledby={labelId}>
      <h3 className="result__h3" id={labelId}>
        Attempts
      </h3>
      <AttemptsList attempts={detail.attempts} providers={providers} labelId={labelId} compact />
    </section>
  );
}

function Done({
  runId,
  detail,
  loadError,
}: {
  runId: number;
  detail: RunDetail | null;
  loadError: { code: string; message: string } | null;
}) {
  const openRun = useAppStore((s) => s.openRun);
  const lockSeed = useGenerateStore((s) => s.lockSeed);
  const form = useGenerateStore((s) => s.form);
  const providers = useCatalogStore((s) => s.providers);

  if (loadError) {
    return (
      <ErrorCard
        error={readableError(loadError)}
        actions={<Button onClick={() => openRun(runId)}>View details</Button>}
      />
    );
  }
  if (!detail) {
    return (
      <div className="result-loading">
        <Spinner size={20} /> Loading the images…
      </div>
    );
  }
  // Notes from the attempt that made the images; a failed attempt's notes stay in its own timeline row.
  const delivered = detail.attempts.filter((attempt) => attempt.outcome === 'ok');
  const warnings = [...runWarnings(detail), ...delivered.flatMap((attempt) => attempt.warnings)];
  const seedIsLocked = form.seedLocked && detail.seed != null && form.seedText === String(detail.seed);
  const cached = runFacts(detail).cachedFrom !== undefined;

  return (
    <div className="result">
      <div className="result__head">
        <div className="result__title">
          <Badge tone="success" icon="check">
            Done
          </Badge>
          <h2 className="result__heading">Run {detail.id}</h2>
          <span className="result__meta">
            {providerName(providers, detail.provider)} · {formatDuration(detail.durationMs)} ·{' '}
            {cached ? '$0' : formatRecordedCost(detail)}
          </span>
          <RunFactBadges detail={detail} />
        </div>
        <div className="result__actions">
          {detail.seed != null && (
            <span className="result__seed">
              <span className="result__seed-label">Seed</span>
              <code>{detail.seed}</code>
              {seedIsLocked ? (
                <Badge tone="accent" icon="lock">
                  Locked
                </Badge>
              ) : (
                <Button size="sm" variant="ghost" icon="lock" onClick={() => lockSeed(detail.seed!)}>
                  Branch from seed
                </Button>
              )}
            </span>
          )}
          <Button size="sm" icon="arrowRight" onClick={() => openRun(detail.id)}>
            View details
          </Button>
        </div>
      </div>
      {warnings.length > 0 && (
        <div className="notice notice--warning">
          <Icon name="warning" size={16} className="notice__icon" />
          <div>
            <p className="notice__title">Notes on this run</p>
            <ul className="notice__list">
              {warnings.map((warning, index) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: warnings can repeat; their order is their identity.
                <li key={index}>{warning}</li>
              ))}
            </ul>
          </div>
        </div>
      )}
      <Outputs detail={detail} />
      {detail.attempts.length > 1 && <Timeline detail={detail} />}
    </div>
  );
}

/** The settled run on the Generate canvas: outputs, a readable failure, or the cancellation. */
export function RunResult() {
  const run = useRunsStore((s) => s.latest);
  const retry = useRunsStore((s) => s.retry);
  const dismiss = useRunsStore((s) => s.dismiss);
  const generate = useGenerateStore((s) => s.generate);
  const providers = useCatalogStore((s) => s.providers);
  const go = useAppStore((s) => s.go);
  const openRun = useAppStore((s) => s.openRun);

  if (run === null) return null;
  if (run.kind === 'done') return <Done runId={run.runId} detail={run.detail} loadError={run.loadError} />;

  if (run.kind === 'failed') {
    const provider = run.provider || run.detail?.provider || '';
    const error = readableError(run.error, providerName(providers, provider || null));
    const runId = run.runId;
    return (
      <div className="result result--failed">
        <ErrorCard
          error={error}
          onFix={(tab) => go('settings', tab === 'keys' ? { focusProvider: provider } : { tab })}
          actions={
            <>
              {runId !== null ? (
                <Button
                  variant={error.fix ? 'secondary' : 'primary'}
                  icon="refresh"
                  onClick={() => void retry(runId)}
                >
                  Retry
                </Button>
              ) : (
                <Button icon="reuse" onClick={() => void generate()}>
                  Try again
                </Button>
              )}
              {runId !== null && <Button onClick={() => openRun(runId)}>View details</Button>}
              <Button variant="ghost" onClick={dismiss}>
                Dismiss
              </Button>
            </>
          }
        />
        {run.detail && run.detail.attempts.length > 0 && (
          <div className="result__failed-attempts">
            <Timeline detail={run.detail} />
          </div>
        )}
      </div>
    );
  }

  return (
    <EmptyState
      icon="close"
      title={`Run ${run.runId} was cancelled`}
      actions={
        <>
          <Button onClick={() => openRun(run.runId)}>View details</Button>
          <Button variant="ghost" onClick={dismiss}>
            Dismiss
          </Button>
        </>
      }
    >
      <p>Nothing was saved from it. Your settings are still on the left.</p>
    </EmptyState>
  );
}

const OUTCOME: Record<SettledRun['kind'], { label: string; tone: BadgeTone; icon: IconName }> = {
  done: { label: 'Done', tone: 'success', icon: 'check' },
  failed: { label: 'Failed', tone: 'danger', icon: 'alert' },
  cancelled: { label: 'Cancelled', tone: 'neutral', icon: 'close' },
};

/** Runs that finished before the one on the canvas, one line each; their full record is in History. */
export function EarlierRuns() {
  const earlier = useRunsStore((s) => s.earlier);
  const openRun = useAppStore((s) => s.openRun);
  const go = useAppStore((s) => s.go);
  const listed = earlier.filter((run): run is Extract<SettledRun, { runId: number }> => run.runId !== null);
  if (listed.length === 0) return null;
  return (
    <details className="earlier-runs">
      <summary className="earlier-runs__summary">
        <Icon name="chevronRight" size={14} className="earlier-runs__chevron" />
        Earlier results ({listed.length})
      </summary>
      <ul className="earlier-runs__list">
        {listed.map((run) => {
          const outcome = OUTCOME[run.kind];
          const detail = run.kind === 'cancelled' ? null : run.detail;
          const prompt = run.request?.prompt ?? detail?.prompt ?? '';
          const thumb = detail?.outputs[0]?.thumbPath ?? null;
          return (
            <li key={run.runId} className="earlier-runs__item">
              <span className="earlier-runs__thumb" aria-hidden="true">
                {thumb ? (
                  <img className="earlier-runs__img" src={api.mediaUrl(thumb)} alt="" />
                ) : (
                  <Icon name={outcome.icon} size={14} />
                )}
              </span>
              <Badge tone={outcome.tone}>{outcome.label}</Badge>
              <span className="earlier-runs__text" title={prompt || undefined}>
                Run {run.runId}
                {prompt ? ` · ${promptExcerpt(prompt, 70)}` : ''}
              </span>
              <Button size="sm" variant="ghost" onClick={() => openRun(run.runId)}>
                View details
              </Button>
            </li>
          );
        })}
      </ul>
      <button type="button" className="link earlier-runs__history" onClick={() => go('history')}>
        All runs are in History
      </button>
    </details>
  );
}
