import {
  type CSSProperties,
  type KeyboardEvent as ReactKeyboardEvent,
  type ReactNode,
  type PointerEvent as ReactPointerEvent,
  useEffect,
  useId,
  useLayoutEffect,
  useRef,
  useState,
} from 'react';
import { copyText } from '../lib/clipboard';
import { downloadUrl } from '../lib/files';
import { Button } from './Button';
import { Dialog } from './Dialog';
import { OriginalImage } from './OriginalImage';
import './ImageViewer.css';

export interface ViewerImage {
  src: string;
  /** Its thumbnail: shown at once while the original loads, and in its place when the file is missing. */
  thumb?: string;
  alt: string;
  width: number;
  height: number;
  caption?: string;
  /** Offered by "Copy prompt" when given. */
  prompt?: string;
  /** Offered by "Copy seed" when given (null: the run has no seed to copy). */
  seed?: number | null;
  /** The name "Download" saves the original under. */
  fileName?: string;
  /** Where "Download" fetches the original with its metadata written (an output's download URL); `src` when absent. */
  download?: string;
  /** Desktop: opens the file manager at the original; resolves to an error sentence when it could not. */
  onShowInFolder?: () => Promise<string | null>;
}

/** How far one arrow key press pans at 100% (Shift: a larger step). */
const PAN_STEP = 80;
const PAN_STEP_LARGE = 320;

/**
 * Full-size view of one image among several. It opens fitted to the window; "100%" shows the image
 * pixel for pixel, panned by dragging or with the arrow keys. ← and → step through images when fitted.
 */
export function ImageViewer({
  images,
  index,
  onIndexChange,
  onClose,
  actions,
  banner,
}: {
  images: ViewerImage[];
  index: number | null;
  onIndexChange: (index: number) => void;
  onClose: () => void;
  /** Buttons the opening screen adds for the image shown (e.g. "Add to board"). */
  actions?: (index: number) => ReactNode;
  /** A line under the bar for the image shown (e.g. a question before deleting it). */
  banner?: ReactNode;
}) {
  const headingId = useId();
  const closeRef = useRef<HTMLButtonElement>(null);
  const stageRef = useRef<HTMLElement>(null);
  const drag = useRef<{ x: number; y: number; left: number; top: number } | null>(null);
  const [actual, setActual] = useState(false);
  const [note, setNote] = useState('');
  const open = index !== null && images[index] !== undefined;
  const image = index !== null ? images[index] : undefined;

  // Every image opens fitted; the note of a copy belongs to the image it was made on.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset when the shown image changes.
  useEffect(() => {
    setActual(false);
    setNote('');
  }, [index, open]);

  useEffect(() => {
    if (!note) return;
    const timer = setTimeout(() => setNote(''), 2500);
    return () => clearTimeout(timer);
  }, [note]);

  // At 100% start from the middle of the picture, where the subject usually is.
  useLayoutEffect(() => {
    const stage = stageRef.current;
    if (!actual || !stage) return;
    stage.scrollLeft = (stage.scrollWidth - stage.clientWidth) / 2;
    stage.scrollTop = (stage.scrollHeight - stage.clientHeight) / 2;
    stage.focus();
  }, [actual]);

  useEffect(() => {
    if (!open || index === null) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
      const target = event.target as HTMLElement | null;
      if (target?.closest('input, textarea, select')) return;
      if (event.key === 'z' || event.key === 'Z') {
        event.preventDefault();
        setActual((value) => !value);
        return;
      }
      // At 100% the arrows pan (handled by the stage); fitted they step through the images.
      if (actual) return;
      if (event.key === 'ArrowRight' && index < images.length - 1) onIndexChange(index + 1);
      if (event.key === 'ArrowLeft' && index > 0) onIndexChange(index - 1);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open, index, images.length, onIndexChange, actual]);

  function onStageKey(event: ReactKeyboardEvent<HTMLElement>) {
    if (!actual) return;
    const step = event.shiftKey ? PAN_STEP_LARGE : PAN_STEP;
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [-step, 0],
      ArrowRight: [step, 0],
      ArrowUp: [0, -step],
      ArrowDown: [0, step],
    };
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    event.currentTarget.scrollBy({ left: move[0], top: move[1] });
  }

  function onPointerDown(event: ReactPointerEvent<HTMLElement>) {
    if (!actual || event.button !== 0) return;
    const stage = event.currentTarget;
    drag.current = { x: event.clientX, y: event.clientY, left: stage.scrollLeft, top: stage.scrollTop };
    stage.setPointerCapture(event.pointerId);
  }

  function onPointerMove(event: ReactPointerEvent<HTMLElement>) {
    const start = drag.current;
    if (!start) return;
    event.currentTarget.scrollLeft = start.left - (event.clientX - start.x);
    event.currentTarget.scrollTop = start.top - (event.clientY - start.y);
  }

  function endDrag(event: ReactPointerEvent<HTMLElement>) {
    if (!drag.current) return;
    drag.current = null;
    if (event.currentTarget.hasPointerCapture(event.pointerId))
      event.currentTarget.releasePointerCapture(event.pointerId);
  }

  async function copy(what: 'prompt' | 'seed', text: string) {
    const done = await copyText(text);
    setNote(done ? `${what === 'prompt' ? 'Prompt' : 'Seed'} copied` : 'Copy failed: your system refused it');
  }

  return (
    <Dialog open={open} onClose={onClose} labelledBy={headingId} className="viewer" initialFocus={closeRef}>
      {image && index !== null && (
        <>
          <div className="viewer__bar">
            <h2 className="viewer__title" id={headingId}>
              Image {index + 1} of {images.length}
              <span className="viewer__meta">
                {image.width} × {image.height}
                {image.caption ? ` · ${image.caption}` : ''}
              </span>
            </h2>
            <div className="viewer__actions">
              <span className="viewer__note" role="status">
                {note}
              </span>
              <Button
                variant="ghost"
                size="sm"
                icon={actual ? 'shrink' : 'expand'}
                aria-pressed={actual}
                title={actual ? 'Fit to window (Z)' : 'Show at 100%, drag or use the arrow keys to pan (Z)'}
                onClick={() => setActual((value) => !value)}
              >
                {actual ? 'Fit' : '100%'}
              </Button>
              <Button
                variant="ghost"
                size="sm"
                icon="download"
                title="Save the original file, with the metadata chosen in Settings → Files"
                onClick={() =>
                  downloadUrl(image.download ?? image.src, image.fileName ?? `image-${index + 1}`)
                }
              >
                Download
              </Button>
              {image.prompt !== undefined && (
                <Button
                  variant="ghost"
                  size="sm"
                  icon="copy"
                  onClick={() => void copy('prompt', image.prompt!)}
                >
                  Copy prompt
                </Button>
              )}
              {image.seed !== undefined && (
                <Button
                  variant="ghost"
                  size="sm"
                  icon="copy"
                  disabled={image.seed === null}
                  title={image.seed === null ? 'This run has no seed' : `Seed ${image.seed}`}
                  onClick={() => image.seed != null && void copy('seed', String(image.seed))}
                >
                  Copy seed
                </Button>
              )}
              {image.onShowInFolder && (
                <Button
                  variant="ghost"
                  size="sm"
                  icon="folder"
                  onClick={() =>
                    void image.onShowInFolder!().then((problem) => problem !== null && setNote(problem))
                  }
                >
                  Show in folder
                </Button>
              )}
              {actions?.(index)}
              <span className="viewer__divider" aria-hidden="true" />
              <Button
                variant="ghost"
                size="sm"
                icon="arrowLeft"
                aria-label="Previous image"
                disabled={index === 0}
                onClick={() => onIndexChange(index - 1)}
              />
              <Button
                variant="ghost"
                size="sm"
                icon="arrowRight"
                aria-label="Next image"
                disabled={index === images.length - 1}
                onClick={() => onIndexChange(index + 1)}
              />
              <Button
                ref={closeRef}
                variant="ghost"
                size="sm"
                icon="close"
                aria-label="Close image"
                onClick={onClose}
              />
            </div>
          </div>
          {banner && <div className="viewer__banner">{banner}</div>}
          <section
            ref={stageRef}
            className={actual ? 'viewer__stage is-actual' : 'viewer__stage'}
            // A scrolling region the keyboard can reach: at 100% the arrow keys pan it.
            tabIndex={actual ? 0 : -1}
            aria-label={
              actual ? 'Image at 100%: drag or use the arrow keys to pan' : 'Image, fitted to the window'
            }
            onKeyDown={onStageKey}
            onPointerDown={onPointerDown}
            onPointerMove={onPointerMove}
            onPointerUp={endDrag}
            onPointerCancel={endDrag}
            onDoubleClick={() => setActual((value) => !value)}
          >
            <OriginalImage
              className={
                image.width > 0 && image.height > 0 ? 'viewer__img viewer__img--sized' : 'viewer__img'
              }
              src={image.src}
              thumb={image.thumb}
              alt={image.alt}
              width={image.width}
              height={image.height}
              draggable={false}
              // The box is known before the file arrives (ImageViewer.css), so the thumbnail fills it meanwhile.
              style={
                {
                  '--w': `${image.width}px`,
                  '--ratio': image.width / Math.max(1, image.height),
                } as CSSProperties
              }
            />
          </section>
        </>
      )}
    </Dialog>
  );
}
