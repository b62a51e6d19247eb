import type { GenerationRequest } from './domain';

/** One setting a child run changed from its parent: what the run dialog's "Differs from parent" lists. */
export interface RequestDifference {
  /** A readable name ("Seed", "Prompt"). */
  label: string;
  parent: string;
  child: string;
}

/** What a designer means by "the run's settings": the request as made (before the library rendered it). */
type Compared = Pick<GenerationRequest, 'prompt' | 'negativePrompt'> & Partial<GenerationRequest>;

const FIELDS: Array<[label: string, read: (r: Compared, seed: number | null) => string]> = [
  ['Prompt', (r) => r.prompt],
  ['Negative prompt', (r) => r.negativePrompt || '—'],
  ['Seed', (r, seed) => (seed ?? r.seed ?? 'random').toString()],
  ['Provider', (r) => r.provider ?? 'route decides'],
  ['Model', (r) => r.model ?? 'default'],
  ['Aspect ratio', (r) => (r.size ? `${r.size.width}×${r.size.height}` : (r.aspectRatio ?? '1:1'))],
  ['Steps', (r) => (r.steps ?? 'default').toString()],
  ['Guidance', (r) => (r.guidance ?? 'default').toString()],
  ['Images', (r) => (r.count ?? 1).toString()],
  ['Quality', (r) => r.quality ?? 'final'],
  ['Reference', (r) => (r.reference ? `image, strength ${r.reference.strength}` : 'none')],
  ['Style version', (r) => (r.style ? `#${r.style.versionId}` : 'none')],
  ['Template variables', (r) => (r.template ? JSON.stringify(r.template.values ?? {}) : 'none')],
];

/**
 * The settings that differ between a parent run and its child, in reading order. `seed` is each run's
 * recorded seed (what the provider used), which wins over the request's (null asks for a random one).
 */
export function requestDifferences(
  parent: { request: Compared; seed: number | null },
  child: { request: Compared; seed: number | null },
): RequestDifference[] {
  const out: RequestDifference[] = [];
  for (const [label, read] of FIELDS) {
    const a = read(parent.request, parent.seed);
    const b = read(child.request, child.seed);
    if (a !== b) out.push({ label, parent: a, child: b });
  }
  return out;
}
