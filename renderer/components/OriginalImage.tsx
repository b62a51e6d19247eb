import { type CSSProperties, type ImgHTMLAttributes, useState } from 'react';
import './OriginalImage.css';

/**
 * An original image with its thumbnail: the thumbnail is painted behind it while it loads (so stepping from one
 * image to the next never leaves the last one or an empty box on screen), and stands in for it, with a note,
 * when the original is missing from the library folder. A new element per `src`: the browser would otherwise
 * keep showing the previous image until the next one has loaded. The host positions the note (it is absolutely
 * placed at the bottom of the nearest positioned box).
 */
const MISSING = 'The original file is missing from the library folder; this is its thumbnail.';

export function OriginalImage({
  src,
  thumb,
  alt,
  className,
  style,
  shortNote = false,
  ...image
}: Omit<ImgHTMLAttributes<HTMLImageElement>, 'src' | 'alt' | 'onError'> & {
  src: string;
  alt: string;
  /** The thumbnail's URL; without one, this is a plain image. */
  thumb?: string;
  /** A small image (a tile in a grid): the note in a few words, the whole sentence as its tooltip. */
  shortNote?: boolean;
  style?: CSSProperties;
}) {
  const [lost, setLost] = useState<string | null>(null);
  const missing = thumb !== undefined && lost === src;
  return (
    <>
      <img
        key={src}
        {...image}
        src={missing ? thumb : src}
        alt={alt}
        className={
          thumb === undefined ? className : className ? `${className} original-image` : 'original-image'
        }
        style={thumb === undefined ? style : { ...style, backgroundImage: `url("${thumb}")` }}
        onError={() => setLost(src)}
      />
      {missing && (
        // A span (shown as a block): the image may sit inside a button, where a paragraph may not.
        <span
          className={shortNote ? 'original-missing original-missing--short' : 'original-missing'}
          role="status"
          title={shortNote ? MISSING : undefined}
        >
          {shortNote ? 'Original missing' : MISSING}
        </span>
      )}
    </>
  );
}
