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
  justified,
  onRangeChange,
  overscan = 3,
  renderPlaceholder,
}: {
  items: T[];
  getKey: (item: T) => string | number;
  renderCard: (
    item: T,
    props: {
      index: number;
      tabIndex: 0 | -1;
      onFocus: () => void;
      /** In the viewport (not an overscan row): its image should load first. */
      visible?: boolean;
      /**
       * The image box in CSS pixels: a justified tile's width (-1 when it spans the row) and its row's height,
       * or a square card's side. What a thumbnail's `sizes` is made from.
       */
      boxWidth: number;
      boxHeight: number;
    },
  ) => ReactNode;
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
  /**
   * Justified rows instead of square columns: each row its own height, each tile its own width (from the
   * image's aspect). `items` is then ignored: `count` tiles, read by `itemAt` (null while not loaded).
   */
  justified?: {
    count: number;
    itemAt: (index: number) => T | null;
    /** Rows for a given inner width; called with the measured width. */
    rows: (width: number) => readonly { start: number; end: number; height: number }[];
    widthOf: (index: number, rowHeight: number) => number;
  };
  /** The tiles rendered (rows in view plus overscan) changed: the place to load or drop pages. */
  onRangeChange?: (first: number, last: number) => void;
  /** Rows rendered beyond the visible ones, each side. */
  overscan?: number;
  /** What a not-yet-loaded tile shows (justified mode). */
  renderPlaceholder?: (props: { index: number; width: number; height: number }) => ReactNode;
}) {
  const gridRef = useRef<HTMLDivElement>(null);
  const pendingFocus = useRef<number | null>(null);
  const [width, setWidth] = useState(0);
  const [ownFocus, setOwnFocus] = useState(0);
  const focusIndex = controlledFocus ?? ownFocus;
  const setFocusIndex = onFocusIndexChange ?? setOwnFocus;
  const focusHandler = useFocusHandlers(setFocusIndex);

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

  const jrows = justified && width > 0 ? justified.rows(width) : null;
  const itemCount = justified ? justified.count : items.length;
  const columns = jrows ? 1 : Math.max(1, Math.floor((width + gap) / (minCard + gap)));
  const cardWidth = width > 0 ? (width - gap * (columns - 1)) / columns : minCard;
  const rowHeight = Math.round(cardWidth + cardBody + gap);
  const rowCount = jrows ? jrows.length : justified ? 0 : Math.ceil(items.length / columns);
  const rowSize = (row: number) => (jrows ? Math.round(jrows[row]!.height + cardBody + gap) : rowHeight);
  const rowOf = (index: number): number => {
    if (!jrows) return Math.floor(index / columns);
    let lo = 0;
    let hi = jrows.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (jrows[mid]!.start <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const rowStart = (row: number) => (jrows ? (jrows[row]?.start ?? 0) : row * columns);
  const rowEnd = (row: number) =>
    jrows ? (jrows[row]?.end ?? 0) : Math.min(items.length, (row + 1) * columns);

  const virtualizer = useVirtualizer({
    count: rowCount,
    getScrollElement: () => scrollRef.current,
    estimateSize: rowSize,
    overscan,
    paddingStart: 6,
    scrollPaddingStart: 6,
    scrollPaddingEnd: 6,
  });

  // biome-ignore lint/correctness/useExhaustiveDependencies: row geometry changes when the width does.
  useEffect(() => {
    virtualizer.measure();
  }, [rowHeight, columns, virtualizer, jrows]);

  useEffect(() => {
    if (focusIndex > itemCount - 1) setFocusIndex(Math.max(0, itemCount - 1));
  }, [itemCount, focusIndex, setFocusIndex]);

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

  const firstRendered = rowStart(virtualRows[0]?.index ?? 0);
  const lastRendered = Math.min(itemCount - 1, rowEnd(virtualRows.at(-1)?.index ?? 0) - 1);
  const tabbable = focusIndex >= firstRendered && focusIndex <= lastRendered ? focusIndex : firstRendered;

  useEffect(() => {
    if (onRangeChange && lastRendered >= firstRendered) onRangeChange(firstRendered, lastRendered);
  }, [firstRendered, lastRendered, onRangeChange]);

  /** The tile in `row` nearest in position to tile `index` (for up and down in justified rows). */
  function sameSpot(index: number, row: number): number {
    if (!jrows) return index + (row - rowOf(index)) * columns;
    const from = jrows[rowOf(index)];
    const to = jrows[Math.max(0, Math.min(jrows.length - 1, row))];
    if (!from || !to) return index;
    const share = (index - from.start + 0.5) / (from.end - from.start);
    return to.start + Math.min(to.end - to.start - 1, Math.floor(share * (to.end - to.start)));
  }

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (itemCount === 0 || event.altKey || event.metaKey || event.ctrlKey) return;
    if (!(event.target instanceof HTMLElement) || !event.target.hasAttribute('data-index')) return;
    const current = Math.min(focusIndex, itemCount - 1);
    const row = rowOf(current);
    const moves: Record<string, number> = {
      ArrowRight: current + 1,
      ArrowLeft: current - 1,
      ArrowDown: sameSpot(current, row + 1),
      ArrowUp: sameSpot(current, row - 1),
      Home: 0,
      End: itemCount - 1,
      PageDown: sameSpot(current, row + 3),
      PageUp: sameSpot(current, row - 3),
    };
    const target = moves[event.key];
    if (target === undefined) return;
    event.preventDefault();
    const next = Math.max(0, Math.min(itemCount - 1, target));
    pendingFocus.current = next;
    setFocusIndex(next);
    virtualizer.scrollToIndex(rowOf(next), { align: 'auto' });
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
        if (jrows && justified) {
          const jrow = jrows[row.index]!;
          const range = virtualizer.range;
          const visible = !range || (row.index >= range.startIndex && row.index <= range.endIndex);
          const cells: ReactNode[] = [];
          for (let index = jrow.start; index < jrow.end; index++) {
            const item = justified.itemAt(index);
            const tileWidth = justified.widthOf(index, jrow.height);
            cells.push(
              <div
                key={item ? getKey(item) : `placeholder-${index}`}
                className="vgrid__tile"
                style={{
                  width: tileWidth < 0 ? '100%' : `${tileWidth}px`,
                  height: `${Math.round(jrow.height + cardBody)}px`,
                }}
              >
                {item
                  ? renderCard(item, {
                      index,
                      tabIndex: index === tabbable ? 0 : -1,
                      onFocus: focusHandler(index),
                      visible,
                      boxWidth: tileWidth,
                      boxHeight: jrow.height,
                    })
                  : renderPlaceholder?.({ index, width: tileWidth, height: jrow.height })}
              </div>,
            );
          }
          return (
            <div
              key={row.key}
              className="vgrid__row vgrid__row--justified"
              style={{
                transform: `translateY(${row.start}px)`,
                height: `${row.size - gap}px`,
                gap: `${gap}px`,
              }}
            >
              {cells}
            </div>
          );
        }
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
                    onFocus: focusHandler(index),
                    boxWidth: cardWidth,
                    boxHeight: cardWidth,
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

/**
 * One `onFocus` function per card index, the same across renders: a memoized card (History's tiles) then
 * skips the re-render a scroll frame would otherwise give every card on screen. Only rendered indices are
 * kept, so the map stays small.
 */
function useFocusHandlers(setFocusIndex: (index: number) => void): (index: number) => () => void {
  const cache = useRef<{ set: (index: number) => void; handlers: Map<number, () => void> }>({
    set: setFocusIndex,
    handlers: new Map(),
  });
  if (cache.current.set !== setFocusIndex) cache.current = { set: setFocusIndex, handlers: new Map() };
  const { handlers } = cache.current;
  if (handlers.size > 2_000) handlers.clear();
  return (index) => {
    let handler = handlers.get(index);
    if (!handler) {
      handler = () => setFocusIndex(index);
      handlers.set(index, handler);
    }
    return handler;
  };
}

function RenderCell({ children }: { children: ReactNode }) {
  return <>{children}</>;
}
