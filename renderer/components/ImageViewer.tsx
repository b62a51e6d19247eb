import { useEffect, useId, useRef } from 'react';
import { Button } from './Button';
import { Dialog } from './Dialog';

export interface ViewerImage {
  src: string;
  alt: string;
  width: number;
  height: number;
  caption?: string;
}

/** Full-size view of one image among several; ← and → step through them. */
export function ImageViewer({
  images,
  index,
  onIndexChange,
  onClose,
}: {
  images: ViewerImage[];
  index: number | null;
  onIndexChange: (index: number) => void;
  onClose: () => void;
}) {
  const headingId = useId();
  const closeRef = useRef<HTMLButtonElement>(null);
  const open = index !== null && images[index] !== undefined;
  const image = index !== null ? images[index] : undefined;

  useEffect(() => {
    if (!open || index === null) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'ArrowRight' && index < images.length - 1) onIndexChange(index + 1);
      if (event.key === 'ArrowLeft' && index > 0) onIndexChange(index - 1);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open, index, images.length, onIndexChange]);

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
          <div className="viewer__stage">
            <img
              className="viewer__img"
              src={image.src}
              alt={image.alt}
              width={image.width}
              height={image.height}
            />
          </div>
        </>
      )}
    </Dialog>
  );
}
