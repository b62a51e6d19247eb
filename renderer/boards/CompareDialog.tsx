// Compare 2–4 outputs: side by side with one zoom and pan for all, an A/B wipe or an onion skin for two, and
// below the parameter table with what differs highlighted. Opened by the intent compare.open; mounted by App.tsx.

import { type CSSProperties, type KeyboardEvent, type PointerEvent, useId, useRef, useState } from 'react';
import type { CompareItem } from '../../shared/boards-contract';
import { api } from '../api';
import { useCatalogStore } from '../app/catalog';
import { Button, Dialog, ErrorCard, SegmentedControl, Spinner } from '../components';
import type { DiffPart } from '../lib/diff';
import { readableError } from '../lib/errors';
import { type CompareRow, compareRows } from './compare-model';
import { useBoardsStore } from './store';

type Mode = 'side' | 'wipe' | 'onion';
interface View {
  zoom: number;
  x: number;
  y: number;
}
const FIT: View = { zoom: 1, x: 0, y: 0 };
const ZOOM_MIN = 1;
const ZOOM_MAX = 8;
const PAN_STEP = 40;

export function CompareDialog() {
  const comparing = useBoardsStore((s) => s.comparing);
  const close = () => void useBoardsStore.getState().compare(null);
  return (
    <Dialog open={comparing !== null} onClose={close} label="Compare" className="compare-dialog">
      {comparing && <CompareBody count={comparing.length} onClose={close} />}
    </Dialog>
  );
}

function CompareBody({ count, onClose }: { count: number; onClose: () => void }) {
  const headingId = useId();
  const items = useBoardsStore((s) => s.compareItems);
  const error = useBoardsStore((s) => s.compareError);
  const providers = useCatalogStore((s) => s.providers);
  const [mode, setMode] = useState<Mode>('side');
  const [view, setView] = useState<View>(FIT);
  const [wipe, setWipe] = useState(50);
  const [opacity, setOpacity] = useState(50);
  const two = count === 2;
  const shown: Mode = two ? mode : 'side';

  const zoomBy = (factor: number) =>
    setView((v) => {
      const zoom = Math.min(ZOOM_MAX, Math.max(ZOOM_MIN, v.zoom * factor));
      return zoom === ZOOM_MIN ? FIT : { zoom, x: v.x, y: v.y };
    });

  return (
    <div className="compare">
      <header className="compare__header">
        <h2 id={headingId} className="compare__title">
          Compare {count} outputs
        </h2>
        <div className="compare__controls">
          {two && (
            <SegmentedControl
              label="How to compare"
              value={mode}
              onChange={setMode}
              options={[
                { value: 'side', label: 'Side by side' },
                { value: 'wipe', label: 'A/B wipe' },
                { value: 'onion', label: 'Onion skin' },
              ]}
            />
          )}
          {shown === 'wipe' && (
            <label className="compare__slider">
              Wipe
              <input
                type="range"
                min={0}
                max={100}
                value={wipe}
                aria-label="Wipe position"
                onChange={(event) => setWipe(Number(event.target.value))}
              />
            </label>
          )}
          {shown === 'onion' && (
            <label className="compare__slider">
              Opacity of B
              <input
                type="range"
                min={0}
                max={100}
                value={opacity}
                aria-label="Opacity of B"
                onChange={(event) => setOpacity(Number(event.target.value))}
              />
            </label>
          )}
          <Button size="sm" variant="ghost" aria-label="Zoom out" onClick={() => zoomBy(1 / 1.5)}>
            −
          </Button>
          <span className="compare__zoom" aria-live="polite">
            {Math.round(view.zoom * 100)}%
          </span>
          <Button size="sm" variant="ghost" aria-label="Zoom in" onClick={() => zoomBy(1.5)}>
            +
          </Button>
          <Button size="sm" variant="ghost" onClick={() => setView(FIT)}>
            Fit
          </Button>
          <Button size="sm" variant="ghost" icon="close" aria-label="Close compare" onClick={onClose} />
        </div>
      </header>
      {error && <ErrorCard error={readableError(error)} />}
      {!error && items.length === 0 && (
        <div className="compare__loading">
          <Spinner size={18} /> Loading…
        </div>
      )}
      {items.length > 0 && (
        <>
          {shown === 'side' ? (
            <div className={`compare__stages compare__stages--${items.length}`}>
              {items.map((item, i) => (
                <Stage key={item.output.id} view={view} onView={setView} label={`Output ${letter(i)}`}>
                  <Picture item={item} />
                  <span className="compare__letter">{letter(i)}</span>
                </Stage>
              ))}
            </div>
          ) : (
            <div className="compare__stages compare__stages--1">
              <Stage view={view} onView={setView} label={shown === 'wipe' ? 'A/B wipe' : 'Onion skin'}>
                {/* A frame of A's shape: the wipe and the overlay are measured on the image, not the stage. */}
                <div
                  className="compare__frame"
                  style={
                    { '--r': items[0]!.output.width / Math.max(1, items[0]!.output.height) } as CSSProperties
                  }
                >
                  <Picture item={items[0]!} />
                  <div
                    className="compare__overlay"
                    style={
                      shown === 'wipe'
                        ? { clipPath: `inset(0 0 0 ${wipe}%)` }
                        : ({ opacity: opacity / 100 } as CSSProperties)
                    }
                  >
                    <Picture item={items[1]!} />
                  </div>
                  {shown === 'wipe' && (
                    <span className="compare__wipe-line" style={{ left: `${wipe}%` }} aria-hidden="true" />
                  )}
                  <span className="compare__letter">A</span>
                  <span className="compare__letter compare__letter--right">B</span>
                </div>
              </Stage>
            </div>
          )}
          <ParameterTable items={items} rows={compareRows(items, providers)} />
        </>
      )}
    </div>
  );
}

const letter = (i: number) => String.fromCharCode(65 + i);

function Picture({ item }: { item: CompareItem }) {
  return (
    <img
      className="compare__img"
      src={api.mediaUrl(item.output.path)}
      alt={item.run.prompt}
      width={item.output.width}
      height={item.output.height}
      draggable={false}
    />
  );
}

/** A frame whose content follows the shared zoom and pan: drag, wheel, or the arrow keys and +/−. */
function Stage({
  view,
  onView,
  label,
  children,
}: {
  view: View;
  onView: (update: (v: View) => View) => void;
  label: string;
  children: React.ReactNode;
}) {
  const drag = useRef<{ x: number; y: number } | null>(null);
  const pan = (dx: number, dy: number) =>
    onView((v) => (v.zoom === 1 ? v : { ...v, x: v.x + dx, y: v.y + dy }));
  const zoom = (factor: number) =>
    onView((v) => {
      const z = Math.min(ZOOM_MAX, Math.max(ZOOM_MIN, v.zoom * factor));
      return z === ZOOM_MIN ? FIT : { ...v, zoom: z };
    });
  return (
    <section
      className="compare__stage"
      aria-label={`${label}: arrow keys pan, + and − zoom`}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a pannable region the keyboard must reach.
      tabIndex={0}
      onWheel={(event) => zoom(event.deltaY < 0 ? 1.2 : 1 / 1.2)}
      onPointerDown={(event: PointerEvent) => {
        drag.current = { x: event.clientX, y: event.clientY };
        event.currentTarget.setPointerCapture(event.pointerId);
      }}
      onPointerMove={(event: PointerEvent) => {
        if (!drag.current) return;
        const dx = event.clientX - drag.current.x;
        const dy = event.clientY - drag.current.y;
        drag.current = { x: event.clientX, y: event.clientY };
        pan(dx, dy);
      }}
      onPointerUp={() => {
        drag.current = null;
      }}
      onKeyDown={(event: KeyboardEvent) => {
        const moves: Record<string, [number, number]> = {
          ArrowLeft: [PAN_STEP, 0],
          ArrowRight: [-PAN_STEP, 0],
          ArrowUp: [0, PAN_STEP],
          ArrowDown: [0, -PAN_STEP],
        };
        const move = moves[event.key];
        if (move) {
          event.preventDefault();
          pan(move[0], move[1]);
        } else if (event.key === '+' || event.key === '=') zoom(1.5);
        else if (event.key === '-') zoom(1 / 1.5);
      }}
    >
      <div
        className="compare__content"
        style={{ transform: `translate(${view.x}px, ${view.y}px) scale(${view.zoom})` }}
      >
        {children}
      </div>
    </section>
  );
}

function ParameterTable({ items, rows }: { items: CompareItem[]; rows: CompareRow[] }) {
  const differing = rows.filter((r) => r.differs).length;
  return (
    <div className="compare__table-wrap">
      <table className="compare__table">
        <caption>
          {differing === 0
            ? 'Every parameter is the same.'
            : `${differing} of ${rows.length} parameters differ.`}{' '}
          Columns are read against A.
        </caption>
        <thead>
          <tr>
            <th scope="col">Parameter</th>
            {items.map((item, i) => (
              <th scope="col" key={item.output.id}>
                {letter(i)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key} className={row.differs ? 'is-different' : undefined} data-row={row.key}>
              <th scope="row">
                {row.label}
                {row.differs && <span className="visually-hidden"> (differs)</span>}
              </th>
              {row.values.map((value, i) => (
                <td key={items[i]!.output.id}>
                  {row.words && row.differs ? <WordDiff parts={row.words[i]!} /> : value}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** One column's words against A: what A lacks is marked inserted, what it has and this lacks struck out. */
function WordDiff({ parts }: { parts: DiffPart[] }) {
  let offset = 0;
  return (
    <>
      {parts.map((part) => {
        const key = `${part.kind}-${offset}`;
        offset += part.text.length;
        if (part.kind === 'added') return <ins key={key}>{part.text}</ins>;
        if (part.kind === 'removed') return <del key={key}>{part.text}</del>;
        return <span key={key}>{part.text}</span>;
      })}
    </>
  );
}
