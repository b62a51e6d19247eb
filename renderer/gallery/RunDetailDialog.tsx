import {
  type CSSProperties,
  type FormEvent,
  type ReactNode,
  useEffect,
  useId,
  useRef,
  useState,
} from 'react';
import { coordsLabel } from '../../shared/batch-coords';
import { TASK_TYPE_LABELS } from '../../shared/constants';
import type { RunDetail } from '../../shared/domain';
import { api } from '../api';
import { send } from '../app/actions';
import { findModel, modelName, providerName, stepName, useCatalogStore } from '../app/catalog';
import { setDraggedOutputs } from '../app/drag';
import { Slot } from '../app/slots';
import { useAppStore } from '../app/store';
import {
  AttemptsList,
  Badge,
  Button,
  CopyForMidjourney,
  Dialog,
  ErrorCard,
  Icon,
  ImageViewer,
  OriginalImage,
  OutputSafety,
  providerFlagOf,
  RunFactBadges,
  Spinner,
} from '../components';
import { attemptsPath, runWarnings } from '../lib/attempts';
import { copyText } from '../lib/clipboard';
import { readableError } from '../lib/errors';
import { downloadUrl } from '../lib/files';
import {
  costBasisNote,
  formatDateTime,
  formatDuration,
  formatRecordedCost,
  STATUS_LABEL,
  STATUS_TONE,
} from '../lib/format';
import { OutputReview, useFailureModes } from './OutputReview';
import { RunActions, RunLineage } from './RunLineage';
import { RunQuality, useRunChecks } from './RunQuality';
import { RunStyle } from './RunStyle';
import { RunTemplate } from './RunTemplate';
import { StarRating } from './StarRating';
import { useRunDetailStore } from './store';
import { imageTarget, TrashQuestionBar, useTrashFlow } from './trash-flow';

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
  // Images in the trash stay out of the dialog (Trash lists them); the run keeps its live ones.
  const outputs = detail.outputs.filter((output) => output.deletedAt === null);
  const providers = useCatalogStore((s) => s.providers);
  const rate = useRunDetailStore((s) => s.rate);
  const actionError = useRunDetailStore((s) => s.actionError);
  const go = useAppStore((s) => s.go);
  const closeRun = useAppStore((s) => s.closeRun);
  const [viewing, setViewing] = useState<number | null>(null);
  const attemptsId = useId();
  const trash = useTrashFlow();
  const modes = useFailureModes();
  const checks = useRunChecks(detail.id);
  // The provider's verdict shows beside the image's NSFW check once that lists it, else under the image.
  const safetyInChecks = new Set(
    checks.filter((c) => c.check === 'nsfw' && providerFlagOf(c)).map((c) => c.outputId),
  );
  const { request } = detail;
  const provider = providerName(providers, detail.provider);
  const model = detail.model ?? request.model ?? null;
  const retired = model ? findModel(providers, detail.provider, model) : undefined;

  const seed = detail.seed ?? request.seed;
  const images = outputs.map((output) => ({
    src: api.mediaUrl(output.path),
    thumb: api.mediaUrl(output.thumbPath),
    alt: detail.prompt,
    width: output.width,
    height: output.height,
    caption: `${output.format.toUpperCase()} · ${(output.bytes / 1024).toFixed(0)} KB`,
    prompt: request.prompt,
    seed,
    fileName: `atelier-run-${detail.id}-${output.index + 1}.${output.format === 'jpeg' ? 'jpg' : output.format}`,
    download: api.downloadUrl(output.id),
  }));

  function reuse() {
    // A run rendered from a style starts again from the request as it was made (the typed subject,
    // the template's values, the style), not from the rendered prompt, which the style would render twice.
    const made = detail.requested ?? request;
    send('generate.reuseRequest', {
      request: {
        ...made,
        seed: detail.seed ?? made.seed,
        model: made.provider ? (model ?? undefined) : undefined,
      },
      fromRunId: detail.id,
      styleVersionId: detail.requested ? null : (detail.styleVersionId ?? null),
    });
    closeRun();
    go('generate');
  }

  /** One image to the trash; the run's last live image takes the run with it (asked first when in use). */
  function trashImage(outputId: number) {
    const left = outputs.length - 1;
    trash.move(imageTarget(detail.id, outputId, outputs.length), () => {
      if (left === 0) {
        setViewing(null);
        closeRun();
      } else setViewing((index) => (index === null ? null : Math.min(index, left - 1)));
    });
  }

  function reference(path: string) {
    send('generate.useReference', { path, fromRunId: detail.id });
    closeRun();
    go('generate');
  }

  function runAgain() {
    send('generate.retryRun', { runId: detail.id, request });
    closeRun();
    go('generate');
  }

  const failed = detail.status === 'failed' || detail.status === 'cancelled';
  // The chain as it was when the run was created, where the main process records it.
  const route = (
    detail as RunDetail & {
      route?: {
        chain: { provider: string; model?: string }[];
        allowContentFallthrough: boolean;
        pinned: boolean;
      } | null;
    }
  ).route;
  const path = attemptsPath(detail.attempts, (id) => providerName(providers, id));

  const hasImages = outputs.length > 0;
  // With images the attempts join the details on the right; without, they are the story on the left.
  const attempts = (
    <section className="detail__section" aria-labelledby={attemptsId}>
      <h3 className="detail__h3" id={attemptsId}>
        Attempts
      </h3>
      {runWarnings(detail).length > 0 && (
        <div className="notice notice--warning notice--tight">
          <Icon name="warning" size={14} className="notice__icon" />
          <ul className="notice__plain">
            {runWarnings(detail).map((warning, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: warnings can repeat; their order is their identity.
              <li key={index}>{warning}</li>
            ))}
          </ul>
        </div>
      )}
      {detail.attempts.length > 1 && <p className="attempts-path">{path}</p>}
      <AttemptsList attempts={detail.attempts} providers={providers} labelId={attemptsId} />
    </section>
  );

  return (
    <div className={hasImages ? 'detail__body' : 'detail__body detail__body--no-images'}>
      <div className="detail__media">
        {detail.error && detail.status !== 'succeeded' && (
          <ErrorCard
            error={readableError(detail.error, provider)}
            onFix={(tab) => {
              closeRun();
              go('settings', tab === 'keys' ? { focusProvider: detail.provider } : { tab });
            }}
          />
        )}
        {actionError && <ErrorCard compact error={readableError(actionError)} />}
        {viewing === null && <TrashQuestionBar flow={trash} />}
        {outputs.length > 0 ? (
          <ul
            className={`detail__outputs detail__outputs--${Math.min(outputs.length, 5)}`}
            aria-label="Images"
          >
            {outputs.map((output, index) => (
              <li key={output.id} className="detail__output">
                {/* The cell is a size container: the image takes the largest box of its own shape that fits. */}
                <div className="detail__cell">
                  <button
                    type="button"
                    className="result-tile detail__tile"
                    aria-label={`View image ${index + 1} full size`}
                    draggable
                    onDragStart={(event) => {
                      setDraggedOutputs(event.dataTransfer, { outputIds: [output.id] });
                      // Dropped outside the app (browser): saved through the download, metadata included.
                      api.offerDragOut(
                        event.dataTransfer,
                        output.id,
                        images[index]!.fileName,
                        mimeOf(output.format),
                      );
                    }}
                    onClick={() => setViewing(index)}
                  >
                    {/* Five images or more show their thumbnails; up to four, the originals over them. */}
                    <OriginalImage
                      src={api.mediaUrl(outputs.length > 4 ? output.thumbPath : output.path)}
                      thumb={outputs.length > 4 ? undefined : api.mediaUrl(output.thumbPath)}
                      shortNote={outputs.length > 1}
                      alt={detail.prompt}
                      width={output.width}
                      height={output.height}
                      decoding="async"
                      style={{ '--ratio': output.width / Math.max(1, output.height) } as CSSProperties}
                    />
                    <span className="result-tile__zoom" aria-hidden="true">
                      <Icon name="expand" size={14} />
                    </span>
                  </button>
                </div>
                <div className="detail__output-meta">
                  <StarRating
                    value={output.rating}
                    label={`Rating for image ${index + 1}`}
                    onChange={(rating) => void rate(output.id, rating)}
                  />
                  <span className="muted">
                    {output.width} × {output.height}
                  </span>
                  <Button
                    size="sm"
                    variant="ghost"
                    icon="image"
                    className="detail__use-ref"
                    title="Start a new generation from this image (image-to-image)"
                    onClick={() => reference(output.path)}
                  >
                    Use as reference
                  </Button>
                  <Button
                    size="sm"
                    variant="ghost"
                    icon="plus"
                    className="detail__add-board"
                    title="Add this image to a board, or compare it with a board's baseline"
                    onClick={() => send('boards.addOutputs', { outputIds: [output.id] })}
                  >
                    Add to board
                  </Button>
                  <Button
                    size="sm"
                    variant="ghost"
                    icon="download"
                    className="detail__drag-out"
                    draggable
                    title="Save the file with its metadata (Settings → Files), or drag it out of Atelier"
                    onClick={() => downloadUrl(api.downloadUrl(output.id), images[index]!.fileName)}
                    onDragStart={(event) => {
                      if (api.startDrag) {
                        // Desktop: the OS drag of a temp file carrying the metadata.
                        event.preventDefault();
                        api.startDrag(output.id);
                      } else {
                        api.offerDragOut(
                          event.dataTransfer,
                          output.id,
                          images[index]!.fileName,
                          mimeOf(output.format),
                        );
                      }
                    }}
                  >
                    Save file
                  </Button>
                  {outputs.length > 1 && (
                    <Button
                      size="sm"
                      variant="ghost"
                      icon="trash"
                      aria-label={`Move image ${index + 1} to trash`}
                      title="Move this image to the trash (the run's other images stay)"
                      onClick={() => trashImage(output.id)}
                    />
                  )}
                </div>
                <OutputReview output={output} modes={modes} />
                {!safetyInChecks.has(output.id) && <OutputSafety safety={output.providerSafety} />}
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
        {hasImages && <RunQuality checks={checks} outputIds={outputs.map((o) => o.id)} />}
        {!hasImages && attempts}
      </div>

      <aside className="detail__side" aria-label={`Run ${detail.id} settings`}>
        <div className="detail__actions">
          {failed && (
            <Button
              variant="primary"
              icon="refresh"
              title="Queue the same request again on Generate, skipping the cache"
              onClick={runAgain}
            >
              Retry
            </Button>
          )}
          <Button variant={failed ? 'secondary' : 'ghost'} icon="reuse" onClick={reuse}>
            Reuse settings
          </Button>
        </div>
        <CopyForMidjourney prompt={() => api.call('midjourney.prompt', { runId: detail.id })} />
        {/* An imported run is reproduced from what its file said, by the imports panel. */}
        {detail.source ? (
          <Slot name="run.imported" runId={detail.id} />
        ) : (
          !failed && <RunActions detail={detail} />
        )}
        <RunLineage detail={detail} />
        <h3 className="detail__h3">Request</h3>
        <dl className="kv">
          {detail.batch && (
            <Row label="Batch">
              <span data-testid="detail-batch">
                Batch {detail.batch.id}, item {detail.batch.index + 1} · {coordsLabel(detail.batch.coords)}
              </span>
            </Row>
          )}
          <Row label={detail.requested ? 'Prompt sent' : 'Prompt'}>
            <span className="kv__prose">{request.prompt}</span>
          </Row>
          <Row label="Negative prompt">
            {request.negativePrompt ? (
              <span className="kv__prose">{request.negativePrompt}</span>
            ) : (
              <span className="muted">none</span>
            )}
          </Row>
          {(detail.styleVersionId ?? request.style?.versionId) != null && (
            <Row label="Style">
              <RunStyle versionId={(detail.styleVersionId ?? request.style?.versionId)!} />
            </Row>
          )}
          {(detail.templateVersionId ?? request.template?.versionId) != null && (
            <Row label="Template">
              <RunTemplate
                versionId={(detail.templateVersionId ?? request.template?.versionId)!}
                values={detail.requested?.template?.values ?? request.template?.values ?? null}
              />
            </Row>
          )}
          <Row label="Task">{TASK_TYPE_LABELS[request.taskType] ?? request.taskType ?? 'General'}</Row>
          <Row label="Aspect ratio">
            {request.size ? (
              <>
                {request.size.width} × {request.size.height} <span className="muted">(exact)</span>
              </>
            ) : (
              request.aspectRatio
            )}
          </Row>
          <Row label="Seed">
            <SeedValue detail={detail} />
          </Row>
          <Row label="Images">{request.count}</Row>
          <Row label="Quality">{request.quality === 'draft' ? 'Draft' : 'Final'}</Row>
          {request.steps !== undefined && <Row label="Steps">{request.steps}</Row>}
          {request.guidance !== undefined && <Row label="Guidance">{request.guidance}</Row>}
          {request.reference && (
            <Row label="Reference">
              <span className="detail__ref">
                <img className="detail__ref-img" src={api.mediaUrl(request.reference.path)} alt="Reference" />
                strength {request.reference.strength.toFixed(2)}
              </span>
            </Row>
          )}
          {request.fresh && <Row label="Cache">bypassed</Row>}
          {route && !route.pinned && route.chain.length > 0 && (
            <Row label="Route">
              {route.chain.map((step) => stepName(providers, step)).join(' → ')}
              {route.allowContentFallthrough && <span className="muted"> · content blocks fall through</span>}
            </Row>
          )}
          <Row label="Provider">
            {provider}
            {!request.provider && <span className="muted"> (Auto, by route)</span>}
          </Row>
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
          <Row label="Cost">
            <span title={costBasisNote(detail.costBasis, detail.costCredits) ?? undefined}>
              {formatRecordedCost(detail)}
              {detail.costCredits != null && detail.costUsd != null && (
                <span className="muted"> · {detail.costCredits.toLocaleString('en-US')} credits</span>
              )}
            </span>
          </Row>
        </dl>
        <h3 className="detail__h3">Tags</h3>
        <Tags tags={detail.tags} />
        {hasImages && attempts}
      </aside>

      <ImageViewer
        images={images}
        index={viewing}
        onIndexChange={setViewing}
        onClose={() => {
          setViewing(null);
          trash.cancel();
        }}
        banner={trash.question || trash.error ? <TrashQuestionBar flow={trash} /> : null}
        actions={(index) => {
          const output = outputs[index];
          return output ? (
            <>
              <Button
                variant="ghost"
                size="sm"
                icon="plus"
                onClick={() => send('boards.addOutputs', { outputIds: [output.id] })}
              >
                Add to board
              </Button>
              <Button
                variant="ghost"
                size="sm"
                icon="trash"
                aria-label="Move this image to trash"
                title={
                  outputs.length > 1
                    ? "Move this image to the trash (the run's other images stay)"
                    : 'Move this image, and with it the run, to the trash'
                }
                onClick={() => trashImage(output.id)}
              />
            </>
          ) : null;
        }}
      />
    </div>
  );
}

/** The details of one run, over whichever view opened it. */
function mimeOf(format: string): string {
  return format === 'jpeg' ? 'image/jpeg' : `image/${format}`;
}

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
              <RunFactBadges detail={shown} />
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
