// "Batch…": Generate's request multiplied by seed variants, a prompt matrix over its template's variables,
// aspect ratios and styles. Shows the item count and the estimated cost per provider as you choose, and
// refuses (with the reason) over the item cap or a budget before anything is sent.

import './batches.css';
import { useEffect, useId, useState } from 'react';
import type { BatchProviderCost } from '../../shared/batches-contract';
import { ASPECT_RATIOS } from '../../shared/constants';
import type { ProviderInfo } from '../../shared/domain';
import type { StyleSummary } from '../../shared/library-contract';
import { api } from '../api';
import { useCatalogStore } from '../app/catalog';
import { useAppStore } from '../app/store';
import { Button, Checkbox, Dialog, ErrorCard } from '../components';
import { readableError } from '../lib/errors';
import { formatCost } from '../lib/format';
import { type Compose, matrixValues, useBatchesStore } from './store';

/** What the seeds of the variants will be, as the core expands them. */
function seedsHint(compose: Compose): string {
  const seed = compose.request.seed;
  if (compose.variants === 1) return seed === null ? 'A random seed.' : `Seed ${seed}.`;
  if (seed === null) return 'Random seeds, each recorded.';
  return `Seeds ${seed} to ${seed + compose.variants - 1}.`;
}

/**
 * The providers the estimate expects to draw from whose model takes no seed (catalog data): there, variants
 * are new draws that no seed can bring back.
 */
export function seedlessProviders(
  providers: readonly ProviderInfo[],
  compose: Pick<Compose, 'request'>,
  perProvider: readonly BatchProviderCost[],
): string[] {
  return perProvider
    .filter((cost) => {
      const info = providers.find((p) => p.id === cost.provider);
      const modelId =
        compose.request.provider === cost.provider && compose.request.model
          ? compose.request.model
          : info?.defaultModel;
      const model = info?.models.find((m) => m.id === modelId);
      return model !== undefined && !model.supportsSeed;
    })
    .map((cost) => cost.name);
}

/** The product the count comes from: `3 variants × 2 aspect ratios × 4 values of subject`. */
function breakdown(compose: Compose): string {
  const parts: string[] = [];
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  if (compose.styles.length > 0) parts.push(plural(compose.styles.length, 'style', 'styles'));
  for (const variable of compose.variables) {
    const n = matrixValues(compose.matrix[variable] ?? '').length;
    if (n > 0) parts.push(`${plural(n, 'value', 'values')} of ${variable}`);
  }
  if (compose.aspectRatios.length > 0)
    parts.push(plural(compose.aspectRatios.length, 'aspect ratio', 'aspect ratios'));
  parts.push(plural(compose.variants, 'variant', 'variants'));
  return parts.join(' × ');
}

export function BatchDialog() {
  const compose = useBatchesStore((s) => s.compose);
  return (
    <Dialog
      open={compose !== null}
      onClose={() => useBatchesStore.getState().closeCompose()}
      label="Batch"
      className="batch-dialog"
    >
      {compose && <Composer compose={compose} />}
    </Dialog>
  );
}

function Composer({ compose }: { compose: Compose }) {
  const headingId = useId();
  const estimate = useBatchesStore((s) => s.estimate);
  const estimating = useBatchesStore((s) => s.estimating);
  const composeError = useBatchesStore((s) => s.composeError);
  const starting = useBatchesStore((s) => s.starting);
  const edit = useBatchesStore((s) => s.editCompose);
  const [styles, setStyles] = useState<StyleSummary[]>([]);
  const providers = useCatalogStore((s) => s.providers);
  const seedless =
    compose.variants > 1 && estimate ? seedlessProviders(providers, compose, estimate.perProvider) : [];

  useEffect(() => {
    let current = true;
    void api.call('styles.list', { limit: 100 }).then((result) => {
      if (current && result.ok) setStyles(result.value.items.filter((s) => s.status !== 'deprecated'));
    });
    return () => {
      current = false;
    };
  }, []);

  const refusal = composeError ?? estimate?.refusal ?? null;
  const toggle = <T,>(list: readonly T[], value: T) =>
    list.includes(value) ? list.filter((v) => v !== value) : [...list, value];

  async function start() {
    const batchId = await useBatchesStore.getState().create();
    if (batchId !== null) {
      useAppStore.getState().go('batches');
      void useBatchesStore.getState().open(batchId);
    }
  }

  return (
    <div className="batch-compose">
      <header className="batch-compose__header">
        <h2 id={headingId}>Batch from this request</h2>
        <Button
          size="sm"
          variant="ghost"
          icon="close"
          aria-label="Close"
          onClick={() => useBatchesStore.getState().closeCompose()}
        />
      </header>
      <p className="batch-compose__prompt" title={compose.request.prompt}>
        {compose.request.prompt}
        {compose.styleName ? <span className="muted"> · {compose.styleName}</span> : null}
      </p>

      <div className="batch-compose__grid">
        <label className="batch-compose__field">
          <span className="batch-compose__label">Name (optional)</span>
          <input
            className="input"
            value={compose.name}
            maxLength={80}
            onChange={(event) => edit({ name: event.target.value })}
          />
        </label>
        <label className="batch-compose__field">
          <span className="batch-compose__label">Variants (seeds)</span>
          <input
            className="input"
            type="number"
            min={1}
            max={100}
            aria-label="Variants"
            value={compose.variants}
            onChange={(event) => edit({ variants: Math.max(1, Math.round(Number(event.target.value) || 1)) })}
          />
          <span className="batch-compose__hint">{seedsHint(compose)}</span>
        </label>
      </div>

      <fieldset className="batch-compose__set">
        <legend>Aspect ratios</legend>
        <p className="batch-compose__hint">None ticked: the request's own ({compose.request.aspectRatio}).</p>
        <div className="batch-compose__options">
          {ASPECT_RATIOS.map((ratio) => (
            <Checkbox
              key={ratio}
              label={ratio}
              checked={compose.aspectRatios.includes(ratio)}
              onChange={() => edit({ aspectRatios: toggle(compose.aspectRatios, ratio) })}
            />
          ))}
        </div>
      </fieldset>

      {compose.variables.length === 0 && (
        <p className="batch-compose__hint">
          Prompt matrix: choose a template on Generate to vary its fields here.
        </p>
      )}
      {compose.variables.length > 0 && (
        <fieldset className="batch-compose__set">
          <legend>Prompt matrix</legend>
          <p className="batch-compose__hint">
            Values for the template's variables, one per line or comma-separated; empty keeps the form's
            value.
          </p>
          {compose.variables.map((variable) => (
            <label key={variable} className="batch-compose__field">
              <span className="batch-compose__label">{variable}</span>
              <textarea
                className="input batch-compose__values"
                rows={2}
                aria-label={`Values of ${variable}`}
                value={compose.matrix[variable] ?? ''}
                onChange={(event) => edit({ matrix: { ...compose.matrix, [variable]: event.target.value } })}
              />
            </label>
          ))}
        </fieldset>
      )}

      {styles.length > 0 && (
        <fieldset className="batch-compose__set">
          <legend>Styles</legend>
          <p className="batch-compose__hint">
            None ticked: the form's style{compose.styleName ? '' : ' (none)'}.
          </p>
          <div className="batch-compose__options batch-compose__options--styles">
            {styles.map((style) => (
              <Checkbox
                key={style.id}
                label={`${style.name} v${style.version}`}
                checked={compose.styles.includes(style.latestVersionId)}
                onChange={() => edit({ styles: toggle(compose.styles, style.latestVersionId) })}
              />
            ))}
          </div>
        </fieldset>
      )}

      <section className="batch-compose__summary" aria-live="polite" aria-label="Batch estimate">
        {estimate ? (
          <>
            <p className="batch-compose__count" data-testid="batch-count">
              <strong>{estimate.items.toLocaleString('en-US')}</strong>{' '}
              {estimate.items === 1 ? 'item' : 'items'}
              <span className="muted">
                {' '}
                ({breakdown(compose)}) · at most {estimate.maxItems.toLocaleString('en-US')} per batch
              </span>
            </p>
            {estimate.perProvider.length > 0 && (
              <table className="batch-compose__costs">
                <thead>
                  <tr>
                    <th scope="col">Provider</th>
                    <th scope="col">Items</th>
                    <th scope="col">Estimated cost</th>
                  </tr>
                </thead>
                <tbody>
                  {estimate.perProvider.map((p) => (
                    <tr key={p.provider}>
                      <td>{p.name}</td>
                      <td>{p.items}</td>
                      <td>{p.usd === null ? 'Price unknown' : `≈ ${formatCost(p.usd)}`}</td>
                    </tr>
                  ))}
                </tbody>
                <tfoot>
                  <tr>
                    <th scope="row">Total</th>
                    <td>{estimate.items - estimate.unrunnable}</td>
                    <td>
                      {estimate.totalUsd === null ? 'Price unknown' : `≈ ${formatCost(estimate.totalUsd)}`}
                    </td>
                  </tr>
                </tfoot>
              </table>
            )}
            {seedless.length > 0 && (
              <p className="batch-compose__hint batch-compose__hint--warn" role="note">
                {seedless.join(' and ')}{' '}
                {seedless.length === 1 ? 'takes no seed: its' : 'take no seed: their'} variants are new draws
                that no seed can bring back.
              </p>
            )}
            {estimate.unrunnable > 0 && (
              <p className="batch-compose__hint">
                {estimate.unrunnable} items have no provider that can run now.
              </p>
            )}
          </>
        ) : (
          <p className="muted">{estimating ? 'Counting…' : ' '}</p>
        )}
        {refusal && (
          <ErrorCard compact error={readableError(refusal, 'The provider', 'This batch cannot start')} />
        )}
      </section>

      <footer className="batch-compose__footer">
        <Button variant="ghost" onClick={() => useBatchesStore.getState().closeCompose()}>
          Cancel
        </Button>
        <Button
          variant="primary"
          icon="generate"
          disabled={estimating || starting || refusal !== null || !estimate}
          onClick={() => void start()}
        >
          {estimate ? `Start ${estimate.items} ${estimate.items === 1 ? 'item' : 'items'}` : 'Start batch'}
        </Button>
      </footer>
    </div>
  );
}
