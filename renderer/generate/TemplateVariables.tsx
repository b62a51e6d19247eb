import { subjectVariable, variableLabel } from '../../shared/library-contract';
import { Field, Select } from '../components';
import { useGenerateStore } from './store';
import { varySlot } from './vary';

/**
 * The style template's variables other than the subject (the Prompt box is that one): text with its
 * length limit, a choice as a select, a number with its range. Empty means the template's default.
 */
export function TemplateVariables() {
  const template = useGenerateStore((s) => s.form.template);
  const setValue = useGenerateStore((s) => s.setTemplateValue);
  const varyTarget = useGenerateStore((s) => s.varyTarget);
  if (!template?.fields) return null;
  const subject = subjectVariable(template.fields);
  const variables = template.fields.variables.filter((v) => v.name !== subject?.name);
  if (variables.length === 0) return null;
  const { values } = template;

  return (
    <fieldset className="template-vars" aria-label={`${template.name || 'Template'} fields`}>
      <legend className="template-vars__legend">{template.name || 'Template'} fields</legend>
      <div className="template-vars__grid">
        {variables.map((variable) => {
          const value = values[variable.name];
          const optional = !variable.required || variable.default !== undefined;
          if (variable.kind === 'enum') {
            return (
              <Field
                key={variable.name}
                className={varySlot(`var:${variable.name}`, varyTarget)}
                label={variableLabel(variable)}
              >
                {({ id, describedBy }) => (
                  <Select
                    id={id}
                    aria-describedby={describedBy}
                    value={String(value ?? variable.default ?? variable.values[0] ?? '')}
                    options={variable.values.map((v) => ({ value: v, label: v }))}
                    onChange={(event) => setValue(variable.name, event.target.value)}
                  />
                )}
              </Field>
            );
          }
          if (variable.kind === 'number') {
            const hint = `${variable.min}–${variable.max}${variable.integer ? ', whole numbers' : ''}${variable.default !== undefined ? `; default ${variable.default}` : ''}`;
            return (
              <Field
                key={variable.name}
                className={varySlot(`var:${variable.name}`, varyTarget)}
                label={variableLabel(variable)}
                hint={hint}
              >
                {({ id, describedBy }) => (
                  <input
                    id={id}
                    className="input input--number"
                    type="number"
                    inputMode={variable.integer ? 'numeric' : 'decimal'}
                    min={variable.min}
                    max={variable.max}
                    step={variable.integer ? 1 : 'any'}
                    placeholder={variable.default !== undefined ? String(variable.default) : undefined}
                    value={value === undefined ? '' : String(value)}
                    aria-describedby={describedBy}
                    onChange={(event) =>
                      setValue(variable.name, event.target.value === '' ? '' : Number(event.target.value))
                    }
                  />
                )}
              </Field>
            );
          }
          const text = value === undefined ? '' : String(value);
          return (
            <Field
              key={variable.name}
              className={`template-vars__wide ${varySlot(`var:${variable.name}`, varyTarget)}`}
              label={variableLabel(variable)}
              hint={optional ? 'Optional' : undefined}
              aside={
                <span className="field__count" aria-hidden="true">
                  {text.length} / {variable.maxLength}
                </span>
              }
            >
              {({ id, describedBy }) => (
                <input
                  id={id}
                  className="input"
                  maxLength={variable.maxLength}
                  placeholder={variable.default}
                  value={text}
                  aria-describedby={describedBy}
                  onChange={(event) => setValue(variable.name, event.target.value)}
                />
              )}
            </Field>
          );
        })}
      </div>
    </fieldset>
  );
}
