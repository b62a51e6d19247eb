// Import images made by other tools (A1111/Forge, ComfyUI, InvokeAI, NovelAI, Fooocus, SwarmUI, Midjourney)
// into History: files, folders or a folder path; progress, cancel, and a report per tool with every failure.

import { useId } from 'react';
import type { ImportFailureReason } from '../../shared/import-contract';
import { IMPORT_SOURCE_NAMES, IMPORT_SOURCES } from '../../shared/import-sources';
import { api } from '../api';
import { Button, Dialog, DropZone, ErrorCard, Field, ProgressBar } from '../components';
import { readableError } from '../lib/errors';
import { isImageName } from '../lib/files';
import { useImportsStore } from './store';
import './imports.css';

const REASON: Record<ImportFailureReason, string> = {
  corrupt: 'Damaged',
  too_large: 'Too large',
  unsupported: 'Not supported',
  unreadable: 'Could not be read',
  not_found: 'Not found',
};

/** What History's header shows: the Import… button and its dialog. */
export function HistoryImport() {
  return (
    <>
      <ImportButton />
      <ImportDialog />
    </>
  );
}

/** History's header button; shows the running import's progress when the dialog is closed. */
export function ImportButton() {
  const report = useImportsStore((s) => s.report);
  const running = report?.state === 'running';
  return (
    <Button
      variant="secondary"
      icon="download"
      size="sm"
      onClick={() => useImportsStore.getState().show()}
      title="Import images made in other tools, with their prompts and settings"
    >
      {running
        ? `Importing ${report.processed.toLocaleString()} of ${report.found.toLocaleString()}…`
        : 'Import…'}
    </Button>
  );
}

export function ImportDialog() {
  const s = useImportsStore();
  const titleId = useId();
  const images = s.picked.filter((p) => isImageName(p.file.name) || p.file.type.startsWith('image/'));
  const report = s.report;
  const running = report?.state === 'running';
  const canStart = !running && !s.sending && (images.length > 0 || s.folderPath.trim() !== '');
  const imported = report ? Object.values(report.imported).reduce((a, b) => a + b, 0) : 0;

  return (
    <Dialog open={s.open} onClose={s.close} labelledBy={titleId} className="import-dialog">
      <header className="import-dialog__header">
        <h2 id={titleId} className="import-dialog__title">
          Import images
        </h2>
        <p className="import-dialog__lead">
          Images from AUTOMATIC1111, Forge, ComfyUI, InvokeAI, NovelAI, Fooocus, SwarmUI, Midjourney or
          Atelier become runs in History with their prompts and settings. Files stay as they are; the same
          file twice imports once.
        </p>
      </header>
      {!report && (
        <div className="import-dialog__body">
          <DropZone
            title={
              images.length > 0
                ? `${images.length.toLocaleString()} images chosen`
                : 'Drop images or folders here'
            }
            hint="Folders are read with everything inside them."
            onFiles={s.setPicked}
          />
          <Field
            label="Or a folder on this computer"
            hint={
              api.mode === 'browser'
                ? 'Atelier reads it directly, sub-folders included (useful for very large archives).'
                : 'Sub-folders included.'
            }
          >
            {({ id, describedBy }) => (
              <input
                id={id}
                className="input"
                aria-describedby={describedBy}
                placeholder="/home/me/stable-diffusion/outputs"
                value={s.folderPath}
                onChange={(event) => s.setFolderPath(event.target.value)}
              />
            )}
          </Field>
          <details className="import-dialog__mj">
            <summary>From Midjourney: paste the prompt lines</summary>
            <Field
              label="Midjourney prompts"
              hint="One line per image, flags included (--ar, --seed, --s, --c, --v, --sref…). Each image takes the line whose first words its file name holds, else they go in order."
            >
              {({ id, describedBy }) => (
                <textarea
                  id={id}
                  className="input import-dialog__prompts"
                  aria-describedby={describedBy}
                  rows={4}
                  placeholder="/imagine prompt: a red fox in the snow --ar 3:2 --s 250 --v 6.1"
                  value={s.midjourney}
                  onChange={(event) => s.setMidjourney(event.target.value)}
                />
              )}
            </Field>
          </details>
        </div>
      )}
      {report && (
        <section className="import-report" aria-live="polite" aria-label="Import progress">
          <ProgressBar
            label="Imported so far"
            value={report.found > 0 ? Math.min(1, report.processed / report.found) : undefined}
          />
          <p className="import-report__status">
            {report.state === 'running'
              ? `${report.processed.toLocaleString()} of ${report.found.toLocaleString()} files…`
              : report.state === 'cancelled'
                ? `Cancelled after ${report.processed.toLocaleString()} files.`
                : `Done: ${imported.toLocaleString()} new ${imported === 1 ? 'run' : 'runs'}.`}
          </p>
          <dl className="import-report__counts">
            {IMPORT_SOURCES.filter((source) => (report.imported[source] ?? 0) > 0).map((source) => (
              <div key={source} className="import-report__count">
                <dt>{IMPORT_SOURCE_NAMES[source]}</dt>
                <dd data-source={source}>{report.imported[source]!.toLocaleString()}</dd>
              </div>
            ))}
            {report.duplicates > 0 && (
              <div className="import-report__count">
                <dt>Already in the library</dt>
                <dd data-source="duplicates">{report.duplicates.toLocaleString()}</dd>
              </div>
            )}
            {report.failed.length > 0 && (
              <div className="import-report__count import-report__count--failed">
                <dt>Not imported</dt>
                <dd data-source="failed">{report.failed.length.toLocaleString()}</dd>
              </div>
            )}
          </dl>
          {report.failed.length > 0 && (
            <ul className="import-report__failures" aria-label="Files not imported">
              {report.failed.map((failure) => (
                <li key={failure.name} className="import-report__failure">
                  <span className="import-report__file">{failure.name}</span>
                  <span className="import-report__reason">{REASON[failure.reason]}</span>
                  <span className="import-report__message">{failure.message}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
      {s.error && <ErrorCard error={readableError(s.error, 'Atelier', 'The import did not start')} compact />}
      <footer className="import-dialog__footer">
        {running ? (
          <Button variant="secondary" onClick={() => void s.cancel()}>
            Cancel import
          </Button>
        ) : (
          <Button variant="ghost" onClick={s.close}>
            {report ? 'Close' : 'Cancel'}
          </Button>
        )}
        {!report && (
          <Button variant="primary" disabled={!canStart} busy={s.sending} onClick={() => void s.start()}>
            Import
          </Button>
        )}
        {report && !running && (
          <Button
            variant="primary"
            onClick={() => useImportsStore.setState({ report: null, picked: [], error: null })}
          >
            Import more
          </Button>
        )}
      </footer>
    </Dialog>
  );
}
