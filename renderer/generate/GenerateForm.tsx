import { type FormEvent, useEffect, useId, useState } from 'react';
import { ASPECT_RATIOS, type AspectRatio } from '../../shared/constants';
import type { ModelInfo, ProviderInfo } from '../../shared/domain';
import { findModel, useCatalogStore } from '../app/catalog';
import { useAppStore } from '../app/store';
import { Button, Field, Icon, SegmentedControl, Select, type SelectOption } from '../components';
import { formatCost } from '../lib/format';
import { SeedField } from './SeedField';
import { MAX_IMAGES_PER_RUN, useGenerateStore } from './store';

const IS_MAC = /Mac|iPhone|iPad/.test(navigator.platform);
export const SUBMIT_HINT = IS_MAC ? '⌘↵' : 'Ctrl ↵';

function providerOptions(providers: ProviderInfo[]): SelectOption[] {
  return providers.map((p) => ({
    value: p.id,
    label: p.implemented ? (p.key ? p.name : `${p.name} (no key)`) : `${p.name} — coming`,
    disabled: !p.implemented,
  }));
}

function modelOptions(provider: ProviderInfo | undefined): SelectOption[] {
  if (!provider) return [];
  const byId = new Map(provider.models.map((m) => [m.id, m.name]));
  return provider.models.map((m) => ({
    value: m.id,
    label:
      m.status === 'retired'
        ? `${m.name} — retired ${m.retiredOn ?? ''}${m.successor ? `, use ${byId.get(m.successor) ?? m.successor}` : ''}`
        : m.name,
    disabled: m.status === 'retired',
  }));
}

/** A tiny rectangle in the ratio's shape: designers read shapes faster than "3:4". */
function RatioGlyph({ ratio }: { ratio: AspectRatio }) {
  const [w, h] = ratio.split(':').map(Number) as [number, number];
  const scale = 14 / Math.max(w, h);
  return (
    <span className="ratio__glyph" aria-hidden="true">
      <span className="ratio__shape" style={{ width: `${w * scale}px`, height: `${h * scale}px` }} />
    </span>
  );
}

function estimate(model: ModelInfo | undefined, quality: string, count: number): string | null {
  if (!model) return null;
  const prices = Object.values(model.pricePerImageUsd);
  const each = model.pricePerImageUsd[quality] ?? (prices.length === 1 ? prices[0] : undefined);
  if (each !== undefined) return `≈ ${formatCost(each * count)}`;
  if (prices.length === 0) return null;
  // Prices keyed by the provider's own tiers: show the honest range rather than guess the mapping.
  const low = Math.min(...prices) * count;
  const high = Math.max(...prices) * count;
  return `${formatCost(low)}–${formatCost(high)}`;
}

export function GenerateForm() {
  const form = useGenerateStore((s) => s.form);
  const fieldErrors = useGenerateStore((s) => s.fieldErrors);
  const run = useGenerateStore((s) => s.run);
  const setField = useGenerateStore((s) => s.setField);
  const reconcile = useGenerateStore((s) => s.reconcile);
  const generate = useGenerateStore((s) => s.generate);
  const providers = useCatalogStore((s) => s.providers);
  const catalogStatus = useCatalogStore((s) => s.status);
  const go = useAppStore((s) => s.go);
  const reusedFrom = useGenerateStore((s) => s.reusedFrom);
  const clearReused = useGenerateStore((s) => s.clearReused);
  const aspectLabelId = useId();
  const qualityLabelId = useId();

  const provider = providers.find((p) => p.id === form.provider);
  const model = findModel(providers, form.provider, form.model);
  const maxCount = Math.max(1, Math.min(MAX_IMAGES_PER_RUN, model?.maxCount ?? MAX_IMAGES_PER_RUN));
  const busy = run.kind === 'starting' || run.kind === 'running';
  const noProviders = catalogStatus === 'ready' && !providers.some((p) => p.implemented);

  // Keep provider, model, ratio and count valid whenever the catalog or the choice changes.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reconcile reads the latest form itself.
  useEffect(() => {
    if (catalogStatus === 'ready') reconcile(providers);
  }, [catalogStatus, providers, form.provider, form.model, reconcile]);

  const [countText, setCountText] = useState(String(form.count));
  useEffect(() => setCountText(String(form.count)), [form.count]);

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    void generate();
  }

  const ratios = model && model.aspectRatios.length > 0 ? model.aspectRatios : ASPECT_RATIOS;
  const cost = estimate(model, form.quality, form.count);

  return (
    <form className="gen-form" aria-label="Generation settings" onSubmit={onSubmit} noValidate>
      <div className="gen-form__scroll">
        <header className="view-header view-header--tight">
          <h1 className="view-title">Generate</h1>
          <p className="view-subtitle">Describe it, pick a model, keep the seed.</p>
        </header>

        {reusedFrom !== null && (
          <div className="reuse-note">
            <Icon name="reuse" size={14} />
            <span className="reuse-note__text">
              Settings from Run {reusedFrom}
              {form.seedLocked ? `, seed ${form.seedText} locked` : ''}. Change one thing and generate.
            </span>
            <Button variant="ghost" size="sm" icon="close" aria-label="Clear note" onClick={clearReused} />
          </div>
        )}

        <Field
          label="Prompt"
          error={fieldErrors.prompt}
          aside={
            <span className="field__count" aria-hidden="true">
              {form.prompt.length} / 4000
            </span>
          }
        >
          {({ id, describedBy, invalid }) => (
            <textarea
              id={id}
              className="input textarea textarea--prompt"
              rows={5}
              maxLength={4000}
              value={form.prompt}
              aria-describedby={describedBy}
              aria-invalid={invalid || undefined}
              placeholder="A ceramic teapot on a linen tablecloth, soft window light, 50 mm, muted palette"
              onChange={(event) => setField('prompt', event.target.value)}
            />
          )}
        </Field>

        <Field
          label="Negative prompt"
          hint={
            model && !model.supportsNegativePrompt
              ? `${model.name} has no negative prompt field; Atelier adapts it and notes how.`
              : undefined
          }
        >
          {({ id, describedBy }) => (
            <textarea
              id={id}
              className="input textarea"
              rows={2}
              maxLength={2000}
              value={form.negativePrompt}
              aria-describedby={describedBy}
              placeholder="blurry, oversaturated, extra fingers, distorted text"
              onChange={(event) => setField('negativePrompt', event.target.value)}
            />
          )}
        </Field>

        <div className="field-row">
          <Field
            label="Provider"
            hint={
              provider?.implemented && !provider.key ? (
                <>
                  No {provider.name} key yet.{' '}
                  <button
                    type="button"
                    className="link"
                    onClick={() => go('settings', { focusProvider: provider.id })}
                  >
                    Add one in Settings
                  </button>
                </>
              ) : noProviders ? (
                'No provider is available in this version.'
              ) : undefined
            }
          >
            {({ id, describedBy }) => (
              <Select
                id={id}
                aria-describedby={describedBy}
                value={form.provider}
                disabled={providers.length === 0}
                options={
                  providers.length === 0 ? [{ value: '', label: 'Loading…' }] : providerOptions(providers)
                }
                onChange={(event) => setField('provider', event.target.value)}
              />
            )}
          </Field>
          <Field label="Model">
            {({ id, describedBy }) => (
              <Select
                id={id}
                aria-describedby={describedBy}
                value={form.model}
                disabled={!provider || provider.models.length === 0}
                options={modelOptions(provider)}
                onChange={(event) => setField('model', event.target.value)}
              />
            )}
          </Field>
        </div>

        <div className="field">
          <div className="field__top">
            <span className="field__label" id={aspectLabelId}>
              Aspect ratio
            </span>
            <span className="field__count">{form.aspectRatio}</span>
          </div>
          <SegmentedControl<AspectRatio>
            className="ratio"
            labelledBy={aspectLabelId}
            value={form.aspectRatio}
            onChange={(value) => setField('aspectRatio', value)}
            options={ASPECT_RATIOS.map((ratio) => ({
              value: ratio,
              ariaLabel: ratio,
              title: ratios.includes(ratio)
                ? ratio
                : `${ratio}: not offered by ${model?.name ?? 'this model'}`,
              disabled: !ratios.includes(ratio),
              label: (
                <>
                  <RatioGlyph ratio={ratio} />
                  <span className="ratio__text">{ratio}</span>
                </>
              ),
            }))}
          />
        </div>

        <div className="field-row field-row--count">
          <Field
            label="Images"
            error={fieldErrors.count}
            aside={
              <span className="field__count" aria-hidden="true">
                max {maxCount}
              </span>
            }
          >
            {({ id, describedBy, invalid }) => (
              <input
                id={id}
                className="input input--number"
                type="number"
                min={1}
                max={maxCount}
                step={1}
                inputMode="numeric"
                value={countText}
                aria-describedby={describedBy}
                aria-invalid={invalid || undefined}
                onChange={(event) => {
                  setCountText(event.target.value);
                  const n = Number.parseInt(event.target.value, 10);
                  if (Number.isInteger(n)) setField('count', Math.min(Math.max(n, 1), maxCount));
                }}
                onBlur={() => setCountText(String(form.count))}
              />
            )}
          </Field>
          <div className="field">
            <div className="field__top">
              <span className="field__label" id={qualityLabelId}>
                Quality
              </span>
            </div>
            <SegmentedControl
              labelledBy={qualityLabelId}
              value={form.quality}
              onChange={(value) => setField('quality', value)}
              options={[
                { value: 'draft', label: 'Draft', title: 'Cheaper and faster, for exploring' },
                { value: 'final', label: 'Final', title: 'Full quality, for keepers' },
              ]}
            />
          </div>
        </div>

        <SeedField model={model} />
      </div>

      <div className="gen-form__footer">
        <div className="gen-form__estimate">
          {cost ? (
            <>
              <span className="gen-form__estimate-value">{cost}</span>
              <span className="gen-form__estimate-label">
                {form.count} × {model?.name ?? 'image'}
              </span>
            </>
          ) : (
            <span className="gen-form__estimate-label">{model?.name ?? ''}</span>
          )}
        </div>
        <Button
          type="submit"
          variant="primary"
          size="lg"
          icon="generate"
          busy={busy}
          disabled={noProviders}
          shortcut={SUBMIT_HINT}
        >
          Generate
        </Button>
      </div>
    </form>
  );
}
