import { useEffect, useMemo, useState } from 'react';
import { type RenderedPrompt as Rendered, subjectVariable } from '../../shared/library-contract';
import type { AppErrorShape } from '../../shared/result';
import { api } from '../api';
import { stepName, useCatalogStore } from '../app/catalog';
import { Spinner } from '../components';
import { readableError } from '../lib/errors';
import { buildRequest, useGenerateStore } from './store';
import { useTarget } from './target';

const NEGATIVE: Record<Rendered['negativeHandling'], string> = {
  field: 'sent as the negative prompt',
  folded: 'folded into the prompt (no negative field)',
  dropped: 'left out: this model has no negative field',
  none: '',
};

/**
 * With a style or template attached, the prompt the provider will receive is not the one typed: this
 * shows it (the main process renders it, the same way it will at dispatch), before Generate.
 */
export function RenderedPrompt() {
  const form = useGenerateStore((s) => s.form);
  const providers = useCatalogStore((s) => s.providers);
  const target = useTarget();
  const [render, setRender] = useState<Rendered | null>(null);
  const [error, setError] = useState<AppErrorShape | null>(null);
  const [loading, setLoading] = useState(false);
  const active = form.style !== null || form.template !== null;
  const subject = form.template?.fields ? subjectVariable(form.template.fields) : null;
  const waiting = subject !== null && form.prompt.trim() === '';

  const input = useMemo(() => {
    if (!active || !target || waiting) return null;
    const { request } = buildRequest(form, providers, true);
    return {
      ...(request.style ? { style: request.style } : {}),
      ...(request.template ? { template: { versionId: request.template.versionId } } : {}),
      values: request.template?.values ?? {},
      prompt: form.prompt.trim(),
      negativePrompt: request.negativePrompt,
      targets: [target],
    };
  }, [active, waiting, form, providers, target]);
  const key = input ? JSON.stringify(input) : '';

  // biome-ignore lint/correctness/useExhaustiveDependencies: the key stands for the input.
  useEffect(() => {
    if (!input) {
      setRender(null);
      setError(null);
      return;
    }
    let live = true;
    setLoading(true);
    const timer = setTimeout(async () => {
      const result = await api.call('library.render', input);
      if (!live) return;
      setLoading(false);
      if (result.ok) {
        setRender(result.value.renders[0] ?? null);
        setError(null);
      } else {
        setError(result.error);
      }
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key]);

  if (!active) return null;
  const detail = error ? readableError(error).detail : null;
  return (
    <section className="rendered" aria-label="Rendered prompt" aria-busy={loading}>
      <div className="rendered__head">
        <span className="rendered__title">What will be sent</span>
        <span className="rendered__target">
          {target ? `to ${stepName(providers, target)}` : 'no provider can take it now'}
        </span>
        {loading && <Spinner size={12} />}
      </div>
      {waiting ? (
        <p className="rendered__text muted">
          Write the {subject?.label?.toLowerCase() || 'subject'} above to see the prompt.
        </p>
      ) : detail ? (
        <p className="rendered__error" role="alert">
          {detail}
        </p>
      ) : render ? (
        <>
          <p
            className={error ? 'rendered__text is-stale' : 'rendered__text'}
            data-testid="generate-rendered-prompt"
          >
            {render.prompt}
          </p>
          {render.negativePrompt && (
            <p className="rendered__negative">
              <span className="rendered__label">Negative</span> {render.negativePrompt}
            </p>
          )}
          {render.negativeHandling !== 'none' && render.negativeHandling !== 'field' && (
            <p className="rendered__note">Negative terms: {NEGATIVE[render.negativeHandling]}.</p>
          )}
        </>
      ) : (
        <p className="rendered__text muted">…</p>
      )}
    </section>
  );
}
