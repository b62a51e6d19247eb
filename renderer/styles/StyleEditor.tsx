import { useEffect, useId, useState } from 'react';
import {
  ASPECT_RATIOS,
  type AspectRatio,
  TASK_TYPE_LABELS,
  TASK_TYPES,
  type TaskType,
} from '../../shared/constants';
import type { ProviderInfo } from '../../shared/domain';
import { SAMPLE_SUBJECT, type StyleFields, type StyleOverrides } from '../../shared/library-contract';
import { api } from '../api';
import { send } from '../app/actions';
import { findModel, providerName, useCatalogStore } from '../app/catalog';
import { useAppStore } from '../app/store';
import {
  Badge,
  Button,
  Dialog,
  ErrorCard,
  Field,
  FilterChips,
  Icon,
  SegmentedControl,
  Select,
  Spinner,
  TabPanel,
  Tabs,
} from '../components';
import { readableError } from '../lib/errors';
import { downloadUrl } from '../lib/files';
import { AttachReferencesDialog, MAX_STYLE_REFERENCES } from './AttachReferencesDialog';
import { ARTIFACT_LABEL, STATUS_LABEL, STATUS_TONE, splitList } from './model';
import { RenderPreview } from './RenderPreview';
import { type EditorPane, useStylesStore } from './store';
import { TemplateEditor } from './TemplateEditor';
import { VersionHistory } from './VersionHistory';

/** A comma-separated list edited as text, committed on blur so typing a comma never fights the cursor. */
function ListInput({
  id,
  value,
  onChange,
  placeholder,
  describedBy,
  rows,
}: {
  id: string;
  value: string[];
  onChange: (next: string[]) => void;
  placeholder?: string;
  describedBy?: string | undefined;
  rows?: number;
}) {
  const [text, setText] = useState(value.join(', '));
  const joined = value.join(', ');
  // Follows changes from outside (a revert, another style) without fighting what is being typed.
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a change of the value itself resyncs.
  useEffect(() => {
    if (splitList(text).join(', ') !== joined) setText(joined);
  }, [joined]);
  const update = (next: string) => {
    setText(next);
    const list = splitList(next);
    if (list.join(', ') !== joined) onChange(list);
  };
  const commit = () => setText(joined);
  return rows ? (
    <textarea
      id={id}
      className="input textarea"
      rows={rows}
      value={text}
      placeholder={placeholder}
      aria-describedby={describedBy}
      onChange={(event) => update(event.target.value)}
      onBlur={commit}
    />
  ) : (
    <input
      id={id}
      className="input"
      value={text}
      placeholder={placeholder}
      aria-describedby={describedBy}
      onChange={(event) => update(event.target.value)}
      onBlur={commit}
    />
  );
}

function optional(text: string): number | undefined {
  const value = Number(text);
  return text.trim() !== '' && Number.isFinite(value) ? value : undefined;
}

function Details() {
  const draft = useStylesStore((s) => s.draft);
  const setDraft = useStylesStore((s) => s.setDraft);
  const ratioLabel = useId();
  const qualityLabel = useId();
  const defaults = draft.defaults;
  return (
    <section className="editor__section" aria-labelledby="details-title">
      <h2 className="editor__h2" id="details-title">
        Style
      </h2>
      <div className="field-row">
        <Field label="Name">
          {({ id }) => (
            <input
              id={id}
              className="input"
              maxLength={80}
              value={draft.name}
              placeholder="Cinematic product"
              onChange={(event) => setDraft({ name: event.target.value })}
            />
          )}
        </Field>
        <Field label="Owner">
          {({ id }) => (
            <input
              id={id}
              className="input"
              maxLength={80}
              value={draft.owner}
              placeholder="Who answers for this look"
              onChange={(event) => setDraft({ owner: event.target.value })}
            />
          )}
        </Field>
      </div>
      <Field label="Description">
        {({ id }) => (
          <textarea
            id={id}
            className="input textarea"
            rows={2}
            maxLength={2000}
            value={draft.description}
            onChange={(event) => setDraft({ description: event.target.value })}
          />
        )}
      </Field>
      <Field label="Tags" hint="Comma separated; searchable in the library.">
        {({ id, describedBy }) => (
          <ListInput
            id={id}
            describedBy={describedBy}
            value={draft.tags}
            placeholder="product, warm, campaign-2026"
            onChange={(tags) => setDraft({ tags: tags.map((t) => t.toLowerCase()) })}
          />
        )}
      </Field>
      <Field
        label="Style tokens"
        hint="Appended to the style vector, e.g. cinematic lighting, 35mm film grain."
      >
        {({ id, describedBy }) => (
          <ListInput
            id={id}
            rows={2}
            describedBy={describedBy}
            value={draft.styleTokens}
            placeholder="cinematic lighting, anamorphic, teal and orange"
            onChange={(styleTokens) => setDraft({ styleTokens })}
          />
        )}
      </Field>
      <div className="field-row">
        <Field label="Preferred route">
          {({ id }) => (
            <Select
              id={id}
              value={draft.preferredRoute ?? ''}
              options={[
                { value: '', label: 'Follow the request' },
                ...TASK_TYPES.map((t) => ({ value: t, label: TASK_TYPE_LABELS[t] })),
              ]}
              onChange={(event) =>
                setDraft({ preferredRoute: (event.target.value || null) as TaskType | null })
              }
            />
          )}
        </Field>
        <div className="field">
          <div className="field__top">
            <span className="field__label" id={qualityLabel}>
              Quality
            </span>
          </div>
          <SegmentedControl
            labelledBy={qualityLabel}
            value={defaults.quality ?? 'any'}
            onChange={(value) => {
              const { quality: _q, ...rest } = defaults;
              setDraft({ defaults: value === 'any' ? rest : { ...rest, quality: value } });
            }}
            options={[
              { value: 'any', label: 'Any' },
              { value: 'draft', label: 'Draft' },
              { value: 'final', label: 'Final' },
            ]}
          />
        </div>
      </div>
      <div className="field">
        <div className="field__top">
          <span className="field__label" id={ratioLabel}>
            Default aspect ratio
          </span>
        </div>
        <SegmentedControl<AspectRatio | 'any'>
          labelledBy={ratioLabel}
          value={defaults.aspectRatio ?? 'any'}
          onChange={(value) => {
            const { aspectRatio: _a, ...rest } = defaults;
            setDraft({ defaults: value === 'any' ? rest : { ...rest, aspectRatio: value } });
          }}
          options={[{ value: 'any', label: 'Any' }, ...ASPECT_RATIOS.map((r) => ({ value: r, label: r }))]}
        />
      </div>
      <div className="field-row">
        <Field label="Steps" hint="Where the model takes them.">
          {({ id, describedBy }) => (
            <input
              id={id}
              className="input input--number"
              type="number"
              min={1}
              max={150}
              aria-describedby={describedBy}
              value={defaults.steps ?? ''}
              onChange={(event) => {
                const { steps: _s, ...rest } = defaults;
                const steps = optional(event.target.value);
                setDraft({ defaults: steps === undefined ? rest : { ...rest, steps: Math.round(steps) } });
              }}
            />
          )}
        </Field>
        <Field label="Guidance">
          {({ id }) => (
            <input
              id={id}
              className="input input--number"
              type="number"
              min={0}
              max={50}
              step={0.5}
              value={defaults.guidance ?? ''}
              onChange={(event) => {
                const { guidance: _g, ...rest } = defaults;
                const guidance = optional(event.target.value);
                setDraft({ defaults: guidance === undefined ? rest : { ...rest, guidance } });
              }}
            />
          )}
        </Field>
      </div>
    </section>
  );
}

function Negatives() {
  const draft = useStylesStore((s) => s.draft);
  const groups = useStylesStore((s) => s.negatives);
  const setDraft = useStylesStore((s) => s.setDraft);
  const artifacts = [...new Set(groups.map((g) => g.artifact))];
  return (
    <section className="editor__section" aria-labelledby="negatives-title">
      <h2 className="editor__h2" id="negatives-title">
        Negatives
      </h2>
      {groups.length === 0 && <p className="field__hint">The negative library is loading or empty.</p>}
      {artifacts.map((artifact) => (
        <FilterChips
          key={artifact}
          label={ARTIFACT_LABEL[artifact]}
          className="negatives__row"
          options={groups
            .filter((g) => g.artifact === artifact)
            .map((g) => ({ value: g.slug, label: g.label, count: g.terms.length }))}
          selected={draft.negativeGroups}
          onToggle={(slug) =>
            setDraft({
              negativeGroups: draft.negativeGroups.includes(slug)
                ? draft.negativeGroups.filter((s) => s !== slug)
                : [...draft.negativeGroups, slug],
            })
          }
        />
      ))}
      <Field label="Extra negative terms" hint="Only this style’s own; comma separated.">
        {({ id, describedBy }) => (
          <ListInput
            id={id}
            describedBy={describedBy}
            value={draft.negativeTerms}
            placeholder="lens flare, chromatic aberration"
            onChange={(negativeTerms) => setDraft({ negativeTerms })}
          />
        )}
      </Field>
    </section>
  );
}

function Overrides() {
  const overrides = useStylesStore((s) => s.draft.overrides);
  const setDraft = useStylesStore((s) => s.setDraft);
  const set = (patch: Partial<StyleOverrides>) => {
    const next = { ...overrides, ...patch };
    for (const key of Object.keys(next) as (keyof StyleOverrides)[])
      if (next[key] === undefined) delete next[key];
    setDraft({ overrides: next });
  };
  const text = (value: string) => (value.trim() === '' ? undefined : value);
  return (
    <details className="editor__section editor__details">
      <summary className="editor__h2 editor__summary">Provider overrides</summary>
      <div className="field-row">
        <Field label="Leonardo preset style">
          {({ id }) => (
            <input
              id={id}
              className="input"
              value={overrides.leonardo?.presetStyle ?? ''}
              placeholder="CINEMATIC"
              onChange={(e) =>
                set({ leonardo: text(e.target.value) ? { presetStyle: e.target.value } : undefined })
              }
            />
          )}
        </Field>
        <Field label="Stability style preset">
          {({ id }) => (
            <input
              id={id}
              className="input"
              value={overrides.stability?.stylePreset ?? ''}
              placeholder="photographic"
              onChange={(e) =>
                set({ stability: text(e.target.value) ? { stylePreset: e.target.value } : undefined })
              }
            />
          )}
        </Field>
      </div>
      <div className="field-row">
        <Field label="Ideogram style type">
          {({ id }) => (
            <input
              id={id}
              className="input"
              value={overrides.ideogram?.styleType ?? ''}
              placeholder="DESIGN"
              onChange={(e) =>
                set({ ideogram: text(e.target.value) ? { styleType: e.target.value } : undefined })
              }
            />
          )}
        </Field>
        <Field label="LoRA (local SD)" hint="File name and weight, e.g. film_grain 0.7">
          {({ id, describedBy }) => (
            <input
              id={id}
              className="input"
              aria-describedby={describedBy}
              defaultValue={
                overrides.a1111 ? `${overrides.a1111.lora.name} ${overrides.a1111.lora.weight}` : ''
              }
              onBlur={(e) => {
                const [name, weight] = e.target.value.trim().split(/\s+/);
                set({
                  a1111: name
                    ? { lora: { name, weight: Number.isFinite(Number(weight)) ? Number(weight ?? 1) : 1 } }
                    : undefined,
                });
              }}
            />
          )}
        </Field>
      </div>
      <MidjourneyOverrides value={overrides.midjourney} onChange={(midjourney) => set({ midjourney })} />
      {overrides.comfyui && (
        <p className="field__hint">
          <Icon name="server" size={12} /> A ComfyUI workflow is attached (
          {Object.keys(overrides.comfyui.workflow).length} nodes).{' '}
          <button type="button" className="link" onClick={() => set({ comfyui: undefined })}>
            Remove it
          </button>
        </p>
      )}
    </details>
  );
}

type MidjourneyDraft = NonNullable<StyleOverrides['midjourney']>;

/** Copy for Midjourney's defaults: reference URLs (`--sref`, `--cref`), `--stylize`, `--chaos` and the version. */
function MidjourneyOverrides({
  value,
  onChange,
}: {
  value: MidjourneyDraft | undefined;
  onChange: (next: MidjourneyDraft | undefined) => void;
}) {
  const current: MidjourneyDraft = value ?? { sref: [], cref: [] };
  const change = (patch: Partial<MidjourneyDraft>) => {
    const next: MidjourneyDraft = { ...current, ...patch };
    for (const key of Object.keys(next) as (keyof MidjourneyDraft)[])
      if (next[key] === undefined) delete next[key];
    const empty =
      next.sref.length === 0 &&
      next.cref.length === 0 &&
      next.stylize === undefined &&
      next.chaos === undefined &&
      next.version === undefined;
    onChange(empty ? undefined : next);
  };
  const urls = (text: string) => text.split(/\s+/).filter((u) => u !== '');
  const whole = (text: string) => (text.trim() === '' ? undefined : Math.round(Number(text)));
  return (
    <>
      <h3 className="editor__h3">Midjourney</h3>
      <div className="field-row">
        <Field
          label="Style references (--sref)"
          hint="Image URLs, one per line; stored references cannot be sent"
        >
          {({ id, describedBy }) => (
            <textarea
              id={id}
              className="input"
              rows={2}
              aria-describedby={describedBy}
              defaultValue={current.sref.join('\n')}
              onBlur={(e) => change({ sref: urls(e.target.value) })}
            />
          )}
        </Field>
        <Field label="Character references (--cref)" hint="Image URLs, one per line">
          {({ id, describedBy }) => (
            <textarea
              id={id}
              className="input"
              rows={2}
              aria-describedby={describedBy}
              defaultValue={current.cref.join('\n')}
              onBlur={(e) => change({ cref: urls(e.target.value) })}
            />
          )}
        </Field>
      </div>
      <div className="field-row">
        <Field label="Stylize" hint="0–1000">
          {({ id, describedBy }) => (
            <input
              id={id}
              className="input"
              type="number"
              min={0}
              max={1000}
              aria-describedby={describedBy}
              value={current.stylize ?? ''}
              onChange={(e) => change({ stylize: whole(e.target.value) })}
            />
          )}
        </Field>
        <Field label="Chaos" hint="0–100">
          {({ id, describedBy }) => (
            <input
              id={id}
              className="input"
              type="number"
              min={0}
              max={100}
              aria-describedby={describedBy}
              value={current.chaos ?? ''}
              onChange={(e) => change({ chaos: whole(e.target.value) })}
            />
          )}
        </Field>
        <Field label="Version" hint="e.g. 7, 6.1 or niji 6">
          {({ id, describedBy }) => (
            <input
              id={id}
              className="input"
              aria-describedby={describedBy}
              value={current.version ?? ''}
              onChange={(e) => change({ version: e.target.value.trim() === '' ? undefined : e.target.value })}
            />
          )}
        </Field>
      </div>
    </>
  );
}

function References() {
  const paths = useStylesStore((s) => s.draft.referencePaths);
  const setDraft = useStylesStore((s) => s.setDraft);
  const go = useAppStore((s) => s.go);
  const [picking, setPicking] = useState(false);
  return (
    <section className="editor__section" aria-labelledby="refs-title">
      <div className="editor__section-head">
        <h2 className="editor__h2" id="refs-title">
          Reference images
        </h2>
        <Button
          size="sm"
          variant="secondary"
          icon="references"
          disabled={paths.length >= MAX_STYLE_REFERENCES}
          onClick={() => setPicking(true)}
        >
          Attach references
        </Button>
      </div>
      <AttachReferencesDialog
        open={picking}
        onClose={() => setPicking(false)}
        attached={paths}
        onAttach={(picked) =>
          setDraft({
            referencePaths: [...paths, ...picked.filter((p) => !paths.includes(p))].slice(
              0,
              MAX_STYLE_REFERENCES,
            ),
          })
        }
      />
      {paths.length === 0 ? (
        <p className="field__hint">
          None attached. Pick from the library with “Attach references”, or import images on{' '}
          <button type="button" className="link" onClick={() => go('references')}>
            References
          </button>
          .
        </p>
      ) : (
        <ul className="style-refs" aria-label="Attached references">
          {paths.map((path, index) => (
            <li key={path} className="style-refs__item">
              <img className="style-refs__img" src={api.mediaUrl(path)} alt={`Reference ${index + 1}`} />
              <Button
                size="sm"
                variant="ghost"
                icon="close"
                aria-label={`Detach reference ${index + 1}`}
                onClick={() => setDraft({ referencePaths: paths.filter((p) => p !== path) })}
              />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function DeprecateDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const items = useStylesStore((s) => s.items);
  const detail = useStylesStore((s) => s.detail);
  const saving = useStylesStore((s) => s.saving);
  const [date, setDate] = useState(() => new Date().toISOString().slice(0, 10));
  const [successor, setSuccessor] = useState('');
  return (
    <Dialog open={open} onClose={onClose} labelledBy="deprecate-title" className="small-dialog">
      <form
        className="small-dialog__body"
        onSubmit={async (event) => {
          event.preventDefault();
          const ok = await useStylesStore
            .getState()
            .setStatus('deprecated', date || null, successor ? Number(successor) : null);
          if (ok) onClose();
        }}
      >
        <h2 className="dialog__title" id="deprecate-title">
          Deprecate {detail?.name}
        </h2>
        <p className="muted">Runs keep pointing at their versions; new runs with it get a warning.</p>
        <Field label="Deprecated on">
          {({ id }) => (
            <input
              id={id}
              type="date"
              className="input"
              value={date}
              onChange={(e) => setDate(e.target.value)}
            />
          )}
        </Field>
        <Field label="Successor">
          {({ id }) => (
            <Select
              id={id}
              value={successor}
              options={[
                { value: '', label: 'None' },
                ...items
                  .filter((s) => s.id !== detail?.id && s.status !== 'deprecated')
                  .map((s) => ({ value: String(s.id), label: s.name })),
              ]}
              onChange={(e) => setSuccessor(e.target.value)}
            />
          )}
        </Field>
        <div className="dialog__actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="danger" busy={saving}>
            Deprecate
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

function ExportDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const detail = useStylesStore((s) => s.detail);
  const [versions, setVersions] = useState<'latest' | 'all'>('latest');
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<Parameters<typeof readableError>[0] | null>(null);
  if (!detail) return null;
  return (
    <Dialog open={open} onClose={onClose} labelledBy="export-title" className="small-dialog">
      <div className="small-dialog__body">
        <h2 className="dialog__title" id="export-title">
          Export {detail.name}
        </h2>
        <p className="muted">One file with the style, its template, negatives, previews and references.</p>
        <SegmentedControl
          label="Versions to export"
          value={versions}
          onChange={setVersions}
          options={[
            { value: 'latest', label: `Latest (v${detail.version})` },
            { value: 'all', label: `All ${detail.versions.length} versions` },
          ]}
        />
        {error && <ErrorCard compact error={readableError(error)} />}
        {done && (
          <p className="ok-text" role="status">
            <Icon name="check" size={12} /> Exported {done}
          </p>
        )}
        <div className="dialog__actions">
          <Button onClick={onClose}>Close</Button>
          <Button
            variant="primary"
            icon="arrowDown"
            busy={busy}
            onClick={async () => {
              setBusy(true);
              setError(null);
              const result = await api.call('styles.exportPack', { id: detail.id, versions });
              setBusy(false);
              if (!result.ok) {
                setError(result.error);
                return;
              }
              downloadUrl(api.mediaUrl(result.value.path), result.value.fileName);
              setDone(`${result.value.fileName} (${Math.max(1, Math.round(result.value.bytes / 1024))} KB)`);
            }}
          >
            Export pack
          </Button>
        </div>
      </div>
    </Dialog>
  );
}

/** Whether a preview can be made again from its seed: only where its model keeps seeds. */
function previewSeedNote(
  providers: ProviderInfo[],
  preview: { provider: string | null; model?: string | null; seed: number | null; status: string },
): { text: string; reproducible: boolean } {
  // Until it ran, the provider is not known yet (the route may still fall through).
  if (preview.status === 'queued' || preview.status === 'running')
    return {
      text: `${preview.seed != null ? `Seed ${preview.seed}` : 'Random seed'} · in progress`,
      reproducible: true,
    };
  const name = preview.provider ? providerName(providers, preview.provider) : 'by route';
  const model = preview.provider
    ? (findModel(providers, preview.provider, preview.model ?? '') ??
      providers.find((p) => p.id === preview.provider)?.models.find((m) => m.status === 'active'))
    : undefined;
  if (preview.seed === null) return { text: `Random seed · ${name}`, reproducible: false };
  if (model && !model.supportsSeed)
    return { text: `Seed ${preview.seed} ignored by ${name}: cannot be reproduced`, reproducible: false };
  return { text: `Seed ${preview.seed} · ${name}`, reproducible: true };
}

function Previews() {
  const detail = useStylesStore((s) => s.detail);
  const providers = useCatalogStore((s) => s.providers);
  const [provider, setProvider] = useState('');
  const [count, setCount] = useState(4);
  const [subject, setSubject] = useState(SAMPLE_SUBJECT);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Parameters<typeof readableError>[0] | null>(null);
  const [note, setNote] = useState<{ text: string; reproducible: boolean } | null>(null);
  if (!detail) return null;
  const previews = detail.latest.previews;
  const pinned = providers.find((p) => p.id === provider);
  const pinnedModel = pinned?.models.find((m) => m.id === pinned.defaultModel);
  return (
    <section className="editor__section" aria-labelledby="previews-title">
      <div className="editor__section-head">
        <h2 className="editor__h2" id="previews-title">
          Previews of v{detail.version}
        </h2>
      </div>
      <p className="field__hint">
        Fixed seeds, so a later version can be compared image for image. They go to the first provider of the
        style&apos;s route that keeps seeds and can run now, unless you pick one.
      </p>
      <div className="previews__controls">
        <input
          className="input previews__subject"
          aria-label="Preview subject"
          title="The subject every preview shows, so versions compare like for like"
          placeholder="Subject for the previews"
          maxLength={500}
          value={subject}
          onChange={(e) => setSubject(e.target.value)}
        />
        <Select
          aria-label="Preview provider"
          value={provider}
          options={[
            { value: '', label: 'First on the route that keeps seeds' },
            ...providers
              .filter((p) => p.implemented)
              .map((p) => {
                const model = p.models.find((m) => m.id === p.defaultModel);
                return {
                  value: p.id,
                  label: model && !model.supportsSeed ? `${p.name} (ignores seeds)` : p.name,
                };
              }),
          ]}
          onChange={(e) => setProvider(e.target.value)}
        />
        <Select
          aria-label="Number of previews"
          value={String(count)}
          options={[1, 2, 4, 6, 8].map((n) => ({ value: String(n), label: `${n} previews` }))}
          onChange={(e) => setCount(Number(e.target.value))}
        />
        <Button
          icon="generate"
          busy={busy}
          onClick={async () => {
            setBusy(true);
            setError(null);
            setNote(null);
            const result = await api.call('styles.generatePreviews', {
              versionId: detail.latestVersionId,
              count,
              ...(provider ? { provider } : {}),
              ...(subject.trim() ? { subject: subject.trim() } : {}),
            });
            setBusy(false);
            if (!result.ok) setError(result.error);
            else if (result.value.note)
              setNote({ text: result.value.note, reproducible: result.value.reproducible });
          }}
        >
          Generate previews
        </Button>
      </div>
      {pinnedModel && !pinnedModel.supportsSeed && (
        <p className="warn-text previews__note">
          {pinnedModel.name} ignores seeds: previews made there cannot be reproduced.
        </p>
      )}
      {note && (
        <p
          className={note.reproducible ? 'field__hint previews__note' : 'warn-text previews__note'}
          role="status"
        >
          {note.text}
        </p>
      )}
      {error && <ErrorCard compact error={readableError(error)} />}
      {previews.length === 0 ? (
        <p className="muted">No previews for this version yet.</p>
      ) : (
        <ul className="previews__grid" aria-label="Previews">
          {previews.map((preview) => {
            const seedNote = previewSeedNote(providers, preview);
            return (
              <li key={`${preview.runId}-${preview.seed}-${preview.thumbPath}`} className="previews__item">
                {preview.thumbPath && preview.runId !== null ? (
                  <button
                    type="button"
                    className="previews__open"
                    onClick={() => preview.runId !== null && useAppStore.getState().openRun(preview.runId)}
                  >
                    <img
                      className="previews__img"
                      src={api.mediaUrl(preview.thumbPath)}
                      alt={`Preview, seed ${preview.seed ?? 'random'}`}
                    />
                  </button>
                ) : (
                  <span className="previews__pending">
                    {preview.status === 'failed' ? <Icon name="alert" size={16} /> : <Spinner size={16} />}
                  </span>
                )}
                <span className={seedNote.reproducible ? 'previews__meta' : 'previews__meta warn-text'}>
                  {!seedNote.reproducible && <Icon name="warning" size={12} />} {seedNote.text}
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function useGenerateWithStyle() {
  const detail = useStylesStore((s) => s.detail);
  const template = useStylesStore((s) => s.template);
  const templateVersionId = useStylesStore((s) => s.templateVersionId);
  // The style's template loads after the style itself: until it is here, Generate would start without the
  // template's fields (and the subject would be sent as the whole prompt), so the action waits for it.
  const pending = detail !== null && detail.latest.fields.templateId !== null && templateVersionId === null;
  const failed = useStylesStore((s) => pending && s.saveError !== null);
  const run = () => {
    if (!detail || pending) return;
    const fields: StyleFields = detail.latest.fields;
    // The editor's sample values stay in the editor: Generate starts from the template's defaults and
    // the designer's own prompt as the subject.
    send('generate.useStyle', {
      style: {
        versionId: detail.latestVersionId,
        styleId: detail.id,
        name: detail.name,
        version: detail.version,
        status: detail.status,
      },
      template:
        template && templateVersionId && fields.templateId !== null
          ? { versionId: templateVersionId, name: template.name, fields: template }
          : null,
      defaults: { ...fields.defaults, taskType: fields.preferredRoute },
      reference: fields.referencePaths[0] ? { path: fields.referencePaths[0] } : null,
    });
    useAppStore.getState().go('generate');
  };
  return { run, pending, failed };
}

const PANES: { value: EditorPane; label: string }[] = [
  { value: 'edit', label: 'Edit' },
  { value: 'versions', label: 'Versions' },
  { value: 'previews', label: 'Previews' },
];

export function StyleEditor() {
  const openId = useStylesStore((s) => s.openId);
  const detail = useStylesStore((s) => s.detail);
  const detailError = useStylesStore((s) => s.detailError);
  const draft = useStylesStore((s) => s.draft);
  const pane = useStylesStore((s) => s.pane);
  const saving = useStylesStore((s) => s.saving);
  const saveError = useStylesStore((s) => s.saveError);
  const notice = useStylesStore((s) => s.notice);
  const dirty = useStylesStore((s) => s.isDirty());
  const { close, setPane, save, setStatus } = useStylesStore.getState();
  const [note, setNote] = useState('');
  const [deprecating, setDeprecating] = useState(false);
  const [exporting, setExporting] = useState(false);
  const generateWith = useGenerateWithStyle();
  const isNew = openId === 'new';

  if (!isNew && !detail) {
    return (
      <div className="editor">
        <div className="editor__bar">
          <Button variant="ghost" icon="arrowLeft" onClick={close}>
            Library
          </Button>
        </div>
        <div className="editor__loading">
          {detailError ? <ErrorCard error={readableError(detailError)} /> : <Spinner size={20} />}
        </div>
      </div>
    );
  }

  const status = detail?.status ?? 'draft';
  return (
    <div className="editor">
      <header className="editor__bar">
        <Button variant="ghost" icon="arrowLeft" onClick={close}>
          Library
        </Button>
        <div className="editor__titles">
          <h1 className="view-title">{isNew ? 'New style' : detail?.name}</h1>
          {detail && (
            <p className="editor__meta">
              <Badge tone={STATUS_TONE[status]} icon={status === 'approved' ? 'check' : undefined}>
                {STATUS_LABEL[status]}
              </Badge>
              <span>version {detail.version}</span>
              {detail.owner && <span>· {detail.owner}</span>}
              {status === 'deprecated' && detail.deprecatedOn && <span>· since {detail.deprecatedOn}</span>}
            </p>
          )}
        </div>
        {detail && (
          <div className="editor__actions">
            {status !== 'approved' && (
              <Button
                icon="check"
                busy={saving}
                disabled={dirty}
                title={dirty ? 'Save first' : undefined}
                onClick={() => void setStatus('approved')}
              >
                Approve
              </Button>
            )}
            {status === 'approved' && (
              <Button variant="ghost" busy={saving} onClick={() => void setStatus('draft')}>
                Back to draft
              </Button>
            )}
            {status !== 'deprecated' && (
              <Button variant="ghost" icon="warning" onClick={() => setDeprecating(true)}>
                Deprecate
              </Button>
            )}
            <Button variant="ghost" icon="arrowUp" onClick={() => setExporting(true)}>
              Export
            </Button>
            <Button
              variant="primary"
              icon="generate"
              disabled={dirty || generateWith.pending}
              busy={generateWith.pending && !generateWith.failed}
              title={
                dirty
                  ? 'Save first: Generate uses the saved version'
                  : generateWith.failed
                    ? "The style's template could not be loaded"
                    : generateWith.pending
                      ? "Loading the style's template…"
                      : undefined
              }
              onClick={generateWith.run}
            >
              Generate with this style
            </Button>
          </div>
        )}
      </header>

      {!isNew && (
        <Tabs
          label="Style sections"
          idBase="style"
          className="editor__tabs"
          items={PANES.map((p) => ({
            ...p,
            aside:
              p.value === 'versions'
                ? detail?.versions.length
                : p.value === 'previews'
                  ? detail?.latest.previews.length || undefined
                  : undefined,
          }))}
          value={pane}
          onChange={setPane}
        />
      )}

      <TabPanel idBase="style" value={isNew ? 'edit' : pane} className="editor__scroll">
        {(isNew || pane === 'edit') && (
          <div className="editor__grid">
            <form
              className="editor__form"
              aria-label="Style editor"
              onSubmit={async (event) => {
                event.preventDefault();
                if (await save(note.trim() || undefined)) setNote('');
              }}
            >
              <Details />
              <TemplateEditor />
              <Negatives />
              <Overrides />
              <References />
              <div className="editor__save">
                {saveError && <ErrorCard compact error={readableError(saveError)} />}
                {notice && (
                  <p className="ok-text" role="status">
                    <Icon name="check" size={12} /> {notice}
                  </p>
                )}
                <div className="editor__save-row">
                  {!isNew && (
                    <input
                      className="input"
                      aria-label="Version note"
                      placeholder="What changed (optional)"
                      maxLength={200}
                      value={note}
                      onChange={(e) => setNote(e.target.value)}
                    />
                  )}
                  <Button
                    type="submit"
                    variant="primary"
                    busy={saving}
                    disabled={!dirty || draft.name.trim() === ''}
                  >
                    {isNew ? 'Create style' : 'Save version'}
                  </Button>
                </div>
                {!isNew && dirty && (
                  <p className="field__hint">
                    Unsaved changes. Saving adds version {(detail?.version ?? 0) + 1}; earlier runs keep
                    theirs.
                  </p>
                )}
              </div>
            </form>
            <aside className="editor__side">
              <RenderPreview />
            </aside>
          </div>
        )}
        {!isNew && pane === 'versions' && <VersionHistory />}
        {!isNew && pane === 'previews' && <Previews />}
      </TabPanel>
      <DeprecateDialog open={deprecating} onClose={() => setDeprecating(false)} />
      <ExportDialog open={exporting} onClose={() => setExporting(false)} />
    </div>
  );
}
