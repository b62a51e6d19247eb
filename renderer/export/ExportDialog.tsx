// Export: choose what (approved, the selection, the current filter, a board), presets and format, the naming
// template with its dry run, the overwrite policy, crops with their safe zone, alt text, then progress.
import { type CSSProperties, useEffect, useState } from 'react';
import type {
  CropPreview,
  ExportFormat,
  ExportItem,
  ExportPreset,
  OverwritePolicy,
  PlannedFile,
  Watermark,
} from '../../shared/export-contract';
import { EXPORT_FORMATS, NAME_FIELDS } from '../../shared/export-contract';
import type { MetadataMode } from '../../shared/metadata-contract';
import { api } from '../api';
import { useAppInfoStore } from '../app/app-info';
import {
  Button,
  Checkbox,
  Dialog,
  ErrorCard,
  Field,
  ProgressBar,
  SegmentedControl,
  Select,
  TabPanel,
  Tabs,
} from '../components';
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

type WatermarkPosition = NonNullable<Watermark['position']>;

const SOURCES: { kind: SourceKind; label: string }[] = [
  { kind: 'approved', label: 'Approved images' },
  { kind: 'selection', label: 'Selected images' },
  { kind: 'history', label: 'Current filter' },
  { kind: 'board', label: 'Board' },
];

const SOURCE_HINT: Record<SourceKind, string> = {
  approved: 'Every approved image in the library.',
  selection: 'The images selected in History.',
  history: 'Every image History shows with its current filters.',
  board: 'Every image on the board.',
};

const OVERWRITE_OPTIONS = [
  { value: 'rename', label: 'Keep both (number the new one)' },
  { value: 'skip', label: 'Skip it' },
  { value: 'replace', label: 'Replace it' },
];
const METADATA_OPTIONS = [
  { value: '', label: 'As in Settings → Files' },
  { value: 'full', label: 'Parameters and provenance' },
  { value: 'parameters', label: 'Parameters only' },
  { value: 'strip', label: 'Strip everything' },
];
const FORMAT_OPTIONS = [
  { value: '', label: "Each preset's own" },
  ...EXPORT_FORMATS.map((f) => ({ value: f, label: f.toUpperCase() })),
];
const WATERMARK_POSITIONS = [
  { value: 'bottom-right', label: 'Bottom right' },
  { value: 'bottom-left', label: 'Bottom left' },
  { value: 'top-right', label: 'Top right' },
  { value: 'top-left', label: 'Top left' },
  { value: 'center', label: 'Centre' },
];

const presetSizes = (p: ExportPreset) => `${p.sizes.length} size${p.sizes.length === 1 ? '' : 's'}`;

export function ExportDialog() {
  const s = useExportStore();
  const running = s.report?.state === 'running';
  const [focus, setFocus] = useState<number | null>(null);
  const presetIds = s.options.presetIds ?? [];
  const chosen = s.presets.filter((p) => presetIds.includes(p.id));
  const [cropTab, setCropTab] = useState<string | null>(null);
  const cropPreset = chosen.find((p) => p.id === cropTab) ?? chosen[0] ?? null;
  const focused = s.items.find((i) => i.outputId === focus) ?? s.items[0] ?? null;
  const error = s.error ? readableError(s.error) : null;
  const available = (kind: SourceKind) =>
    kind === 'approved' ||
    (kind === 'selection' && s.origin.selection.length > 0) ||
    (kind === 'history' && s.origin.history !== null) ||
    (kind === 'board' && s.boards.length > 0);
  const watermark = s.options.watermark ?? null;
  return (
    <Dialog open={s.open} onClose={() => s.close()} label="Export" className="export-dialog">
      <div className="export-dialog__frame">
        <header className="export-dialog__head">
          <h2>Export</h2>
          <Button variant="ghost" size="sm" icon="close" aria-label="Close" onClick={() => s.close()} />
        </header>
        <div className="export-dialog__body">
          <section className="export-dialog__options" aria-label="Options">
            <fieldset className="export-set">
              <legend>What</legend>
              <SegmentedControl
                label="What"
                value={s.sourceKind}
                options={SOURCES.map((source) => ({
                  value: source.kind,
                  label: source.label,
                  disabled: !available(source.kind),
                }))}
                onChange={(kind) => s.setSource(kind)}
              />
              {s.sourceKind === 'board' ? (
                <Select
                  aria-label="Board"
                  value={String(s.boardId ?? '')}
                  options={s.boards.map((b) => ({
                    value: String(b.id),
                    label: `${b.name} (${b.outputsCount})`,
                  }))}
                  onChange={(e) => s.setBoard(Number(e.target.value))}
                />
              ) : null}
              <p className="export-hint">{SOURCE_HINT[s.sourceKind]}</p>
            </fieldset>
            <fieldset className="export-set">
              <legend>Presets</legend>
              <div className="export-presets">
                {s.presets.map((p) => (
                  <Checkbox
                    key={p.id}
                    label={
                      <>
                        {p.name} <span className="muted">({presetSizes(p)})</span>
                      </>
                    }
                    checked={presetIds.includes(p.id)}
                    onChange={(on) =>
                      s.setOptions({
                        presetIds: on ? [...presetIds, p.id] : presetIds.filter((id) => id !== p.id),
                      })
                    }
                  />
                ))}
              </div>
            </fieldset>
            <Field label="Folder" hint="A full path on this computer; files never go outside it.">
              {({ id, describedBy }) => (
                <input
                  id={id}
                  className="input"
                  aria-describedby={describedBy}
                  value={s.options.folder}
                  placeholder="/home/you/Exports/spring"
                  spellCheck={false}
                  onChange={(e) => s.setOptions({ folder: e.target.value })}
                />
              )}
            </Field>
            <Field label="File names" hint={NAME_FIELDS.map((f) => `{${f}}`).join(' ')}>
              {({ id, describedBy }) => (
                <input
                  id={id}
                  className="input export-mono"
                  aria-describedby={describedBy}
                  value={s.options.template ?? ''}
                  spellCheck={false}
                  onChange={(e) => s.setOptions({ template: e.target.value })}
                />
              )}
            </Field>
            <div className="export-row">
              <Field label="Format">
                {({ id }) => (
                  <Select
                    id={id}
                    value={s.options.format ?? ''}
                    options={FORMAT_OPTIONS}
                    onChange={(e) =>
                      s.setOptions({
                        format: e.target.value === '' ? null : (e.target.value as ExportFormat),
                      })
                    }
                  />
                )}
              </Field>
              <Field label="Quality">
                {({ id }) => (
                  <input
                    id={id}
                    className="input"
                    type="number"
                    min={1}
                    max={100}
                    placeholder="Preset's"
                    value={s.options.quality ?? ''}
                    onChange={(e) =>
                      s.setOptions({ quality: e.target.value === '' ? null : Number(e.target.value) })
                    }
                  />
                )}
              </Field>
              <Field label="If a file exists">
                {({ id }) => (
                  <Select
                    id={id}
                    value={s.options.overwrite ?? 'rename'}
                    options={OVERWRITE_OPTIONS}
                    onChange={(e) => s.setOptions({ overwrite: e.target.value as OverwritePolicy })}
                  />
                )}
              </Field>
            </div>
            <div className="export-row">
              <Field label="Metadata">
                {({ id }) => (
                  <Select
                    id={id}
                    value={s.options.metadata ?? ''}
                    options={METADATA_OPTIONS}
                    onChange={(e) =>
                      s.setOptions({
                        metadata: e.target.value === '' ? null : (e.target.value as MetadataMode),
                      })
                    }
                  />
                )}
              </Field>
              <Field label="Watermark">
                {({ id }) => (
                  <input
                    id={id}
                    className="input"
                    placeholder="None"
                    value={watermark?.text ?? ''}
                    onChange={(e) =>
                      s.setOptions({
                        watermark:
                          e.target.value.trim() === '' ? null : { ...watermark, text: e.target.value },
                      })
                    }
                  />
                )}
              </Field>
              {watermark ? (
                <Field label="Watermark at">
                  {({ id }) => (
                    <Select
                      id={id}
                      value={watermark.position ?? 'bottom-right'}
                      options={WATERMARK_POSITIONS}
                      onChange={(e) =>
                        s.setOptions({
                          watermark: { ...watermark, position: e.target.value as WatermarkPosition },
                        })
                      }
                    />
                  )}
                </Field>
              ) : null}
            </div>
            <div className="export-checks">
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
            </div>
          </section>
          <section className="export-dialog__side" aria-label="Images">
            <div className="export-side__head">
              <h3>
                {s.items.length} image{s.items.length === 1 ? '' : 's'}
              </h3>
              <DraftMissing items={s.items} />
            </div>
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
            {focused && cropPreset ? (
              <div className="export-crops">
                <Tabs
                  label="Crop preview"
                  idBase="export-crop"
                  items={chosen.map((p) => ({ value: p.id, label: p.name }))}
                  value={cropPreset.id}
                  onChange={setCropTab}
                />
                <TabPanel idBase="export-crop" value={cropPreset.id}>
                  <CropEditor item={focused} preset={cropPreset} />
                </TabPanel>
              </div>
            ) : null}
          </section>
        </div>
        <section className="export-plan" aria-label="Files">
          {s.plan ? (
            <>
              <p className="export-plan__summary">
                <strong>
                  {s.plan.total} file{s.plan.total === 1 ? '' : 's'} from {s.plan.outputs} image
                  {s.plan.outputs === 1 ? '' : 's'}
                </strong>
                , plus manifest.json and manifest.csv — {s.plan.counts.write} new, {s.plan.counts.rename}{' '}
                renamed, {s.plan.counts.replace} replaced, {s.plan.counts.skip} skipped.
                {s.plan.clashes > 0 ? (
                  <span className="export-plan__blocked">
                    {' '}
                    {s.plan.clashes} file{s.plan.clashes === 1 ? '' : 's'} share a name with another image's
                    and {s.plan.clashes === 1 ? 'is' : 'are'} numbered: add {'{aspect}'} or {'{output}'} to
                    the file names to tell them apart.
                  </span>
                ) : null}
                {s.plan.blocked ? (
                  <span className="export-plan__blocked">
                    {' '}
                    {s.plan.missingAltText.length} image(s) need approved alt text for web presets.
                  </span>
                ) : null}
              </p>
              <ol className="export-plan__files">
                {s.plan.files.map((f) => (
                  <li key={f.path} data-action={f.action}>
                    <code>{f.path}</code>{' '}
                    <span className="muted">
                      {f.width}×{f.height}
                    </span>{' '}
                    {f.action !== 'write' ? <em>{plannedAction(f)}</em> : null}
                  </li>
                ))}
                {s.plan.total > s.plan.files.length ? (
                  <li className="muted">…and {s.plan.total - s.plan.files.length} more</li>
                ) : null}
              </ol>
            </>
          ) : (
            <p className="export-plan__summary muted">
              Choose a folder to see the files before anything is written.
            </p>
          )}
        </section>
        <footer className="export-dialog__foot">
          {error ? <ErrorCard error={error} compact /> : null}
          {s.report ? <ExportProgress /> : <span />}
          {running ? (
            <Button variant="secondary" onClick={() => void s.cancel()}>
              Cancel export
            </Button>
          ) : (
            <Button
              variant="primary"
              icon="download"
              onClick={() => void s.start()}
              disabled={!s.plan || s.plan.blocked}
            >
              Export {s.plan?.total ?? ''} files
            </Button>
          )}
        </footer>
      </div>
    </Dialog>
  );
}

/** What the dry run will do with a file that is not simply new. */
function plannedAction(file: PlannedFile): string {
  if (file.action === 'rename' && file.takenBy === 'export') return 'numbered: another image got this name';
  if (file.action === 'rename') return `kept beside ${file.wanted ?? 'the file'}, which exists`;
  if (file.action === 'replace') return 'replaces the file there';
  return 'skipped: a file is there';
}

/** Drafts alt text, one image after another, for every image that has none yet. */
function DraftMissing({ items }: { items: ExportItem[] }) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const missing = items.filter((item) => !item.altText);
  if (missing.length === 0 && !problem) return null;
  const run = async () => {
    setBusy(true);
    setProblem(null);
    for (const item of missing) {
      const drafted = await api.call('altText.draft', { outputId: item.outputId });
      if (!drafted.ok) {
        setProblem(readableError(drafted.error).detail);
        break;
      }
      useExportStore.getState().altText(drafted.value);
    }
    setBusy(false);
  };
  return (
    <span className="export-side__draft">
      {missing.length > 0 ? (
        <Button size="sm" variant="ghost" disabled={busy} onClick={() => void run()}>
          {busy ? 'Drafting…' : `Draft alt text for ${missing.length}`}
        </Button>
      ) : null}
      {problem ? <span className="export-item__problem">{problem}</span> : null}
    </span>
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
          placeholder="What a reader who cannot see the image needs to know"
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
          <span
            className="export-item__state"
            data-state={item.altText?.approved ? 'approved' : missing ? 'missing' : 'draft'}
          >
            {item.altText?.approved
              ? 'Approved'
              : item.altText
                ? `${item.altText.source === 'manual' ? 'Saved' : `Draft (${item.altText.source})`}, not approved`
                : missing
                  ? 'Needs alt text'
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
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setProblem(null);
    void api.call('export.cropPreview', { outputId: item.outputId, presetId: preset.id }).then((r) => {
      if (!live) return;
      if (r.ok) setPreview(r.value);
      else setProblem(readableError(r.error).detail);
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
    setProblem(r.ok ? null : readableError(r.error).detail);
  };
  if (problem) return <p className="export-item__problem">{problem}</p>;
  if (!preview) return null;
  const pct = (v: number, of: number) => `${(v / of) * 100}%`;
  const box = (r: { left: number; top: number; width: number; height: number }) => ({
    left: pct(r.left, preview.source.width),
    top: pct(r.top, preview.source.height),
    width: pct(r.width, preview.source.width),
    height: pct(r.height, preview.source.height),
  });
  const moved = preview.offset.x !== 0 || preview.offset.y !== 0;
  return (
    <figure className="export-crop" aria-label={`Crop for ${preset.name}`}>
      <div
        className="export-crop__stage"
        style={
          {
            aspectRatio: `${preview.source.width} / ${preview.source.height}`,
            '--ratio': preview.source.width / Math.max(1, preview.source.height),
          } as CSSProperties
        }
      >
        <img src={api.mediaUrl(item.path)} alt="" />
        <div className="export-crop__window" style={box(preview.crop)} />
        {preview.safe ? (
          <div className="export-crop__safe" style={box(preview.safe)} title="Text-safe zone" />
        ) : null}
      </div>
      <figcaption className="export-crop__caption">
        <span>
          {preview.target.width}×{preview.target.height}
          {preview.safe ? (
            <>
              {' '}
              · <span className="export-crop__key">dashed</span>: keep text inside
            </>
          ) : null}
        </span>
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
          <Button
            size="sm"
            variant="ghost"
            disabled={!moved}
            onClick={() => void nudge(-preview.offset.x, -preview.offset.y)}
          >
            Reset
          </Button>
        </span>
      </figcaption>
    </figure>
  );
}
