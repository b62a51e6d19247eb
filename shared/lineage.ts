import type { GenerationRequest } from './domain';

/** One setting a child run changed from its parent: what the run dialog's "Differs from parent" lists. */
export interface RequestDifference {
  /** Which setting: the renderer shows provider and model by their names. */
  field: string;
  /** A readable name ("Seed", "Prompt"). */
  label: string;
  parent: string;
  child: string;
}

/** What a designer means by "the run's settings": the request as made (before the library rendered it). */
type Compared = Pick<GenerationRequest, 'prompt' | 'negativePrompt'> & Partial<GenerationRequest>;

/** One side of the comparison: the request as made, and what the run really used. */
export interface ComparedRun {
  request: Compared;
  seed: number | null;
  provider: string;
  model: string | null;
}

const FIELDS: Array<[field: string, label: string, read: (r: ComparedRun) => string]> = [
  ['prompt', 'Prompt', (r) => r.request.prompt],
  ['negativePrompt', 'Negative prompt', (r) => r.request.negativePrompt || '—'],
  ['seed', 'Seed', (r) => (r.seed ?? r.request.seed ?? 'random').toString()],
  ['provider', 'Provider', (r) => r.provider],
  ['model', 'Model', (r) => r.model ?? ''],
  [
    'aspectRatio',
    'Aspect ratio',
    (r) =>
      r.request.size ? `${r.request.size.width}×${r.request.size.height}` : (r.request.aspectRatio ?? '1:1'),
  ],
  ['steps', 'Steps', (r) => (r.request.steps ?? 'default').toString()],
  ['guidance', 'Guidance', (r) => (r.request.guidance ?? 'default').toString()],
  ['count', 'Images', (r) => (r.request.count ?? 1).toString()],
  ['quality', 'Quality', (r) => (r.request.quality === 'draft' ? 'Draft' : 'Final')],
  [
    'reference',
    'Reference',
    (r) => (r.request.reference ? `image, strength ${r.request.reference.strength}` : 'none'),
  ],
  ['style', 'Style version', (r) => (r.request.style ? `version ${r.request.style.versionId}` : 'none')],
  [
    'template',
    'Template values',
    (r) =>
      r.request.template
        ? Object.entries(r.request.template.values ?? {})
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ') || 'none'
        : 'none',
  ],
];

/**
 * The settings that differ between a parent run and its child, in reading order. Seed, provider and model
 * are what each run really used (a reproduction pins what its parent's route chose: no difference).
 */
export function requestDifferences(parent: ComparedRun, child: ComparedRun): RequestDifference[] {
  const out: RequestDifference[] = [];
  for (const [field, label, read] of FIELDS) {
    const a = read(parent);
    const b = read(child);
    if (a !== b) out.push({ field, label, parent: a, child: b });
  }
  return out;
}
