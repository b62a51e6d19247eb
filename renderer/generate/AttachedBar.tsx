import type { ReactNode } from 'react';
import { api } from '../api';
import { findModel, providerName, stepName, useCatalogStore } from '../app/catalog';
import { Button, Icon } from '../components';
import { buildRequest, useGenerateStore } from './store';
import { useTarget } from './target';

interface Attachment {
  key: string;
  label: ReactNode;
  /** What the remove button says to a screen reader: "Remove reference". */
  removeLabel: string;
  remove(): void;
  warning?: string;
  thumb?: string;
}

/**
 * Everything the next request carries besides what is typed: a reference and its strength, a pinned
 * provider, a seed, an exact size, steps, guidance, the cache bypass. Each one is a chip with its own
 * remove button, so nothing attached earlier rides along unseen. (The style has its own banner above.)
 */
export function AttachedBar() {
  const form = useGenerateStore((s) => s.form);
  const providers = useCatalogStore((s) => s.providers);
  const target = useTarget();
  const store = useGenerateStore.getState();
  const { request } = buildRequest(form, providers, true);

  const items: Attachment[] = [];
  if (form.reference) {
    const reference = form.reference;
    const model = target ? findModel(providers, target.provider, target.model ?? '') : undefined;
    const source = reference.fromStyle
      ? ` from style ${reference.fromStyle}`
      : reference.fromRunId !== null
        ? ` from run ${reference.fromRunId}`
        : '';
    items.push({
      key: 'reference',
      label: (
        <>
          Reference{source} · strength {reference.strength.toFixed(2)}
        </>
      ),
      removeLabel: 'Remove reference',
      remove: store.clearReference,
      thumb: reference.path,
      ...(model && !model.imageInput && target
        ? { warning: `${providerName(providers, target.provider)} takes no reference: it would be ignored` }
        : {}),
    });
  }
  if (form.provider) {
    items.push({
      key: 'provider',
      label: <>Pinned to {stepName(providers, { provider: form.provider, model: form.model })}</>,
      removeLabel: 'Unpin provider',
      remove: () => store.setProvider(''),
    });
  }
  if (request.seed !== null) {
    items.push({
      key: 'seed',
      label: <>Seed {request.seed}</>,
      removeLabel: 'Remove seed',
      remove: store.clearSeed,
    });
  }
  if (request.size) {
    items.push({
      key: 'size',
      label: (
        <>
          Exact size {request.size.width}×{request.size.height}
        </>
      ),
      removeLabel: 'Remove exact size',
      remove: () => {
        store.setField('widthText', '');
        store.setField('heightText', '');
      },
    });
  }
  if (request.steps !== undefined) {
    items.push({
      key: 'steps',
      label: <>{request.steps} steps</>,
      removeLabel: 'Remove steps',
      remove: () => store.setField('stepsText', ''),
    });
  }
  if (request.guidance !== undefined) {
    items.push({
      key: 'guidance',
      label: <>Guidance {request.guidance}</>,
      removeLabel: 'Remove guidance',
      remove: () => store.setField('guidanceText', ''),
    });
  }
  if (form.fresh) {
    items.push({
      key: 'fresh',
      label: <>Cache bypassed</>,
      removeLabel: 'Use the cache again',
      remove: () => store.setField('fresh', false),
    });
  }

  // The style has its own banner; this bar lists the rest, and offers to clear all when there is more than one thing.
  if (items.length === 0) return null;
  return (
    <section className="attached" aria-label="Attached to the next run">
      <ul className="attached__list">
        {items.map((item) => (
          <li key={item.key} className={item.warning ? 'attached__chip is-warning' : 'attached__chip'}>
            {item.thumb && <img className="attached__thumb" src={api.mediaUrl(item.thumb)} alt="" />}
            <span className="attached__text">
              {item.label}
              {item.warning && (
                <span className="attached__warning">
                  <Icon name="warning" size={12} /> {item.warning}
                </span>
              )}
            </span>
            <button
              type="button"
              className="attached__remove"
              aria-label={item.removeLabel}
              title={item.removeLabel}
              onClick={item.remove}
            >
              <Icon name="close" size={12} />
            </button>
          </li>
        ))}
      </ul>
      {items.length + (form.style ? 1 : 0) > 1 && (
        <Button variant="ghost" size="sm" className="attached__clear" onClick={store.clearAttachments}>
          Clear all
        </Button>
      )}
    </section>
  );
}
