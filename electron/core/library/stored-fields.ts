import { withoutUnsafeLabelCharacters } from '../../../shared/input-rules';
import { StyleFields, TemplateFields } from '../../../shared/library-contract';

/** Stored fields, read tolerantly: labels saved before control characters were refused lose them. */
export function parseStoredStyleFields(json: string): StyleFields {
  const raw: unknown = JSON.parse(json);
  if (!isRecord(raw)) return StyleFields.parse(raw);
  return StyleFields.parse({
    ...raw,
    ...(typeof raw.name === 'string' ? { name: withoutUnsafeLabelCharacters(raw.name) } : {}),
    ...(typeof raw.owner === 'string' ? { owner: withoutUnsafeLabelCharacters(raw.owner) } : {}),
    ...(Array.isArray(raw.tags) ? { tags: raw.tags.map(cleanLabel) } : {}),
  });
}
export function parseStoredTemplateFields(json: string): TemplateFields {
  const raw: unknown = JSON.parse(json);
  if (!isRecord(raw)) return TemplateFields.parse(raw);
  return TemplateFields.parse({
    ...raw,
    ...(typeof raw.name === 'string' ? { name: withoutUnsafeLabelCharacters(raw.name) } : {}),
    ...(Array.isArray(raw.variables)
      ? {
          variables: raw.variables.map((v: unknown) => {
            if (!isRecord(v)) return v;
            const choice = v.kind === 'enum';
            return {
              ...v,
              ...(typeof v.label === 'string' ? { label: withoutUnsafeLabelCharacters(v.label) } : {}),
              ...(choice && Array.isArray(v.values) ? { values: v.values.map(cleanLabel) } : {}),
              ...(choice && typeof v.default === 'string' ? { default: cleanLabel(v.default) } : {}),
            };
          }),
        }
      : {}),
  });
}
function cleanLabel(value: unknown): unknown {
  return typeof value === 'string' ? withoutUnsafeLabelCharacters(value) : value;
}
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
