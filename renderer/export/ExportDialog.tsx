// Export: choose what (approved, the selection, the current filter, a board), presets and format, the naming
// template with its dry run, the overwrite policy, crops with their safe zone, alt text, then progress.
import { useEffect, useState } from 'react';
import type { CropPreview, ExportItem, ExportPreset } from '../../shared/export-contract';
import { EXPORT_FORMATS, type OVERWRITE_POLICIES } from '../../shared/export-contract';
import { api } from '../api';
import { useAppInfoStore } from '../app/app-info';
import { Button, Checkbox, Dialog, ErrorCard, Field, ProgressBar } from '../components';
import { readableError } from '../lib/errors';
import { type ExportOrigin, type SourceKind, useExportStore } from './store';
import './export.css';

/** History's header: the Export… button and its dialog. */
export function HistoryExport(origin: ExportOrigin) {
  return (
    <>
      <Button
        variant="secondary"
        icon="download"
        size="sm"
        onClick={() => useExportStore.getState().show(origin)}
      >
        Export…
      </Button>
      <ExportDialog />
    </>
  );
}

const SOURCES: { kind: SourceKind; label: string }[] = [
  { kind: 'approved', label: 'Approved images' },
  { kind: 'selection', label: 'Selected images' },
  { kind: 'history', label: 'Current filter' },
  { kind: 'board', label: 'Board' },
];

export function ExportDialog() {
  const s = useExportStore();
  const running = s.report?.state === 'running';
  const [focus, setFocus] = useState<number | null>(null);
  const preset = s.presets.find((p) => p.id === s.options.presetIds?.[0]) ?? null;
  const focused = s.items.find((i) => i.outputId === focus) ?? s.items[0] ?? null;
  const error = s.error ? readableError(s.error) : null;
  const available = (kind: SourceKind) =>
    kind === 'approved' ||
    (kind === 'selection' && s.origin.selection.length > 0) ||
    (kind === 'history' && s.origin.history !== null) ||
    (kind === 'board' && s.origin.boardId !== null);
  const presetIds = s.options.presetIds ?? [];
  return (
    <Dialog open={s.open} onClose={() => s.close()} label="Export" className="export-dialog">
      <header className="export-dialog__head">
        <h2>Export</h2>
        <Button variant="ghost" size="sm" onClick={() => s.close()}>
          Close
        </Button>
      </header>
      <div className="export-dialog__body">
        <section className="export-dialog__options" aria-label="Options">
          <fieldset className="export-sources">
            <legend>What</legend>
            {SOURCES.map((source) => (
              <label key={source.kind}>
                <input
                  type="radio"
                  name="export-source"
                  checked={s.sourceKind === source.kind}
                  disabled={!available(source.kind)}
                  onChange={() => s.setSource(source.kind)}
                />
                {source.label}
              </label>
            ))}
          </fieldset>
          <fieldset className="export-presets">
            <legend>Presets</legend>
            {s.presets.map((p) => (
              <Checkbox
                key={p.id}
                label={`${p.name} (${p.sizes.length} size${p.sizes.length === 1 ? '' : 's'})`}
                checked={presetIds.includes(p.id)}
                onChange={(on) =>
                  s.setOptions({
                    presetIds: on ? [...presetIds, p.id] : presetIds.filter((id) => id !== p.id),
                  })
                }
              />
            ))}
          </fieldset>
          <Field label="Folder" hint="A full path on this computer; files never go outside it.">
            {({ id, describedBy }) => (
              <input
                id={id}
                aria-describedby={describedBy}
                value={s.options.folder}
                placeholder="/home/you/Exports/spring"
                onChange={(e) => s.setOptions({ folder: e.target.value })}
              />
            )}
          </Field>
          <Field
            label="File names"
            hint="{board} {style} {slug} {seed} {width} {height} {ext} {preset} {size} {run} {output} {index} {provider} {model} {date}"
          >
            {({ id, describedBy }) => (
              <input
                id={id}
                aria-describedby={describedBy}
                value={s.options.template ?? ''}
                onChange={(e) => s.setOptions({ template: e.target.value })}
              />
            )}
          </Field>
          <div className="export-row">
            <Field label="Format">
              {({ id }) => (
                <select
                  id={id}
                  value={s.options.format ?? ''}
                  onChange={(e) =>
                    s.setOptions({
                      format:
                        e.target.value === '' ? null : (e.target.value as (typeof EXPORT_FORMATS)[number]),
                    })
                  }
                >
                  <option value="">Each preset's own</option>
                  {EXPORT_FORMATS.map((f) => (
                    <option key={f} value={f}>
                      {f.toUpperCase()}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Quality">
              {({ id }) => (
                <input
                  id={id}
                  type="number"
                  min={1}
                  max={100}
                  placeholder="preset"
                  value={s.options.quality ?? ''}
                  onChange={(e) =>
                    s.setOptions({ quality: e.target.value === '' ? null : Number(e.target.value) })
                  }
                />
              )}
            </Field>
            <Field label="If a file exists">
              {({ id }) => (
                <select
                  id={id}
                  value={s.options.overwrite ?? 'rename'}
                  onChange={(e) =>
                    s.setOptions({ overwrite: e.target.value as (typeof OVERWRITE_POLICIES)[number] })
                  }
                >
                  <option value="rename">Keep both (number the new one)</option>
                  <option value="skip">Skip it</option>
                  <option value="replace">Replace it</option>
                </select>
              )}
            </Field>
          </div>
          <div className="export-row">
            <Field label="Metadata">
              {({ id }) => (
                <select
                  id={id}
                  value={s.options.metadata ?? ''}
                  onChange={(e) =>
                    s.setOptions({
                      metadata:
                        e.target.value === '' ? null : (e.target.value as 'full' | 'parameters' | 'strip'),
                    })
                  }
                >
                  <option value="">As in Settings → Files</option>
                  <option value="full">Parameters and provenance</option>
                  <option value="parameters">Parameters only</option>
                  <option value="strip">Strip everything</option>
                </select>
              )}
            </Field>
            <Field label="Watermark">
              {({ id }) => (
                <input
                  id={id}
                  placeholder="none"
                  value={s.options.watermark?.text ?? ''}
                  onChange={(e) =>
                    s.setOptions({
                      watermark: e.target.value.trim() === '' ? null : { text: e.target.value },
                    })
                  }
                />
              )}
            </Field>
          </div>
          <Checkbox
            label="CMYK for print presets (TIFF or JPEG, built-in profile)"
            checked={s.options.cmyk ?? false}
            onChange={(cmyk) => s.setOptions({ cmyk })}
          />
          <Checkbox
            label="Also make a zip"
            checked={s.options.zip ?? false}
            onChange={(zip) => s.setOptions({ zip })}
          />
          <Checkbox
            label="Export web images without approved alt text"
            checked={s.options.allowMissingAltText ?? false}
            onChange={(allowMissingAltText) => s.setOptions({ allowMissingAltText })}
          />
        </section>
        <section className="export-dialog__side">
          <h3>
            {s.items.length} image{s.items.length === 1 ? '' : 's'}
          </h3>
          <ul className="export-items">
            {s.items.map((item) => (
              <AltTextRow
                key={item.outputId}
                item={item}
                active={focused?.outputId === item.outputId}
                onFocus={() => setFocus(item.outputId)}
                missing={s.plan?.missingAltText.includes(item.outputId) ?? false}
              />
            ))}
          </ul>
          {focused && preset ? <CropEditor item={focused} preset={preset} /> : null}
        </section>
      </div>
      <section className="export-plan" aria-label="Files">
        {s.plan ? (
          <>
            <p>
              {s.plan.total} file{s.plan.total === 1 ? '' : 's'} from {s.plan.outputs} image
              {s.plan.outputs === 1 ? '' : 's'}, plus manifest.json and manifest.csv — {s.plan.counts.write}{' '}
              new, {s.plan.counts.rename} renamed, {s.plan.counts.replace} replaced, {s.plan.counts.skip}{' '}
              skipped.
              {s.plan.blocked
                ? ` ${s.plan.missingAltText.length} image(s) need approved alt text for web presets.`
                : ''}
            </p>
            <ol className="export-plan__files">
              {s.plan.files.map((f) => (
                <li key={f.path} data-action={f.action}>
                  <code>{f.path}</code> {f.width}×{f.height}{' '}
                  {f.action !== 'write' ? (
                    <em>
                      {f.action}
                      {f.wanted ? ` (${f.wanted} exists)` : ''}
                    </em>
                  ) : null}
                </li>
              ))}
            </ol>
          </>
        ) : (
          <p>Choose a folder to see the files before anything is written.</p>
        )}
      </section>
      {error ? <ErrorCard error={error} compact /> : null}
      <footer className="export-dialog__foot">
        {s.report ? <ExportProgress /> : null}
        {running ? (
          <Button variant="secondary" onClick={() => void s.cancel()}>
            Cancel export
          </Button>
        ) : (
          <Button onClick={() => void s.start()} disabled={!s.plan || s.plan.blocked}>
            Export {s.plan?.total ?? ''} files
          </Button>
        )}
      </footer>
    </Dialog>
  );
}

function ExportProgress() {
  const report = useExportStore((s) => s.report);
  const canShow = useAppInfoStore((s) => s.info?.canShowInFolder ?? false);
  if (!report) return null;
  const percent = report.total === 0 ? 100 : Math.round((report.done / report.total) * 100);
  return (
    <div className="export-progress" role="status">
      {report.state === 'running' ? <ProgressBar value={percent} label="Export progress" /> : null}
      <span>
        {report.state === 'running'
          ? `${report.done} of ${report.total}`
          : report.state === 'done'
            ? `Done: ${report.written} written, ${report.skipped} skipped${report.zip ? `, ${report.zip}` : ''} in ${report.folder}`
            : report.state === 'cancelled'
              ? 'Cancelled: nothing was written.'
              : `Failed: ${report.error?.message ?? report.state}`}
      </span>
      {report.state === 'done' && canShow ? (
        <Button
          size="sm"
          variant="ghost"
          onClick={() => void api.call('export.showFolder', { id: report.id })}
        >
          Show in folder
        </Button>
      ) : null}
    </div>
  );
}

function AltTextRow({
  item,
  active,
  missing,
  onFocus,
}: {
  item: ExportItem;
  active: boolean;
  missing: boolean;
  onFocus(): void;
}) {
  const [text, setText] = useState(item.altText?.text ?? '');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => setText(item.altText?.text ?? ''), [item.altText?.text]);
  const store = useExportStore.getState();
  const save = async (approve: boolean) => {
    const saved = await api.call('altText.save', { outputId: item.outputId, text, approve });
    if (saved.ok) store.altText(saved.value);
    setProblem(saved.ok ? null : readableError(saved.error).detail);
  };
  const draft = async () => {
    setBusy(true);
    const drafted = await api.call('altText.draft', { outputId: item.outputId });
    setBusy(false);
    if (drafted.ok) store.altText(drafted.value);
    setProblem(drafted.ok ? null : readableError(drafted.error).detail);
  };
  return (
    <li className={active ? 'export-item export-item--active' : 'export-item'} data-output-id={item.outputId}>
      <button
        type="button"
        className="export-item__thumb"
        onClick={onFocus}
        aria-label={`Crop of image ${item.outputId}`}
      >
        <img src={api.mediaUrl(item.thumbPath)} alt="" />
      </button>
      <div className="export-item__alt">
        <textarea
          aria-label={`Alt text for image ${item.outputId}`}
          value={text}
          maxLength={1000}
          rows={2}
          onChange={(e) => setText(e.target.value)}
        />
        <div className="export-item__buttons">
          <Button size="sm" variant="ghost" disabled={busy} onClick={() => void draft()}>
            {busy ? 'Drafting…' : 'Draft'}
          </Button>
          <Button size="sm" variant="secondary" disabled={text.trim() === ''} onClick={() => void save(true)}>
            Approve
          </Button>
          <span className="export-item__state">
            {item.altText?.approved
              ? 'Approved'
              : missing
                ? 'Needs alt text'
                : item.altText
                  ? `Draft (${item.altText.source})`
                  : ''}
          </span>
        </div>
        {problem ? <p className="export-item__problem">{problem}</p> : null}
      </div>
    </li>
  );
}

const STEP = 0.1;

function CropEditor({ item, preset }: { item: ExportItem; preset: ExportPreset }) {
  const [preview, setPreview] = useState<CropPreview | null>(null);
  useEffect(() => {
    let live = true;
    void api.call('export.cropPreview', { outputId: item.outputId, presetId: preset.id }).then((r) => {
      if (live && r.ok) setPreview(r.value);
    });
    return () => {
      live = false;
    };
  }, [item.outputId, preset.id]);
  const nudge = async (dx: number, dy: number) => {
    if (!preview) return;
    const x = Math.max(-1, Math.min(1, preview.offset.x + dx));
    const y = Math.max(-1, Math.min(1, preview.offset.y + dy));
    const r = await api.call('export.setCrop', { outputId: item.outputId, presetId: preset.id, x, y });
    if (r.ok) setPreview(r.value);
  };
  if (!preview) return null;
  const pct = (v: number, of: number) => `${(v / of) * 100}%`;
  const box = (r: { left: number; top: number; width: number; height: number }) => ({
    left: pct(r.left, preview.source.width),
    top: pct(r.top, preview.source.height),
    width: pct(r.width, preview.source.width),
    height: pct(r.height, preview.source.height),
  });
  return (
    <figure className="export-crop" aria-label={`Crop for ${preset.name}`}>
      <div
        className="export-crop__stage"
        style={{ aspectRatio: `${preview.source.width} / ${preview.source.height}` }}
      >
        <img src={api.mediaUrl(item.path)} alt="" />
        <div className="export-crop__window" style={box(preview.crop)} />
        {preview.safe ? (
          <div className="export-crop__safe" style={box(preview.safe)} title="Text-safe zone" />
        ) : null}
      </div>
      <figcaption>
        {preset.name}, {preview.target.width}×{preview.target.height}: dashed is the text-safe zone.
        <span className="export-crop__nudge">
          <Button size="sm" variant="ghost" onClick={() => void nudge(-STEP, 0)} aria-label="Move crop left">
            ←
          </Button>
          <Button size="sm" variant="ghost" onClick={() => void nudge(STEP, 0)} aria-label="Move crop right">
            →
          </Button>
          <Button size="sm" variant="ghost" onClick={() => void nudge(0, -STEP)} aria-label="Move crop up">
            ↑
          </Button>
          <Button size="sm" variant="ghost" onClick={() => void nudge(0, STEP)} aria-label="Move crop down">
            ↓
          </Button>
        </span>
      </figcaption>
    </figure>
  );
}
