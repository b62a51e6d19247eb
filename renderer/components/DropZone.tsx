import { type DragEvent, type ReactNode, useId, useRef, useState } from 'react';
import { filesFromDrop, filesFromInput, type PickedFile } from '../lib/files';
import { Button } from './Button';
import { Icon } from './Icon';
import './DropZone.css';

/**
 * Drop files or folders here, or pick them: two native inputs (files, a folder) behind real buttons,
 * so keyboard and screen-reader users get the same thing as a drag.
 */
export function DropZone({
  onFiles,
  accept = 'image/*',
  title,
  hint,
  busy = false,
  children,
}: {
  onFiles: (files: PickedFile[]) => void;
  accept?: string;
  title: string;
  hint?: ReactNode;
  busy?: boolean;
  children?: ReactNode;
}) {
  const [over, setOver] = useState(false);
  const depth = useRef(0);
  const filesRef = useRef<HTMLInputElement>(null);
  const folderRef = useRef<HTMLInputElement>(null);
  const titleId = useId();

  function onDragEnter(event: DragEvent) {
    if (!event.dataTransfer.types.includes('Files')) return;
    event.preventDefault();
    depth.current += 1;
    setOver(true);
  }
  function onDragLeave() {
    depth.current = Math.max(0, depth.current - 1);
    if (depth.current === 0) setOver(false);
  }
  async function onDrop(event: DragEvent) {
    event.preventDefault();
    depth.current = 0;
    setOver(false);
    const files = await filesFromDrop(event.dataTransfer);
    if (files.length > 0) onFiles(files);
  }

  return (
    <section
      className={over ? 'dropzone is-over' : 'dropzone'}
      aria-labelledby={titleId}
      onDragEnter={onDragEnter}
      onDragOver={(event) => {
        if (event.dataTransfer.types.includes('Files')) {
          event.preventDefault();
          event.dataTransfer.dropEffect = 'copy';
        }
      }}
      onDragLeave={onDragLeave}
      onDrop={(event) => void onDrop(event)}
    >
      <span className="dropzone__icon" aria-hidden="true">
        <Icon name="image" size={20} />
      </span>
      <div className="dropzone__text">
        <h2 className="dropzone__title" id={titleId}>
          {title}
        </h2>
        {hint && <p className="dropzone__hint">{hint}</p>}
      </div>
      <div className="dropzone__actions">
        <Button icon="plus" busy={busy} onClick={() => filesRef.current?.click()}>
          Choose files
        </Button>
        <Button variant="ghost" disabled={busy} onClick={() => folderRef.current?.click()}>
          Choose folder
        </Button>
        <input
          ref={filesRef}
          type="file"
          multiple
          accept={accept}
          hidden
          aria-label="Image files"
          onChange={(event) => {
            const files = filesFromInput(event.target.files);
            event.target.value = '';
            if (files.length > 0) onFiles(files);
          }}
        />
        <input
          ref={folderRef}
          type="file"
          multiple
          hidden
          aria-label="Image folder"
          // Not in React's types, but honoured by Chromium and Electron.
          {...{ webkitdirectory: '', directory: '' }}
          onChange={(event) => {
            const files = filesFromInput(event.target.files);
            event.target.value = '';
            if (files.length > 0) onFiles(files);
          }}
        />
      </div>
      {children}
    </section>
  );
}
