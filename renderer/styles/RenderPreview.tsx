import { useEffect, useMemo, useState } from 'react';
import type { RenderedPrompt } from '../../shared/library-contract';
import type { AppErrorShape } from '../../shared/result';
import { api } from '../api';
import { providerName, useCatalogStore } from '../app/catalog';
import { Badge, ErrorCard, Field, Select, Spinner, TabPanel, Tabs } from '../components';
import { readableError } from '../lib/errors';
import { SEGMENT_LABELS, SEGMENTS } from './model';
import { useStylesStore } from './store';

const HANDLING: Record<RenderedPrompt['negativeHandling'], string> = {
  field: 'sent in the negative field',
  folded: 'folded into the prompt',
  dropped: 'dropped: this model has no negative field',
  none: 'none',
};

function VariableValues() {
  const template = useStylesStore((s) => s.template);
  const values = useStylesStore((s) => s.values);
  const sampleSubject = useStylesStore((s) => s.sampleSubject);
  const { setValue, setSampleSubject } = useStylesStore.getState();
  if (!template || template.variables.length === 0) {
    return (
      <Field label="Sample prompt" hint="What Generate would send as the subject.">
        {({ id, describedBy }) => (
          <input
            id={id}
            className="input"
            aria-describedby={describedBy}
            value={sampleSubject}
            onChange={(event) => setSampleSubject(event.target.value)}
          />
        )}
      </Field>
    );
  }
  return (
    <div className="values">
      {template.variables.map((variable) => (
        <Field key={variable.name} label={variable.label || variable.name}>
          {({ id }) =>
            variable.kind === 'enum' ? (
              <Select
                id={id}
                value={String(values[variable.name] ?? '')}
                options={variable.values.map((v) => ({ value: v, label: v }))}
                onChange={(event) => setValue(variable.name, event.target.value)}
              />
            ) : variable.kind === 'number' ? (
              <input
                id={id}
                className="input input--number"
                type="number"
                min={variable.min}
                max={variable.max}
                step={variable.integer ? 1 : 'any'}
                value={String(values[variable.name] ?? '')}
                onChange={(event) => setValue(variable.name, Number(event.target.value))}
              />
            ) : (
              <input
                id={id}
                className="input"
                maxLength={variable.maxLength}
                value={String(values[variable.name] ?? '')}
                onChange={(event) => setValue(variable.name, event.target.value)}
              />
            )
          }
        </Field>
      ))}
    </div>
  );
}

/** The rendered prompt for each provider, following every keystroke of the editor. */
export function RenderPreview() {
  const draft = useStylesStore((s) => s.draft);
  const template = useStylesStore((s) => s.template);
  const values = useStylesStore((s) => s.values);
  const sampleSubject = useStylesStore((s) => s.sampleSubject);
  const providers = useCatalogStore((s) => s.providers);
  const [renders, setRenders] = useState<RenderedPrompt[]>([]);
  const [error, setError] = useState<AppErrorShape | null>(null);
  const [loading, setLoading] = useState(false);
  const [provider, setProvider] = useState('');

  const input = useMemo(
    () => ({
      style: { fields: { ...draft, name: draft.name.trim() || 'Untitled' } },
      ...(template
        ? { template: { fields: { ...template, name: template.name.trim() || 'Untitled' } } }
        : {}),
      values,
      prompt: template ? '' : sampleSubject,
    }),
    [draft, template, values, sampleSubject],
  );
  const key = JSON.stringify(input);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the key stands for the input.
  useEffect(() => {
    let live = true;
    setLoading(true);
    const timer = setTimeout(async () => {
      const result = await api.call('library.render', input);
      if (!live) return;
      setLoading(false);
      if (!result.ok) {
        setError(result.error);
        return;
      }
      setError(null);
      setRenders(result.value.renders);
    }, 220);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key]);

  const current = renders.find((r) => r.provider === provider) ?? renders[0];

  return (
    <section className="render" aria-labelledby="render-title">
      <div className="editor__section-head">
        <h2 className="editor__h2" id="render-title">
          Rendered prompt
        </h2>
        {loading && <Spinner size={14} />}
      </div>
      <VariableValues />
      {error && <ErrorCard compact error={readableError(error)} />}
      {renders.length > 0 && current && (
        <>
          <Tabs
            label="Provider"
            idBase="render"
            className="render__tabs"
            items={renders.map((r) => ({ value: r.provider, label: providerName(providers, r.provider) }))}
            value={current.provider}
            onChange={setProvider}
          />
          <TabPanel
            idBase="render"
            value={current.provider}
            className={error ? 'render__panel is-stale' : 'render__panel'}
          >
            <p className="render__model">
              {current.model}
              {current.negativeHandling !== 'none' && (
                <Badge tone={current.negativeHandling === 'dropped' ? 'warning' : 'neutral'}>
                  negative {HANDLING[current.negativeHandling]}
                </Badge>
              )}
            </p>
            <div className="render__block">
              <span className="render__label">Prompt</span>
              <p className="render__text" data-testid="rendered-prompt">
                {current.prompt || <span className="muted">empty</span>}
              </p>
            </div>
            {current.negativePrompt && (
              <div className="render__block">
                <span className="render__label">Negative prompt</span>
                <p className="render__text render__text--negative">{current.negativePrompt}</p>
              </div>
            )}
            <dl className="render__segments">
              {SEGMENTS.map((segment) =>
                current.segments[segment] ? (
                  <div key={segment} className={`render__segment render__segment--${segment}`}>
                    <dt>{SEGMENT_LABELS[segment]}</dt>
                    <dd>{current.segments[segment]}</dd>
                  </div>
                ) : null,
              )}
            </dl>
            {Object.keys(current.options).length > 0 && (
              <div className="render__block">
                <span className="render__label">Provider options</span>
                <code className="render__code">{JSON.stringify(current.options)}</code>
              </div>
            )}
            {current.warnings.length > 0 && (
              <ul className="render__warnings">
                {current.warnings.map((warning) => (
                  <li key={warning} className="warn-text">
                    {warning}
                  </li>
                ))}
              </ul>
            )}
          </TabPanel>
        </>
      )}
    </section>
  );
}
