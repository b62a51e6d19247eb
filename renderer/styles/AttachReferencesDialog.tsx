import { useEffect, useId, useState } from 'react';
import type { Reference, ReferenceSteer } from '../../shared/references-contract';
import { api } from '../api';
import { Button, Dialog, EmptyState, ErrorCard, FilterChips, Icon, Spinner } from '../components';
import { type ReadableError, readableError } from '../lib/errors';
import { STEER_LABEL, STEERS } from '../lib/steers';

/** A style attaches at most this many references (the contract's limit). */
export const MAX_STYLE_REFERENCES = 16;

type Load =
  | { status: 'loading' }
  | { status: 'ready'; items: Reference[]; total: number }
  | { status: 'error'; error: ReadableError };

/**
 * Picks references from the library to attach to a style: name search, steer chips, thumbnails.
 * What is attached is each reference's EXIF-stripped copy (`path`).
 */
export function AttachReferencesDialog({
  open,
  onClose,
  attached,
  onAttach,
}: {
  open: boolean;
  onClose: () => void;
  /** Paths the style already attaches: shown as attached, not selectable again. */
  attached: readonly string[];
  onAttach: (paths: string[]) => void;
}) {
  const titleId = useId();
  const [query, setQuery] = useState('');
  const [steers, setSteers] = useState<ReferenceSteer[]>([]);
  const [selected, setSelected] = useState<string[]>([]);
  const [load, setLoad] = useState<Load>({ status: 'loading' });
  const [reloadKey, setReloadKey] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: reloadKey re-runs the load for "Try again".
  useEffect(() => {
    if (!open) {
      setSelected([]);
      return;
    }
    let live = true;
    const timer = setTimeout(
      () => {
        setLoad((current) => (current.status === 'ready' ? current : { status: 'loading' }));
        void api
          .call('references.list', { query: query.trim() || undefined, steers, limit: 200 })
          .then((result) => {
            if (!live) return;
            if (result.ok) setLoad({ status: 'ready', items: result.value.items, total: result.value.total });
            else setLoad({ status: 'error', error: readableError(result.error) });
          });
      },
      query ? 150 : 0,
    );
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [open, query, steers, reloadKey]);

  const room = Math.max(0, MAX_STYLE_REFERENCES - attached.length);
  const toggle = (path: string) =>
    setSelected((current) =>
      current.includes(path)
        ? current.filter((p) => p !== path)
        : current.length < room
          ? [...current, path]
          : current,
    );

  return (
    <Dialog open={open} onClose={onClose} labelledBy={titleId} className="attach-refs">
      <div className="attach-refs__body">
        <div className="attach-refs__head">
          <h2 className="dialog__title" id={titleId}>
            Attach references
          </h2>
          <Button variant="ghost" size="sm" icon="close" aria-label="Close" onClick={onClose} />
        </div>
        <search className="attach-refs__filters" aria-label="Filter references">
          <div className="search-box">
            <Icon name="references" size={14} className="search-box__icon" />
            <input
              type="search"
              className="input search-box__input"
              placeholder="Search by name"
              aria-label="Search references"
              value={query}
              onChange={(e) => setQuery(e.target.value)}
            />
          </div>
          <FilterChips
            label="Steers"
            options={STEERS.map((s) => ({ value: s, label: STEER_LABEL[s] }))}
            selected={steers}
            onToggle={(steer) =>
              setSteers((current) =>
                current.includes(steer) ? current.filter((s) => s !== steer) : [...current, steer],
              )
            }
            onClear={() => setSteers([])}
          />
        </search>
        <div className="attach-refs__list">
          {load.status === 'loading' && <Spinner size={20} />}
          {load.status === 'error' && (
            <ErrorCard
              compact
              error={load.error}
              actions={
                <Button size="sm" onClick={() => setReloadKey((k) => k + 1)}>
                  Try again
                </Button>
              }
            />
          )}
          {load.status === 'ready' && load.items.length === 0 && (
            <EmptyState
              icon="references"
              headingLevel={3}
              title={query || steers.length > 0 ? 'No references match' : 'No references yet'}
            >
              {query || steers.length > 0
                ? 'Try another name or fewer steers.'
                : 'Import images on the References screen first.'}
            </EmptyState>
          )}
          {load.status === 'ready' && load.items.length > 0 && (
            <ul className="attach-refs__grid" aria-label="References">
              {load.items.map((reference) => {
                const already = attached.includes(reference.path);
                const on = already || selected.includes(reference.path);
                return (
                  <li key={reference.id}>
                    <button
                      type="button"
                      className={on ? 'attach-refs__card is-on' : 'attach-refs__card'}
                      aria-pressed={on}
                      disabled={already || (!on && selected.length >= room)}
                      aria-label={`${reference.name}, ${reference.width}×${reference.height}${already ? ', attached' : ''}`}
                      onClick={() => toggle(reference.path)}
                    >
                      <img
                        className="attach-refs__img"
                        src={api.mediaUrl(reference.thumbPath)}
                        alt=""
                        loading="lazy"
                        decoding="async"
                      />
                      <span className="attach-refs__name">{reference.name}</span>
                      {on && <Icon name="check" size={14} className="attach-refs__check" />}
                    </button>
                  </li>
                );
              })}
            </ul>
          )}
        </div>
        <div className="attach-refs__foot">
          <span className="muted" aria-live="polite">
            {selected.length} selected
            {load.status === 'ready' && load.total > load.items.length
              ? ` · showing ${load.items.length} of ${load.total}`
              : ''}
            {room === 0 ? ` · a style attaches at most ${MAX_STYLE_REFERENCES}` : ''}
          </span>
          <Button variant="ghost" onClick={onClose}>
            Cancel
          </Button>
          <Button
            variant="primary"
            icon="check"
            disabled={selected.length === 0}
            onClick={() => {
              onAttach(selected);
              onClose();
            }}
          >
            Attach selected
          </Button>
        </div>
      </div>
    </Dialog>
  );
}
