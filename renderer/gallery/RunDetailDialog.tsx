import { type FormEvent, type ReactNode, useEffect, useId, useRef, useState } from 'react';
import type { RunDetail } from '../../shared/domain';
import { api } from '../api';
import { findModel, modelName, providerName, useCatalogStore } from '../app/catalog';
import { useAppStore } from '../app/store';
import { Badge, Button, Dialog, ErrorCard, Icon, ImageViewer, Spinner } from '../components';
import { useGenerateStore } from '../generate/store';
import { copyText } from '../lib/clipboard';
import { readableError } from '../lib/errors';
import { formatCost, formatDateTime, formatDuration, STATUS_LABEL, STATUS_TONE } from '../lib/format';
import { AttemptsList } from './AttemptsList';
import { StarRating } from './StarRating';
import { useRunDetailStore } from './store';

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="kv__row">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function SeedValue({ detail }: { detail: RunDetail }) {
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  const providers = useCatalogStore((s) => s.providers);
  const seed = detail.seed ?? detail.request.seed;
  const model = findModel(providers, detail.provider, detail.model ?? detail.request.model ?? '');
  const missing = model && !model.supportsSeed ? 'not used by this model' : 'not recorded';
  useEffect(() => {
    if (copied === null) return;
    const timer = setTimeout(() => setCopied(null), 2000);
    return () => clearTimeout(timer);
  }, [copied]);
  return (
    <span className="seed-value">
      {seed != null ? <code>{seed}</code> : <span className="muted">{missing}</span>}
      {detail.request.seed == null && seed != null && <span className="muted">(random)</span>}
      <Button
        size="sm"
        variant="ghost"
        icon={copied === 'yes' ? 'check' : 'copy'}
        disabled={seed == null}
        onClick={async () => setCopied((await copyText(String(seed))) ? 'yes' : 'no')}
      >
        Copy seed
      </Button>
      <span className="seed-value__feedback" aria-live="polite">
        {copied === 'yes' ? 'Copied' : copied === 'no' ? 'Copy failed: select the number instead' : ''}
      </span>
    </span>
  );
}

function Tags({ tags }: { tags: string[] }) {
  const setTags = useRunDetailStore((s) => s.setTags);
  const [draft, setDraft] = useState('');
  const inputId = useId();
  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const tag = draft.trim();
    if (tag === '' || tags.includes(tag)) {
      setDraft('');
      return;
    }
    void setTags([...tags, tag]);
    setDraft('');
  }
  return (
    <div className="tags">
      <ul className="tags__list" aria-label="Tags">
        {tags.map((tag) => (
          <li key={tag} className="tag">
            <Icon name="tag" size={12} />
            {tag}
            <button
              type="button"
              className="tag__remove"
              aria-label={`Remove tag ${tag}`}
              onClick={() => void setTags(tags.filter((t) => t !== tag))}
            >
              <Icon name="close" size={12} />
            </button>
          </li>
        ))}
      </ul>
      <form className="tags__form" onSubmit={onSubmit}>
        <label className="visually-hidden" htmlFor={inputId}>
          Add tag
        </label>
        <input
          id={inputId}
          className="input input--sm"
          placeholder="Add tag…"
          maxLength={40}
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
        />
      </form>
    </div>
  );
}

function Body({ detail }: { detail: RunDetail }) {
  const providers = useCatalogStore((s) => s.providers);
  const rate = useRunDetailStore((s) => s.rate);
  const actionError = useRunDetailStore((s) => s.actionError);
  const applyRequest = useGenerateStore((s) => s.applyRequest);
  const go = useAppStore((s) => s.go);
  const closeRun = useAppStore((s) => s.closeRun);
  const [viewing, setViewing] = useState<number | null>(null);
  const attemptsId = useId();
  const { request } = detail;
  const provider = providerName(providers, detail.provider);
  const model = detail.model ?? request.model ?? null;
  const retired = model ? findModel(providers, detail.provider, model) : undefined;

  const images = detail.outputs.map((output) => ({
    src: api.mediaUrl(output.path),
    alt: detail.prompt,
    width: output.width,
    height: output.height,
    caption: `${output.format.toUpperCase()} · ${(output.bytes / 1024).toFixed(0)} KB`,
  }));

  function reuse() {
    applyRequest({ ...request, seed: detail.seed ?? request.seed, model: model ?? undefined }, detail.id);
    closeRun();
    go('generate');
  }

  return (
    <div className="detail__body">
      <div className="detail__media">
        {detail.error && detail.status !== 'succeeded' && (
          <ErrorCard
            error={readableError(detail.error, provider)}
            actions={
              readableError(detail.error).keyProblem ? (
                <Button
                  icon="key"
                  onClick={() => {
                    closeRun();
                    go('settings', { focusProvider: detail.provider });
                  }}
                >
                  Open Settings → API keys
                </Button>
              ) : undefined
            }
          />
        )}
        {actionError && <ErrorCard compact error={readableError(actionError)} />}
        {detail.outputs.length > 0 ? (
          <ul
            className={`detail__outputs detail__outputs--${Math.min(detail.outputs.length, 4)}`}
            aria-label="Images"
          >
            {detail.outputs.map((output, index) => (
              <li key={output.id} className="detail__output">
                <button
                  type="button"
                  className="result-tile"
                  aria-label={`View image ${index + 1} full size`}
                  onClick={() => setViewing(index)}
                >
                  <img
                    src={api.mediaUrl(output.thumbPath)}
                    alt={detail.prompt}
                    width={output.width}
                    height={output.height}
                  />
                  <span className="result-tile__zoom" aria-hidden="true">
                    <Icon name="expand" size={14} />
                  </span>
                </button>
                <div className="detail__output-meta">
                  <StarRating
                    value={output.rating}
                    label={`Rating for image ${index + 1}`}
                    onChange={(rating) => void rate(output.id, rating)}
                  />
                  <span className="muted">
                    {output.width} × {output.height}
                  </span>
                </div>
              </li>
            ))}
          </ul>
        ) : (
          !detail.error && (
            <div className="detail__no-images">
              {detail.status === 'running' || detail.status === 'queued' ? (
                <>
                  <Spinner size={18} /> Still running…
                </>
              ) : (
                'This run produced no images.'
              )}
            </div>
          )
        )}
        <section className="detail__section" aria-labelledby={attemptsId}>
          <h3 className="detail__h3" id={attemptsId}>
            Attempts
          </h3>
          <AttemptsList attempts={detail.attempts} labelId={attemptsId} />
        </section>
      </div>

      <aside className="detail__side" aria-label={`Run ${detail.id} settings`}>
        <div className="detail__actions">
          <Button variant="primary" icon="reuse" onClick={reuse}>
            Reuse settings
          </Button>
        </div>
        <h3 className="detail__h3">Request</h3>
        <dl className="kv">
          <Row label="Prompt">
            <span className="kv__prose">{request.prompt}</span>
          </Row>
          <Row label="Negative prompt">
            {request.negativePrompt ? (
              <span className="kv__prose">{request.negativePrompt}</span>
            ) : (
              <span className="muted">none</span>
            )}
          </Row>
          <Row label="Aspect ratio">{request.aspectRatio}</Row>
          <Row label="Seed">
            <SeedValue detail={detail} />
          </Row>
          <Row label="Images">{request.count}</Row>
          <Row label="Quality">{request.quality === 'draft' ? 'Draft' : 'Final'}</Row>
          <Row label="Provider">{provider}</Row>
          <Row label="Model">
            {modelName(providers, detail.provider, model)}
            {retired?.status === 'retired' && (
              <Badge tone="warning" className="kv__badge">
                retired {retired.retiredOn ?? ''}
              </Badge>
            )}
          </Row>
        </dl>
        <h3 className="detail__h3">Outcome</h3>
        <dl className="kv">
          <Row label="Status">
            <Badge tone={STATUS_TONE[detail.status]}>{STATUS_LABEL[detail.status]}</Badge>
          </Row>
          <Row label="Created">{formatDateTime(detail.createdAt)}</Row>
          <Row label="Started">{formatDateTime(detail.startedAt)}</Row>
          <Row label="Finished">{formatDateTime(detail.finishedAt)}</Row>
          <Row label="Duration">{formatDuration(detail.durationMs)}</Row>
          <Row label="Cost">{formatCost(detail.costUsd)}</Row>
        </dl>
        <h3 className="detail__h3">Tags</h3>
        <Tags tags={detail.tags} />
      </aside>

      <ImageViewer
        images={images}
        index={viewing}
        onIndexChange={setViewing}
        onClose={() => setViewing(null)}
      />
    </div>
  );
}

/** The details of one run, over whichever view opened it. */
export function RunDetailDialog() {
  const runId = useAppStore((s) => s.openRunId);
  const closeRun = useAppStore((s) => s.closeRun);
  const detail = useRunDetailStore((s) => s.detail);
  const status = useRunDetailStore((s) => s.status);
  const error = useRunDetailStore((s) => s.error);
  const headingId = useId();
  const closeRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (runId === null) useRunDetailStore.getState().clear();
    else void useRunDetailStore.getState().load(runId);
  }, [runId]);

  const shown = detail && detail.id === runId ? detail : null;

  return (
    <Dialog
      open={runId !== null}
      onClose={closeRun}
      labelledBy={headingId}
      className="detail"
      initialFocus={closeRef}
    >
      <header className="detail__header">
        <div className="detail__titles">
          <h2 className="detail__title" id={headingId}>
            Run {runId}
          </h2>
          {shown && (
            <>
              <Badge tone={STATUS_TONE[shown.status]} icon={shown.status === 'failed' ? 'alert' : undefined}>
                {STATUS_LABEL[shown.status]}
              </Badge>
              <span className="muted">{formatDateTime(shown.createdAt)}</span>
            </>
          )}
        </div>
        <Button ref={closeRef} variant="ghost" icon="close" aria-label="Close" onClick={closeRun} />
      </header>
      {status === 'error' && error && (
        <div className="detail__pad">
          <ErrorCard error={readableError(error)} />
        </div>
      )}
      {!shown && status === 'loading' && (
        <div className="detail__pad detail__loading">
          <Spinner size={20} /> Loading run…
        </div>
      )}
      {shown && <Body detail={shown} />}
    </Dialog>
  );
}
