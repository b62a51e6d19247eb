import { useVirtualizer } from '@tanstack/react-virtual';
import {
  type KeyboardEvent,
  type ReactNode,
  type RefObject,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
} from 'react';
import './VirtualGrid.css';

/**
 * A virtualized grid of cards: only the rows in view are rendered (thousands of items stay instant),
 * with one tab stop and arrow-key movement. Each card must carry `data-index` and take `tabIndex`.
 */
export function VirtualGrid<T>({
  items,
  getKey,
  renderCard,
  label,
  scrollRef,
  minCard = 196,
  cardBody = 78,
  gap = 16,
  className,
  focusIndex: controlledFocus,
  onFocusIndexChange,
  onNearEnd,
}: {
  items: T[];
  getKey: (item: T) => string | number;
  renderCard: (item: T, props: { index: number; tabIndex: 0 | -1; onFocus: () => void }) => ReactNode;
  label: string;
  /** The scrolling ancestor. */
  scrollRef: RefObject<HTMLElement | null>;
  minCard?: number;
  /** Height of the text under each square thumbnail. */
  cardBody?: number;
  gap?: number;
  className?: string;
  /** Keep the focused card outside the grid (e.g. in a store, so it survives leaving the view). */
  focusIndex?: number;
  onFocusIndexChange?: (index: number) => void;
  /** Called when the last rows come into view: the place to load the next page. */
  onNearEnd?: () => void;
}) {
  const gridRef = useRef<HTMLDivElement>(null);
  const pendingFocus = useRef<number | null>(null);
  const [width, setWidth] = useState(0);
  const [ownFocus, setOwnFocus] = useState(0);
  const focusIndex = controlledFocus ?? ownFocus;
  const setFocusIndex = onFocusIndexChange ?? setOwnFocus;

  useLayoutEffect(() => {
    const grid = gridRef.current;
    if (!grid) return;
    setWidth(grid.clientWidth);
    const observer = new ResizeObserver(([entry]) => {
      if (entry) setWidth(entry.contentRect.width);
    });
    observer.observe(grid);
    return () => observer.disconnect();
  }, []);

  const columns = Math.max(1, Math.floor((width + gap) / (minCard + gap)));
  const cardWidth = width > 0 ? (width - gap * (columns - 1)) / columns : minCard;
  const rowHeight = Math.round(cardWidth + cardBody + gap);
  const rowCount = Math.ceil(items.length / columns);

  const virtualizer = useVirtualizer({
    count: rowCount,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 3,
    paddingStart: 6,
    scrollPaddingStart: 6,
    scrollPaddingEnd: 6,
  });

  // biome-ignore lint/correctness/useExhaustiveDependencies: row geometry changes when the width does.
  useEffect(() => {
    virtualizer.measure();
  }, [rowHeight, columns, virtualizer]);

  useEffect(() => {
    if (focusIndex > items.length - 1) setFocusIndex(Math.max(0, items.length - 1));
  }, [items.length, focusIndex, setFocusIndex]);

  useEffect(() => {
    if (pendingFocus.current === null) return;
    const card = gridRef.current?.querySelector<HTMLElement>(`[data-index="${pendingFocus.current}"]`);
    if (card) {
      card.focus();
      pendingFocus.current = null;
    }
  });

  const virtualRows = virtualizer.getVirtualItems();
  const lastVisibleRow = virtualRows.at(-1)?.index ?? -1;

  useEffect(() => {
    if (onNearEnd && rowCount > 0 && lastVisibleRow >= rowCount - 3) onNearEnd();
  }, [lastVisibleRow, rowCount, onNearEnd]);

  const firstRendered = (virtualRows[0]?.index ?? 0) * columns;
  const lastRendered = Math.min(items.length - 1, ((virtualRows.at(-1)?.index ?? 0) + 1) * columns - 1);
  const tabbable = focusIndex >= firstRendered && focusIndex <= lastRendered ? focusIndex : firstRendered;

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (items.length === 0 || event.altKey || event.metaKey || event.ctrlKey) return;
    if (!(event.target instanceof HTMLElement) || !event.target.hasAttribute('data-index')) return;
    const current = Math.min(focusIndex, items.length - 1);
    const moves: Record<string, number> = {
      ArrowRight: current + 1,
      ArrowLeft: current - 1,
      ArrowDown: current + columns,
      ArrowUp: current - columns,
      Home: 0,
      End: items.length - 1,
      PageDown: current + columns * 3,
      PageUp: current - columns * 3,
    };
    const target = moves[event.key];
    if (target === undefined) return;
    event.preventDefault();
    const next = Math.max(0, Math.min(items.length - 1, target));
    pendingFocus.current = next;
    setFocusIndex(next);
    virtualizer.scrollToIndex(Math.floor(next / columns), { align: 'auto' });
    gridRef.current?.querySelector<HTMLElement>(`[data-index="${next}"]`)?.focus();
  }

  return (
    <section
      className={className ? `vgrid ${className}` : 'vgrid'}
      ref={gridRef}
      aria-label={label}
      onKeyDown={onKeyDown}
      style={{ height: `${virtualizer.getTotalSize()}px` }}
    >
      {virtualRows.map((row) => {
        const start = row.index * columns;
        return (
          <div
            key={row.key}
            className="vgrid__row"
            style={{
              transform: `translateY(${row.start}px)`,
              height: `${rowHeight - gap}px`,
              gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))`,
              gap: `${gap}px`,
            }}
          >
            {items.slice(start, start + columns).map((item, offset) => {
              const index = start + offset;
              return (
                <RenderCell key={getKey(item)}>
                  {renderCard(item, {
                    index,
                    tabIndex: index === tabbable ? 0 : -1,
                    onFocus: () => setFocusIndex(index),
                  })}
                </RenderCell>
              );
            })}
          </div>
        );
      })}
    </section>
  );
}

function RenderCell({ children }: { children: ReactNode }) {
  return <>{children}</>;
}
