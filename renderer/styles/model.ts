// Plain values of the style library for the renderer (the contract's zod modules stay out of the bundle).
import type {
  NegativeArtifact,
  SegmentName,
  StyleFields,
  StyleStatus,
  TemplateFields,
  TemplateVariable,
} from '../../shared/library-contract';

export const SEGMENTS = [
  'subject',
  'environment',
  'technical',
  'style',
  'negative',
] as const satisfies readonly SegmentName[];

export const SEGMENT_LABELS: Record<SegmentName, string> = {
  subject: 'Subject + action',
  environment: 'Environment / context',
  technical: 'Technical spec',
  style: 'Style vector',
  negative: 'Negative constraints',
};

export const SEGMENT_HINTS: Record<SegmentName, string> = {
  subject: 'Who or what, doing what. Insert variables with {{name}}.',
  environment: 'Where and when: setting, background, time of day.',
  technical: 'Camera, lens, lighting setup, render engine, resolution.',
  style: 'The look. Style tokens of the style are appended here.',
  negative: 'What to avoid. Negative groups and terms of the style are merged here.',
};

export const STATUSES = ['draft', 'approved', 'deprecated'] as const satisfies readonly StyleStatus[];

export const STATUS_LABEL: Record<StyleStatus, string> = {
  draft: 'Draft',
  approved: 'Approved',
  deprecated: 'Deprecated',
};

export const STATUS_TONE: Record<StyleStatus, 'neutral' | 'success' | 'warning'> = {
  draft: 'neutral',
  approved: 'success',
  deprecated: 'warning',
};

export const ARTIFACT_LABEL: Record<NegativeArtifact, string> = {
  blur: 'Blur',
  oversaturation: 'Oversaturation',
  anatomy: 'Anatomy',
  text_distortion: 'Text distortion',
  watermark: 'Watermark / logo',
  composition: 'Composition',
  other: 'Other',
};

export function emptyStyle(): StyleFields {
  return {
    name: '',
    owner: '',
    description: '',
    tags: [],
    styleTokens: [],
    negativeGroups: [],
    negativeTerms: [],
    defaults: {},
    preferredRoute: null,
    overrides: {},
    templateId: null,
    referencePaths: [],
    status: 'draft',
    deprecatedOn: null,
    successorId: null,
  };
}

export function emptyTemplate(name = ''): TemplateFields {
  return {
    name,
    description: '',
    segments: { subject: '{{subject}}', environment: '', technical: '', style: '', negative: '' },
    variables: [{ name: 'subject', kind: 'text', maxLength: 200, required: true, label: 'Subject' }],
  };
}

export function newVariable(kind: TemplateVariable['kind'], taken: string[]): TemplateVariable {
  let n = 1;
  while (taken.includes(`var${n}`)) n++;
  const name = `var${n}`;
  if (kind === 'enum') return { name, kind, values: ['a', 'b'], required: true };
  if (kind === 'number') return { name, kind, min: 0, max: 10, integer: false, required: true };
  return { name, kind, maxLength: 120, required: true };
}

/** Comma- or newline-separated text to a clean list. */
export function splitList(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Matches a style against the search box: every word must prefix a word of the name, a tag, the owner or the description. */
export function matchesQuery(
  style: { name: string; tags: string[]; owner: string; description: string },
  query: string,
): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = [style.name, style.owner, style.description, ...style.tags]
    .join(' ')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  const whole = `${style.name} ${style.tags.join(' ')}`.toLowerCase();
  return words.every((word) => whole.includes(word) || haystack.some((h) => h.startsWith(word)));
}
