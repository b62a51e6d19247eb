// The review queue: one output at a time, judged from the keyboard. A approve, X then a reason (digits
// or arrows and Enter), 1–5 rate, F favourite, ← → move, Z undo.
import './review.css';
import { type CSSProperties, useEffect, useId, useState } from 'react';
import type { ReviewItem } from '../../shared/review-contract';
import { api } from '../api';
import { send } from '../app/actions';
import { useReviewCountStore } from '../app/review-count';
import { useAppStore } from '../app/store';
import { Badge, Button, EmptyState, ErrorCard, OriginalImage, QualityChecks, Spinner } from '../components';
import { readableError } from '../lib/errors';
import { reasonText } from '../lib/failure-modes';
import { mitigatedBranch } from './mitigation';
import { useReviewStore } from './store';

const store = useReviewStore.getState;

const STATUS_LABEL = { pending: 'Pending', approved: 'Approved', rejected: 'Rejected' } as const;
const STATUS_TONE = { pending: 'neutral', approved: 'success', rejected: 'danger' } as const;

/** Typing in a field never triggers a shortcut. */
function typing(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))
  );
}

/**
 * The image under review (its thumbnail first, then the original: OriginalImage), fitted to the stage before
 * anything has loaded. The next image's original is fetched ahead, so a verdict shows the next one at once.
 */
function ReviewImage({ item, next }: { item: ReviewItem; next: ReviewItem | undefined }) {
  const nextPath = next?.path;
  useEffect(() => {
    if (!nextPath) return;
    const ahead = new Image();
    ahead.decoding = 'async';
    ahead.src = api.mediaUrl(nextPath);
    return () => {
      ahead.src = '';
    };
  }, [nextPath]);
  return (
    <OriginalImage
      className="review__img"
      src={api.mediaUrl(item.path)}
      thumb={api.mediaUrl(item.thumbPath)}
      alt={item.prompt}
      width={item.width}
      height={item.height}
      // The original's shape fitted to the stage (review.css), so the thumbnail shows at the size the original
      // will take.
      style={{ '--w': `${item.width}px`, '--ratio': item.width / Math.max(1, item.height) } as CSSProperties}
    />
  );
}

export function ReviewView() {
  const { status, items, modes, retired, index, error, approvalRef } = useReviewStore();
  const [picking, setPicking] = useState<number | null>(null);
  const pickerId = useId();
  const refId = useId();
  const item = items[index];
  const go = useAppStore((s) => s.go);

  useEffect(() => {
    void store().load();
    // Checks finish after the image is saved: "why flagged" fills in while the queue is open.
    return api.on('quality.checked', () => void store().refreshFlags());
  }, []);

  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (event.metaKey || event.ctrlKey || event.altKey || typing(event.target)) return;
      if (document.querySelector('[role="dialog"]')) return;
      const key = event.key;
      if (picking !== null) {
        const digit = Number(key);
        if (Number.isInteger(digit) && digit >= 1 && digit <= modes.length) {
          setPicking(null);
          void store().reject(modes[digit - 1]!.id);
        } else if (key === 'ArrowDown' || key === 'ArrowRight') {
          setPicking((picking + 1) % modes.length);
        } else if (key === 'ArrowUp' || key === 'ArrowLeft') {
          setPicking((picking - 1 + modes.length) % modes.length);
        } else if (key === 'Enter') {
          setPicking(null);
          void store().reject(modes[picking]!.id);
        } else if (key === 'Escape') {
          setPicking(null);
        } else return;
        event.preventDefault();
        return;
      }
      if (!item && key.toLowerCase() !== 'z') return;
      switch (key) {
        case 'a':
        case 'A':
          void store().approve();
          break;
        case 'x':
        case 'X':
          if (modes.length > 0) setPicking(0);
          break;
        case 'f':
        case 'F':
          void store().toggleFavorite();
          break;
        case 'z':
        case 'Z':
          void store().undoLast();
          break;
        case 'ArrowRight':
        case 'ArrowDown':
          store().move(1);
          break;
        case 'ArrowLeft':
        case 'ArrowUp':
          store().move(-1);
          break;
        case '1':
        case '2':
        case '3':
        case '4':
        case '5':
          void store().rate(Number(key));
          break;
        default:
          return;
      }
      event.preventDefault();
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [picking, modes, item]);

  const reviewed = items.filter((i) => i.status !== 'pending').length;
  // Those loaded plus the pending ones not loaded yet: the whole queue, not the page in memory.
  const pendingTotal = useReviewCountStore((s) => s.pending);
  const queueLength = items.length + Math.max(0, (pendingTotal ?? 0) - (items.length - reviewed));
  const reason = item?.rejectReason ? modes.find((m) => m.id === item.rejectReason) : undefined;
  const reasonWords = item?.rejectReason ? reasonText(item.rejectReason, modes, retired) : null;

  return (
    <div className="view review">
      <header className="view-header">
        <h1 className="view-title">Review</h1>
        <p className="view-subtitle">
          A approve · X reject with a reason · 1–5 rate · F favourite · ← → move · Z undo
        </p>
      </header>
      {error && <ErrorCard compact error={readableError(error)} />}
      {status === 'loading' && (
        <p className="review__loading">
          <Spinner size={18} /> Loading the queue…
        </p>
      )}
      {status === 'ready' && items.length === 0 && (
        <EmptyState icon="check" title="Nothing to review" headingLevel={2}>
          New images arrive here as they finish.
        </EmptyState>
      )}
      {item && (
        <div className="review__body">
          <figure className="review__stage">
            <ReviewImage item={item} next={items[index + 1]} />
          </figure>
          <aside className="review__side" aria-label="Review">
            <p className="review__progress" aria-live="polite">
              Image {(index + 1).toLocaleString('en-US')} of {queueLength.toLocaleString('en-US')} ·{' '}
              {reviewed.toLocaleString('en-US')} reviewed
            </p>
            <div className="review__status">
              <Badge tone={STATUS_TONE[item.status]}>{STATUS_LABEL[item.status]}</Badge>
              {item.status === 'rejected' && reasonWords && (
                <span
                  className="review__reason"
                  title={reasonWords.removed ? 'This reason was removed in Settings → Review' : undefined}
                >
                  {reasonWords.label}
                  {reasonWords.removed && <span className="muted"> (removed from the list)</span>}
                </span>
              )}
              {item.status === 'approved' && item.approvalRef && (
                <span className="muted">sign-off {item.approvalRef}</span>
              )}
            </div>
            <p className="review__prompt">{item.prompt}</p>
            <QualityChecks checks={item.flags} title="Why flagged" />
            <p className="review__marks">
              <span aria-hidden="true">
                {'★'.repeat(item.rating)}
                <span className="muted">{'☆'.repeat(5 - item.rating)}</span>
              </span>
              <span className="visually-hidden">Rating {item.rating} of 5</span>
              {item.favorite && <span className="review__fav">Favourite</span>}
            </p>
            <label className="field__label" htmlFor={refId}>
              Approval reference (optional)
            </label>
            <input
              id={refId}
              className="input input--sm"
              placeholder="e.g. LEGAL-2041"
              maxLength={200}
              value={approvalRef}
              onChange={(event) => store().setApprovalRef(event.target.value)}
              onKeyDown={(event) => {
                if (event.key === 'Escape' || event.key === 'Enter') event.currentTarget.blur();
              }}
            />
            <div className="review__buttons">
              <Button variant="primary" icon="check" onClick={() => void store().approve()}>
                Approve
              </Button>
              <Button variant="secondary" onClick={() => setPicking(0)}>
                Reject…
              </Button>
              <Button variant="ghost" onClick={() => void store().undoLast()}>
                Undo
              </Button>
            </div>
            {item.status === 'rejected' && reason?.mitigation && (
              <Button
                variant="secondary"
                title={
                  reason.mitigation.kind === 'provider'
                    ? 'Branch from this run on another provider'
                    : 'Branch from this run with the negative group added'
                }
                onClick={() => {
                  const mitigation = reason.mitigation!;
                  void mitigatedBranch(item.runId, mitigation).then((result) => {
                    if (!result.ok) return;
                    send('generate.reuseRequest', {
                      request: result.request,
                      fromRunId: item.runId,
                      styleVersionId: null,
                      derivation: 'branch',
                    });
                    go('generate');
                  });
                }}
              >
                Apply mitigation to next Branch
              </Button>
            )}
            {picking !== null && (
              <div className="review__picker" role="listbox" id={pickerId} aria-label="Reject reason">
                {modes.map((mode, i) => (
                  <div
                    key={mode.id}
                    role="option"
                    tabIndex={-1}
                    aria-selected={i === picking}
                    className={i === picking ? 'review__option is-active' : 'review__option'}
                    onClick={() => {
                      setPicking(null);
                      void store().reject(mode.id);
                    }}
                    onKeyDown={() => {}}
                  >
                    <kbd>{i + 1}</kbd> {mode.label}
                    <span className="muted review__option-desc">{mode.description}</span>
                  </div>
                ))}
              </div>
            )}
          </aside>
        </div>
      )}
    </div>
  );
}
