import { type FormEvent, type ReactNode, useEffect, useId, useMemo, useState } from 'react';
import {
  ASPECT_RATIOS,
  type AspectRatio,
  TASK_TYPE_LABELS,
  TASK_TYPES,
  type TaskType,
} from '../../shared/constants';
import type { ModelInfo, ProviderInfo, Route } from '../../shared/domain';
import { subjectVariable, variableLabel } from '../../shared/library-contract';
import { NEGATIVE_PROMPT_MAX_CHARS } from '../../shared/limits';
import { settingsPath } from '../../shared/settings-tabs';
import { api } from '../api';
import { send } from '../app/actions';
import { findModel, useCatalogStore } from '../app/catalog';
import { routeFor, useRoutesStore } from '../app/routes';
import { useAppStore } from '../app/store';
import {
  Badge,
  Button,
  CopyForMidjourney,
  Field,
  Icon,
  SegmentedControl,
  Select,
  type SelectOption,
} from '../components';
import { formatCost } from '../lib/format';
import { AdvancedSection } from './AdvancedSection';
import { AttachedBar } from './AttachedBar';
import { useEstimateStore } from './estimate';
import { RenderedPrompt } from './RenderedPrompt';
import { RouteSummary } from './RouteSummary';
import { QueueNote } from './RunQueue';
import { SeedField } from './SeedField';
import { StyleNote } from './StyleNote';
import { buildRequest, MAX_IMAGES_PER_RUN, useGenerateStore } from './store';
import { TemplateVariables } from './TemplateVariables';
import { usePromptLimit } from './usePromptLimit';
import { VaryChooser, VaryWarning } from './VaryChooser';
import { varySlot } from './vary';

const IS_MAC = /Mac|iPhone|iPad/.test(navigator.platform);
export const SUBMIT_HINT = IS_MAC ? '⌘↵' : 'Ctrl ↵';

function autoLabel(providers: ProviderInfo[], route: Route | undefined): string {
  if (!route || route.chain.length === 0) return 'Auto (task route)';
  return `Auto (route: ${route.chain.map((step) => providers.find((p) => p.id === step.provider)?.name ?? step.provider).join(' → ')})`;
}

function providerOptions(providers: ProviderInfo[], auto: string | null): SelectOption[] {
  const pinned = providers.map((p) => ({
    value: p.id,
    label: p.implemented
      ? p.key || p.kind === 'local'
        ? p.name
        : `${p.name} (no key)`
      : `${p.name} — coming`,
    disabled: !p.implemented,
  }));
  return auto === null ? pinned : [{ value: '', label: auto }, ...pinned];
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

/**
 * The catalog's own price, for when the main process gives no estimate; for a provider that bills in
 * credits, its estimated credits at the catalog's price per credit (always "≈").
 */
function catalogEstimate(
  model: ModelInfo | undefined,
  usdPerCredit: number | null | undefined,
  quality: string,
  count: number,
): string | null {
  if (!model) return null;
  const credits = model.pricePerImageCredits;
  const converted =
    Object.keys(model.pricePerImageUsd).length === 0 && credits != null && usdPerCredit != null;
  const table = converted
    ? Object.fromEntries(Object.entries(credits).map(([tier, n]) => [tier, n * usdPerCredit]))
    : model.pricePerImageUsd;
  const prices = Object.values(table);
  const each = table[quality] ?? (prices.length === 1 ? prices[0] : undefined);
  if (each !== undefined) return `≈ ${formatCost(each * count)}`;
  if (prices.length === 0) return null;
  // Prices keyed by the provider's own tiers: show the honest range rather than guess the mapping.
  const low = Math.min(...prices) * count;
  const high = Math.max(...prices) * count;
  return `${converted ? '≈ ' : ''}${formatCost(low)}–${formatCost(high)}`;
}

/** Left of the Generate button: what this run most likely costs, or why it would not run. */
function CostLine({ model, hasPrompt }: { model: ModelInfo | undefined; hasPrompt: boolean }) {
  const estimate = useEstimateStore((s) => s.estimate);
  const error = useEstimateStore((s) => s.error);
  const status = useEstimateStore((s) => s.status);
  const form = useGenerateStore((s) => s.form);
  const providers = useCatalogStore((s) => s.providers);
  const go = useAppStore((s) => s.go);

  let value: string | null = null;
  let label: ReactNode = null;
  let badge: ReactNode = null;
  if (error?.code === 'budget_exceeded') {
    value = 'Over budget';
    label = (
      <button type="button" className="link" onClick={() => go('settings', { tab: 'budgets' })}>
        {settingsPath('budgets')}
      </button>
    );
  } else if (estimate) {
    const first = estimate.steps.find((step) => step.eligible);
    if (estimate.cached && hasPrompt && !form.fresh) {
      value = '$0';
      badge = (
        <Badge tone="success" icon="database">
          cached
        </Badge>
      );
      label = 'cached: no charge';
    } else if (!first) {
      value = '—';
      label = 'No provider can take it now';
    } else {
      value = estimate.likelyUsd === null ? 'Price unknown' : `≈ ${formatCost(estimate.likelyUsd)}`;
      label = `likely · ${providers.find((p) => p.id === first.provider)?.name ?? first.provider}`;
    }
  } else {
    value = catalogEstimate(
      form.provider ? model : undefined,
      providers.find((p) => p.id === form.provider)?.usdPerCredit,
      form.quality,
      form.count,
    );
    label = value ? `${form.count} × ${model?.name ?? 'image'}` : form.provider ? (model?.name ?? '') : '';
  }

  return (
    <div
      className={status === 'loading' ? 'gen-form__estimate is-loading' : 'gen-form__estimate'}
      aria-live="polite"
    >
      {value && (
        <span className="gen-form__estimate-value">
          {value} {badge}
        </span>
      )}
      {label && <span className="gen-form__estimate-label">{label}</span>}
    </div>
  );
}

export function GenerateForm() {
  const form = useGenerateStore((s) => s.form);
  const fieldErrors = useGenerateStore((s) => s.fieldErrors);
  const setField = useGenerateStore((s) => s.setField);
  const setProvider = useGenerateStore((s) => s.setProvider);
  const reconcile = useGenerateStore((s) => s.reconcile);
  const generate = useGenerateStore((s) => s.generate);
  const providers = useCatalogStore((s) => s.providers);
  const catalogStatus = useCatalogStore((s) => s.status);
  const routes = useRoutesStore((s) => s.routes);
  const routesStatus = useRoutesStore((s) => s.status);
  const go = useAppStore((s) => s.go);
  const reusedFrom = useGenerateStore((s) => s.reusedFrom);
  const derivation = useGenerateStore((s) => s.derivation);
  const clearReused = useGenerateStore((s) => s.clearReused);
  const varyTarget = useGenerateStore((s) => s.varyTarget);
  // With a style template the box is its subject variable, with that variable's own length limit.
  const subject = form.template?.fields ? subjectVariable(form.template.fields) : null;
  const promptHidden = form.template?.fields != null && subject === null;
  const promptLimit = usePromptLimit(form.prompt, subject?.maxLength);
  const aspectLabelId = useId();
  const qualityLabelId = useId();

  const autoAvailable = routesStatus === 'ready';
  const routesSettled = routesStatus === 'ready' || routesStatus === 'error';
  const pinned = form.provider !== '';
  const route = routeFor(routes, form.taskType);
  const provider = providers.find((p) => p.id === form.provider);
  const model = pinned ? findModel(providers, form.provider, form.model) : undefined;
  const maxCount = Math.max(1, Math.min(MAX_IMAGES_PER_RUN, model?.maxCount ?? MAX_IMAGES_PER_RUN));
  const noProviders = catalogStatus === 'ready' && !providers.some((p) => p.implemented);
  const exactSize = form.widthText.trim() !== '' && form.heightText.trim() !== '';

  // Keep provider, model, ratio and count valid whenever the catalog, the routes or the choice change.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reconcile reads the latest form itself.
  useEffect(() => {
    if (catalogStatus === 'ready' && routesSettled) reconcile(providers, autoAvailable);
  }, [catalogStatus, routesSettled, autoAvailable, providers, form.provider, form.model, reconcile]);

  // The estimate follows the form, debounced in its store; an empty prompt still shows the chain.
  const estimateRequest = useMemo(() => buildRequest(form, providers, true).request, [form, providers]);
  const estimateKey = JSON.stringify(estimateRequest);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the key stands for the request.
  useEffect(() => {
    if (catalogStatus === 'ready' && routesSettled) useEstimateStore.getState().request(estimateRequest);
  }, [estimateKey, catalogStatus, routesSettled]);

  const [countText, setCountText] = useState(String(form.count));
  useEffect(() => setCountText(String(form.count)), [form.count]);

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    void generate();
  }

  const ratios = model && model.aspectRatios.length > 0 ? model.aspectRatios : ASPECT_RATIOS;

  return (
    <form className="gen-form" aria-label="Generation settings" onSubmit={onSubmit} noValidate>
      <div className="gen-form__scroll">
        <header className="view-header view-header--tight">
          <h1 className="view-title">Generate</h1>
          <p className="view-subtitle">Describe it, pick a task, keep the seed.</p>
        </header>

        {reusedFrom !== null && (
          <div className="reuse-note">
            <Icon name="reuse" size={14} />
            <span className="reuse-note__text">
              {derivation === 'branch'
                ? `Branching from Run ${reusedFrom}`
                : derivation === 'vary'
                  ? `Varying Run ${reusedFrom}`
                  : `Settings from Run ${reusedFrom}`}
              {form.seedLocked ? `, seed ${form.seedText} locked` : ''}. Change one thing and generate.
            </span>
            <Button variant="ghost" size="sm" icon="close" aria-label="Clear note" onClick={clearReused} />
          </div>
        )}

        {reusedFrom !== null && derivation === 'vary' && <VaryChooser />}

        <StyleNote />
        <AttachedBar />

        {!promptHidden && (
          <Field
            className={varySlot('prompt', varyTarget)}
            label={subject ? 'Subject' : 'Prompt'}
            hint={
              promptLimit.notice ??
              (subject
                ? `${variableLabel(subject)}: the subject of the ${form.template?.name || 'style'} template.`
                : undefined)
            }
            error={fieldErrors.prompt}
            aside={promptLimit.counter}
          >
            {({ id, describedBy, invalid }) => (
              <textarea
                id={id}
                className={subject ? 'input textarea' : 'input textarea textarea--prompt'}
                rows={subject ? 2 : 5}
                maxLength={promptLimit.max}
                value={form.prompt}
                onPaste={promptLimit.onPaste}
                aria-describedby={describedBy}
                aria-invalid={invalid || undefined}
                placeholder={
                  subject
                    ? 'a heron standing in reeds'
                    : 'A ceramic teapot on a linen tablecloth, soft window light, 50 mm, muted palette'
                }
                onChange={(event) => setField('prompt', event.target.value)}
              />
            )}
          </Field>
        )}
        <TemplateVariables />
        <RenderedPrompt />

        <Field
          className={varySlot('negativePrompt', varyTarget)}
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
              maxLength={NEGATIVE_PROMPT_MAX_CHARS}
              value={form.negativePrompt}
              aria-describedby={describedBy}
              placeholder="blurry, oversaturated, extra fingers, distorted text"
              onChange={(event) => setField('negativePrompt', event.target.value)}
            />
          )}
        </Field>

        <Field label="Task">
          {({ id, describedBy }) => (
            <Select
              id={id}
              aria-describedby={describedBy}
              value={form.taskType}
              options={TASK_TYPES.map((task) => ({ value: task, label: TASK_TYPE_LABELS[task] }))}
              onChange={(event) => setField('taskType', event.target.value as TaskType)}
            />
          )}
        </Field>

        <div className={pinned ? 'field-row' : 'field-row field-row--single'}>
          <Field
            label="Provider"
            hint={
              provider?.implemented && !provider.key && provider.kind !== 'local' ? (
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
                title={!pinned ? autoLabel(providers, route) : undefined}
                options={
                  providers.length === 0
                    ? [{ value: '', label: 'Loading…' }]
                    : providerOptions(providers, autoAvailable ? autoLabel(providers, route) : null)
                }
                onChange={(event) => setProvider(event.target.value)}
              />
            )}
          </Field>
          {pinned && (
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
          )}
        </div>
        <RouteSummary route={route} pinned={pinned} />

        <div className="field">
          <div className="field__top">
            <span className="field__label" id={aspectLabelId}>
              Aspect ratio
            </span>
            <span className="field__count">
              {exactSize ? `exact ${form.widthText.trim()}×${form.heightText.trim()}` : form.aspectRatio}
            </span>
          </div>
          <SegmentedControl<AspectRatio>
            className={exactSize ? 'ratio is-overridden' : 'ratio'}
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
          {exactSize && <p className="field__hint">The exact size in Advanced wins over the aspect ratio.</p>}
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

        <AdvancedSection model={model} pinned={pinned} />

        {/* Midjourney has no API: the request, rendered through its style, as a line to paste there. */}
        <div className="gen-form__midjourney">
          <CopyForMidjourney
            disabled={form.prompt.trim() === '' && !form.template}
            prompt={async () => {
              const { request, errors } = buildRequest(form, providers);
              const first = Object.values(errors)[0];
              if (first) return { ok: false, error: { code: 'invalid_input', message: first } };
              return api.call('midjourney.prompt', { request });
            }}
          />
        </div>
      </div>

      <VaryWarning />
      <div className="gen-form__footer">
        <CostLine model={model} hasPrompt={form.prompt.trim() !== ''} />
        <Button
          type="button"
          variant="secondary"
          size="lg"
          icon="layers"
          disabled={noProviders}
          onClick={() => {
            // The batch multiplies the request as it stands; a field that would refuse it says so here first.
            const { request, errors } = buildRequest(form, providers);
            if (Object.keys(errors).length > 0) {
              useGenerateStore.setState({ fieldErrors: errors });
              return;
            }
            send('batches.compose', {
              request,
              variables: form.template?.fields?.variables.map((v) => v.name) ?? [],
              styleName: form.style ? `${form.style.name} v${form.style.version}` : null,
            });
          }}
        >
          Batch…
        </Button>
        <Button
          type="submit"
          variant="primary"
          size="lg"
          icon="generate"
          disabled={noProviders}
          shortcut={SUBMIT_HINT}
          title={`Generate (${SUBMIT_HINT})`}
        >
          Generate
        </Button>
        <QueueNote />
      </div>
    </form>
  );
}
