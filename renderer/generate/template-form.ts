// The template part of the Generate form, kept free of the store so it can be tested on its own.

import { subjectVariable, type TemplateFields, type TemplateValues } from '../../shared/library-contract';

/** The part of a template choice these helpers read (see TemplateChoice in store.ts). */
interface TemplateOnForm {
  values: TemplateValues;
  fields: TemplateFields | null;
}

/**
 * The values a request sends for a template: the declared variables other than the subject (the Prompt
 * box is that one), empty ones left out so the template's default applies.
 */
export function templateValues(template: TemplateOnForm): TemplateValues {
  const fields = template.fields;
  const subject = fields ? subjectVariable(fields) : null;
  const declared = fields ? new Set(fields.variables.map((v) => v.name)) : null;
  const out: TemplateValues = {};
  for (const [name, value] of Object.entries(template.values)) {
    if (name === subject?.name || value === '') continue;
    if (declared && !declared.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** The values a template starts with on the form: each variable's default, the subject left to the Prompt box. */
export function initialTemplateValues(fields: TemplateFields): TemplateValues {
  const subject = subjectVariable(fields);
  const values: TemplateValues = {};
  for (const variable of fields.variables) {
    if (variable.name === subject?.name) continue;
    if (variable.default !== undefined) values[variable.name] = variable.default;
    else if (variable.kind === 'enum' && variable.required) values[variable.name] = variable.values[0] ?? '';
  }
  return values;
}
