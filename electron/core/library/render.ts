import {
  type NegativeGroup,
  SEGMENT_LABELS,
  SEGMENT_NAMES,
  type SegmentName,
  type StyleFields,
  subjectVariable,
  type TemplateFields,
  type TemplateSegments,
  type TemplateValues,
  type TemplateVariable,
} from '../../../shared/library-contract';
import { AppError, fieldError } from '../../../shared/result';
import { settingsPath } from '../../../shared/settings-tabs';
import type { CatalogModel, CatalogProvider } from '../providers/catalog';
import { FLUX_NEGATIVE_PROMPT_NOTE, negativePromptWarning } from '../providers/image-params';
import { skeleton, visibleText } from './skeleton';

/** Positive segments are joined by line breaks, which no variable value can contain. */
export const SEGMENT_SEPARATOR = '\n';
const POSITIVE_SEGMENTS = SEGMENT_NAMES.filter((s) => s !== 'negative');
const PLACEHOLDER = /\{\{\s*([a-z][a-z0-9_]{0,31})\s*\}\}/g;

/** Syntax that steers a model rather than describing the image: refused in variable values. */
const FORBIDDEN: readonly { pattern: RegExp; what: string }[] = [
  { pattern: /::/, what: 'a segment separator "::"' },
  { pattern: /\{\{|\}\}/, what: 'a template placeholder' },
  { pattern: /<\s*(lora|lyco|hypernet|embedding)\s*:/i, what: 'a LoRA tag' },
  { pattern: /[([{][^)\]}]*:\s*-?\d+(\.\d+)?\s*[)\]}]/, what: 'prompt-weight syntax such as (word:1.5)' },
  { pattern: /(^|\s)(--|—|–)[a-z]/i, what: 'a flag such as --sref' },
  { pattern: /\b(negative(\s+prompt)?|avoid)\s*:/i, what: 'a negative-prompt marker' },
  { pattern: /\p{L}:\s*-?\d+(\.\d+)?(?![\p{L}\d])/u, what: 'a weight such as word:1.5' },
  // Upper case only: that is how AUTOMATIC1111 reads them, and "a coffee break and a kettle" stays valid.
  { pattern: /(?<![\p{L}\p{N}_])BREAK(?![\p{L}\p{N}_])/u, what: 'the AUTOMATIC1111 keyword BREAK' },
  {
    pattern: /(?<![\p{L}\p{N}_])AND(?![\p{L}\p{N}_])/u,
    what: 'the AUTOMATIC1111 prompt-composition keyword AND',
  },
  { pattern: /embedding\s*:/i, what: 'a ComfyUI embedding such as embedding:name' },
];

/** Characters some syntaxes read as emphasis or alternation: removed from values, never interpreted. */
const NEUTRALIZED = /[()[\]{}<>|\\]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is removed.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\ufeff]/g;

function refuse(variable: string, why: string): never {
  throw fieldError(['values', variable], why, { details: { variable } });
}

/** One text value made safe to place inside a segment, or refused naming the variable. */
export function sanitizeText(variable: string, raw: string, maxLength: number): string {
  // NFKC folds full-width look-alikes (（word：1.5）) onto the ASCII syntax checked below.
  // Invisible characters are removed, not spaced: "forbidden\u200bword" must read as the word it shows.
  const normalized = visibleText(raw).replace(CONTROL, ' ');
  for (const { pattern, what } of FORBIDDEN) {
    if (pattern.test(normalized)) refuse(variable, `must not contain ${what}.`);
  }
  const value = normalized.replace(NEUTRALIZED, ' ').replace(/\s+/g, ' ').trim();
  if (value.length > maxLength) refuse(variable, `must be at most ${maxLength} characters.`);
  return value;
}

/** Each declared variable's rendered text; unknown, missing and out-of-range values are refused. */
export function resolveValues(
  variables: readonly TemplateVariable[],
  values: TemplateValues,
): Map<string, string> {
  const declared = new Map(variables.map((v) => [v.name, v]));
  for (const name of Object.keys(values)) {
    if (!declared.has(name)) refuse(name, 'is not a variable of this template.');
  }
  const out = new Map<string, string>();
  for (const variable of variables) {
    const given = values[variable.name];
    const value = given ?? variable.default;
    if (value === undefined || value === '') {
      if (variable.required) refuse(variable.name, 'is required.');
      out.set(variable.name, '');
      continue;
    }
    out.set(variable.name, renderValue(variable, value));
  }
  return out;
}

function renderValue(variable: TemplateVariable, value: string | number): string {
  switch (variable.kind) {
    case 'text':
      if (typeof value !== 'string') refuse(variable.name, 'must be text.');
      return sanitizeText(variable.name, value, variable.maxLength);
    case 'enum': {
      const text = typeof value === 'string' ? value.normalize('NFKC').trim() : String(value);
      // Only the author's own values ever reach the prompt.
      const match = variable.values.find((allowed) => allowed === text);
      if (match === undefined)
        refuse(variable.name, `must be one of ${variable.values.map((v) => `"${v}"`).join(', ')}.`);
      return match;
    }
    case 'number': {
      let n: number;
      if (typeof value === 'number') n = value;
      else if (/^\s*-?\d+(\.\d+)?\s*$/.test(value)) n = Number(value);
      else refuse(variable.name, 'must be a number.');
      if (!Number.isFinite(n)) refuse(variable.name, 'must be a finite number.');
      if (variable.integer && !Number.isInteger(n)) refuse(variable.name, 'must be a whole number.');
      if (n < variable.min || n > variable.max) {
        refuse(variable.name, `must be between ${variable.min} and ${variable.max}.`);
      }
      return String(n);
    }
  }
}

/** The values with the typed prompt as the subject, unless the values already give one. */
export function withSubject(
  template: TemplateFields,
  values: TemplateValues,
  prompt: string,
): TemplateValues {
  const subject = subjectVariable(template);
  const typed = prompt.trim();
  if (!subject || typed === '') return values;
  const given = values[subject.name];
  if (given !== undefined && given !== '') return values;
  return { ...values, [subject.name]: typed };
}

/** The value each variable was rendered with (given or its default), as entered; empty ones left out. */
export function usedValues(template: TemplateFields, values: TemplateValues): TemplateValues {
  const used: TemplateValues = {};
  for (const variable of template.variables) {
    const value = values[variable.name] ?? variable.default;
    if (value !== undefined && value !== '') used[variable.name] = value;
  }
  return used;
}

/** Refuses a template whose segments use undeclared variables or whose variables are inconsistent. */
export function validateTemplate(fields: TemplateFields): void {
  const names = new Set<string>();
  for (const variable of fields.variables) {
    if (names.has(variable.name)) {
      throw fieldError(['variables'], `"${variable.name}" is declared twice.`);
    }
    names.add(variable.name);
    if (variable.kind === 'number' && variable.min > variable.max) {
      throw fieldError(['variables', variable.name], `min must not exceed max.`);
    }
    if (
      variable.kind === 'enum' &&
      variable.default !== undefined &&
      !variable.values.includes(variable.default)
    ) {
      throw fieldError(['variables', variable.name], `the default must be one of its values.`);
    }
  }
  for (const segment of SEGMENT_NAMES) {
    for (const match of fields.segments[segment].matchAll(PLACEHOLDER)) {
      const name = match[1] ?? '';
      if (!names.has(name)) {
        throw fieldError(['segments', segment], `{{${name}}} is not a declared variable.`);
      }
    }
  }
}

/** A template's five segments with values substituted once (a value is never re-scanned for placeholders). */
export function renderSegments(template: TemplateFields, values: TemplateValues): TemplateSegments {
  validateTemplate(template);
  const resolved = resolveValues(template.variables, values);
  const out = {} as TemplateSegments;
  for (const segment of SEGMENT_NAMES) {
    out[segment] = tidy(
      template.segments[segment].replace(PLACEHOLDER, (_, name: string) => resolved.get(name) ?? ''),
    );
  }
  return out;
}

function tidy(text: string): string {
  return text
    .replace(/[ \t]+/g, ' ')
    .replace(/\s*,(\s*,)+/g, ',')
    .replace(/^[\s,]+|[\s,]+$/g, '');
}

/** Terms joined once each (case-insensitively), in first-seen order. */
export function joinTerms(parts: readonly string[]): string {
  const seen = new Set<string>();
  const kept: string[] = [];
  for (const part of parts) {
    for (const term of part.split(',')) {
      const t = term.trim();
      const key = t.toLowerCase();
      if (t === '' || seen.has(key)) continue;
      seen.add(key);
      kept.push(t);
    }
  }
  return kept.join(', ');
}

export interface ComposeInput {
  template: TemplateFields | null;
  values: TemplateValues;
  style: StyleFields | null;
  /** The request's prompt: the subject segment without a template, the subject variable with one. */
  prompt: string;
  negativePrompt: string;
  negatives: readonly NegativeGroup[];
}

/** The segments after the template, the style's tokens and negatives, and the request's own negative. */
export function composeSegments(input: ComposeInput): {
  segments: TemplateSegments;
  warnings: string[];
  /** Each template variable's value as rendered (the typed subject and defaults included). */
  values: TemplateValues;
} {
  const warnings: string[] = [];
  if (!input.template && Object.keys(input.values).length > 0) {
    throw fieldError(['values'], 'there is no template to fill.');
  }
  const values = input.template ? withSubject(input.template, input.values, input.prompt) : {};
  const segments: TemplateSegments = input.template
    ? renderSegments(input.template, values)
    : { subject: input.prompt.trim(), environment: '', technical: '', style: '', negative: '' };
  const style = input.style;
  const negativeParts = [segments.negative];
  if (style) {
    segments.style = joinTerms([segments.style, ...style.styleTokens]);
    const bySlug = new Map(input.negatives.map((g) => [g.slug, g]));
    for (const slug of style.negativeGroups) {
      const group = bySlug.get(slug);
      if (group) negativeParts.push(group.terms.join(', '));
      else warnings.push(`The negative group "${slug}" is not in this library; it was left out.`);
    }
    negativeParts.push(style.negativeTerms.join(', '));
  }
  negativeParts.push(input.negativePrompt);
  segments.negative = joinTerms(negativeParts);
  return { segments, warnings, values: input.template ? usedValues(input.template, values) : {} };
}

/** The positive prompt: non-empty positive segments, one per line. */
export function positivePrompt(segments: TemplateSegments): string {
  return POSITIVE_SEGMENTS.map((s) => segments[s])
    .filter((text) => text !== '')
    .join(SEGMENT_SEPARATOR);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface BannedTerm {
  /** As the list says it, invisible characters removed: what the refusal names. */
  shown: string;
  /** Whole words only, on the skeleton: "ass" must not refuse "glass". */
  pattern: RegExp;
}

function bannedPatterns(banned: readonly string[]): BannedTerm[] {
  return banned
    .map((term) => ({ shown: visibleText(term).trim(), folded: skeleton(term).trim() }))
    .filter((t) => t.folded !== '')
    .map((t) => ({
      shown: t.shown,
      pattern: new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(t.folded)}(?![\\p{L}\\p{N}])`, 'u'),
    }));
}

function refuseBanned(term: string, segment: SegmentName, field: string | null): never {
  const where = `${SEGMENT_LABELS[segment]}${field ? ` (${field})` : ''}`;
  throw new AppError(
    'invalid_input',
    `The prompt uses the banned term "${term}" in ${where}. Remove it, or edit the list in ${settingsPath('library')}.`,
    { fix: 'library', details: field ? { term, segment, field } : { term, segment } },
  );
}

/**
 * Refuses the first banned term found in a positive segment, naming the term and the segment. Text and terms
 * are compared by their skeletons, so zero-width characters and look-alike letters do not hide a term.
 */
export function checkBannedTerms(segments: TemplateSegments, banned: readonly string[]): void {
  const terms = bannedPatterns(banned);
  if (terms.length === 0) return;
  for (const segment of POSITIVE_SEGMENTS) {
    const text = skeleton(segments[segment]);
    for (const term of terms) {
      if (term.pattern.test(text)) refuseBanned(term.shown, segment, null);
    }
  }
}

/**
 * Refuses a template value, as typed, that holds a banned term, naming the field and the positive segment it
 * fills (a value placed only in the negative segment may name what to avoid, like the segment itself).
 */
export function checkBannedValues(
  template: TemplateFields,
  values: TemplateValues,
  banned: readonly string[],
): void {
  const terms = bannedPatterns(banned);
  if (terms.length === 0) return;
  for (const variable of template.variables) {
    const value = values[variable.name] ?? variable.default;
    if (typeof value !== 'string' || value === '') continue;
    const segment = POSITIVE_SEGMENTS.find((s) =>
      [...template.segments[s].matchAll(PLACEHOLDER)].some((m) => m[1] === variable.name),
    );
    if (!segment) continue;
    const text = skeleton(value);
    for (const term of terms) {
      if (term.pattern.test(text)) refuseBanned(term.shown, segment, `values.${variable.name}`);
    }
  }
}

/** The options a style sets for one provider (the provider's own parameter names). */
export function styleOptions(style: StyleFields | null): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  if (!style) return out;
  const o = style.overrides;
  if (o.leonardo) out.leonardo = { presetStyle: o.leonardo.presetStyle };
  if (o.stability) out.stability = { style_preset: o.stability.stylePreset };
  if (o.ideogram) out.ideogram = { style_type: o.ideogram.styleType };
  if (o.a1111) out.a1111 = { lora: { name: o.a1111.lora.name, weight: o.a1111.lora.weight } };
  return out;
}

/** Models that take no negative prompt and where naming unwanted things backfires (FLUX). */
function dropsNegative(model: CatalogModel): boolean {
  return /flux/i.test(model.id) || /flux/i.test(model.name);
}

export interface ProviderRender {
  prompt: string;
  negativePrompt: string;
  negativeHandling: 'field' | 'folded' | 'dropped' | 'none';
  options: Record<string, unknown>;
  warnings: string[];
}

/** How one provider's model receives the segments, following its catalog capabilities. */
export function renderForProvider(
  segments: TemplateSegments,
  style: StyleFields | null,
  provider: CatalogProvider,
  model: CatalogModel,
): ProviderRender {
  const warnings: string[] = [];
  let prompt = positivePrompt(segments);
  const negative = segments.negative;
  let negativePrompt = '';
  let negativeHandling: ProviderRender['negativeHandling'] = 'none';
  if (negative !== '') {
    if (model.capabilities.negativePrompt) {
      negativePrompt = negative;
      negativeHandling = 'field';
    } else if (dropsNegative(model)) {
      negativeHandling = 'dropped';
      warnings.push(FLUX_NEGATIVE_PROMPT_NOTE);
    } else {
      // The same fold the adapters do, so the live view shows what is sent.
      prompt = `${prompt}\n\nAvoid: ${negative}`;
      negativeHandling = 'folded';
      warnings.push(negativePromptWarning(model.name));
    }
  }
  const options = styleOptions(style)[provider.id] ?? {};
  if (style) {
    const o = style.overrides;
    if (o.a1111 && provider.id === 'a1111') {
      prompt = `${prompt} <lora:${o.a1111.lora.name}:${o.a1111.lora.weight}>`;
    }
    if (o.comfyui && provider.id === 'comfyui') {
      warnings.push("The style's ComfyUI workflow is kept with the style; runs use the server's workflow.");
    }
    const d = style.defaults;
    if (d.steps !== undefined && model.capabilities.steps === null) {
      warnings.push(`${model.name} chooses its own steps; the style's ${d.steps} steps are ignored.`);
    }
    if (d.guidance !== undefined && model.capabilities.guidance === null) {
      warnings.push(`${model.name} takes no guidance; the style's guidance ${d.guidance} is ignored.`);
    }
    if (style.referencePaths.length > 0 && !model.capabilities.imageInput) {
      warnings.push(`${model.name} takes no reference image; the style's references are not sent.`);
    }
  }
  return { prompt, negativePrompt, negativeHandling, options, warnings };
}
