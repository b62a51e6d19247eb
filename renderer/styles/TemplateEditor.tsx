import type { SegmentName, TemplateVariable } from '../../shared/library-contract';
import { Button, Field, Select } from '../components';
import { newVariable, SEGMENT_HINTS, SEGMENT_LABELS, SEGMENTS, splitList } from './model';
import { useStylesStore } from './store';

const KIND_LABEL: Record<TemplateVariable['kind'], string> = {
  text: 'Text',
  enum: 'Choice',
  number: 'Number',
};

function numberOr(text: string, fallback: number): number {
  const value = Number(text);
  return text.trim() !== '' && Number.isFinite(value) ? value : fallback;
}

function VariableRow({
  variable,
  onChange,
  onRemove,
}: {
  variable: TemplateVariable;
  onChange: (next: TemplateVariable) => void;
  onRemove: () => void;
}) {
  const name = variable.name || 'variable';
  return (
    <li className="variable">
      <input
        className="input input--sm variable__name"
        aria-label={`Name of variable ${name}`}
        value={variable.name}
        spellCheck={false}
        onChange={(event) =>
          onChange({ ...variable, name: event.target.value.toLowerCase().replace(/[^a-z0-9_]/g, '_') })
        }
      />
      <Select
        aria-label={`Type of variable ${name}`}
        className="variable__kind"
        value={variable.kind}
        options={(['text', 'enum', 'number'] as const).map((kind) => ({
          value: kind,
          label: KIND_LABEL[kind],
        }))}
        onChange={(event) => {
          const kind = event.target.value as TemplateVariable['kind'];
          if (kind !== variable.kind) onChange({ ...newVariable(kind, []), name: variable.name });
        }}
      />
      {variable.kind === 'text' && (
        <label className="variable__rule">
          <span>max</span>
          <input
            className="input input--sm input--number"
            type="number"
            min={1}
            max={500}
            aria-label={`Maximum length of ${name}`}
            value={variable.maxLength}
            onChange={(event) =>
              onChange({
                ...variable,
                maxLength: Math.min(500, Math.max(1, numberOr(event.target.value, 1))),
              })
            }
          />
          <span>chars</span>
        </label>
      )}
      {variable.kind === 'enum' && (
        <input
          className="input input--sm variable__values"
          aria-label={`Allowed values of ${name}`}
          placeholder="value, value, value"
          defaultValue={variable.values.join(', ')}
          onBlur={(event) => {
            const values = splitList(event.target.value);
            onChange({ ...variable, values: values.length > 0 ? values : variable.values });
          }}
        />
      )}
      {variable.kind === 'number' && (
        <label className="variable__rule">
          <input
            className="input input--sm input--number"
            type="number"
            aria-label={`Minimum of ${name}`}
            value={variable.min}
            onChange={(event) => onChange({ ...variable, min: numberOr(event.target.value, variable.min) })}
          />
          <span>to</span>
          <input
            className="input input--sm input--number"
            type="number"
            aria-label={`Maximum of ${name}`}
            value={variable.max}
            onChange={(event) => onChange({ ...variable, max: numberOr(event.target.value, variable.max) })}
          />
        </label>
      )}
      <Button
        variant="ghost"
        size="sm"
        icon="trash"
        aria-label={`Remove variable ${name}`}
        onClick={onRemove}
      />
    </li>
  );
}

/** The five segments, each its own box, and the typed variables they may use. */
export function TemplateEditor() {
  const template = useStylesStore((s) => s.template);
  const templates = useStylesStore((s) => s.templates);
  const templateId = useStylesStore((s) => s.draft.templateId);
  const { chooseTemplate, setTemplate } = useStylesStore.getState();

  const choice = templateId !== null ? String(templateId) : template ? 'new' : '';

  return (
    <section className="editor__section" aria-labelledby="template-title">
      <div className="editor__section-head">
        <h2 className="editor__h2" id="template-title">
          Prompt template
        </h2>
        <Select
          aria-label="Template"
          className="editor__template-select"
          value={choice}
          options={[
            { value: '', label: 'No template (the prompt is the subject)' },
            ...(choice === 'new' ? [{ value: 'new', label: 'New template (saved with the style)' }] : []),
            ...templates.map((t) => ({ value: String(t.id), label: `${t.name} · v${t.version}` })),
            ...(choice !== 'new' ? [{ value: 'new', label: 'New template…' }] : []),
          ]}
          onChange={(event) => {
            const value = event.target.value;
            void chooseTemplate(value === '' ? null : value === 'new' ? 'new' : Number(value));
          }}
        />
      </div>
      {!template ? (
        <p className="field__hint">
          Without a template, Generate’s prompt becomes the subject and the style adds its tokens and
          negatives.
        </p>
      ) : (
        <>
          <Field label="Template name">
            {({ id }) => (
              <input
                id={id}
                className="input"
                value={template.name}
                maxLength={80}
                onChange={(event) => setTemplate({ name: event.target.value })}
              />
            )}
          </Field>
          <div className="segments">
            {SEGMENTS.map((segment: SegmentName, index) => (
              <Field
                key={segment}
                className={`segment segment--${segment}`}
                label={
                  <>
                    <span className="segment__num" aria-hidden="true">
                      {index + 1}
                    </span>
                    {SEGMENT_LABELS[segment]}
                  </>
                }
                hint={SEGMENT_HINTS[segment]}
              >
                {({ id, describedBy }) => (
                  <textarea
                    id={id}
                    className="input textarea segment__input"
                    rows={2}
                    maxLength={1000}
                    spellCheck={false}
                    aria-describedby={describedBy}
                    value={template.segments[segment]}
                    onChange={(event) =>
                      setTemplate({ segments: { ...template.segments, [segment]: event.target.value } })
                    }
                  />
                )}
              </Field>
            ))}
          </div>
          <div className="variables">
            <div className="editor__section-head">
              <h3 className="editor__h3">Variables</h3>
              <span className="field__hint">
                Values are substituted, never concatenated: separators, weights, LoRA tags and flags are
                refused.
              </span>
            </div>
            <ul className="variables__list" aria-label="Variables">
              {template.variables.map((variable, index) => (
                <VariableRow
                  // biome-ignore lint/suspicious/noArrayIndexKey: names change while typing; rows are positional.
                  key={index}
                  variable={variable}
                  onChange={(next) =>
                    setTemplate({ variables: template.variables.map((v, i) => (i === index ? next : v)) })
                  }
                  onRemove={() =>
                    setTemplate({ variables: template.variables.filter((_, i) => i !== index) })
                  }
                />
              ))}
            </ul>
            <div className="variables__add">
              {(['text', 'enum', 'number'] as const).map((kind) => (
                <Button
                  key={kind}
                  size="sm"
                  variant="ghost"
                  icon="plus"
                  disabled={template.variables.length >= 32}
                  onClick={() =>
                    setTemplate({
                      variables: [
                        ...template.variables,
                        newVariable(
                          kind,
                          template.variables.map((v) => v.name),
                        ),
                      ],
                    })
                  }
                >
                  {KIND_LABEL[kind]} variable
                </Button>
              ))}
            </div>
          </div>
        </>
      )}
    </section>
  );
}
