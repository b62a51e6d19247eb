// "Vary": same seed, change one thing. What the designer may change for this request (the chooser), and
// what differs from the parent run before Generate, counted with the lineage diff (shared/lineage.ts) that
// the child's "Differs from parent" shows, so the two never disagree.
import type { GenerationRequest } from '../../shared/domain';
import { subjectVariable, type TemplateFields, variableLabel } from '../../shared/library-contract';
import { type ComparedRun, requestDifferences } from '../../shared/lineage';

/** What one variation changes: a prompt segment, a template variable (`var:name`), or a parameter. */
export type VaryTarget =
  | 'prompt'
  | 'negativePrompt'
  | 'strength'
  | 'steps'
  | 'guidance'
  | 'style'
  | `var:${string}`;

export interface VaryOption {
  target: VaryTarget;
  label: string;
}

/** The class a form field carries so the chooser can find and light it (`is-vary-target` when chosen). */
export function varySlot(target: VaryTarget, chosen: VaryTarget | null): string {
  const name = `vary-slot vary-slot--${target.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
  return chosen === target ? `${name} is-vary-target` : name;
}

/** The fields of the form that apply to this request and provider, in the form's order. */
export function varyOptions(form: {
  subjectLabel: string | null;
  promptHidden: boolean;
  template: TemplateFields | null;
  hasReference: boolean;
  steps: boolean;
  guidance: boolean;
  hasStyle: boolean;
}): VaryOption[] {
  const out: VaryOption[] = [];
  if (form.hasStyle) out.push({ target: 'style', label: 'Style version' });
  if (!form.promptHidden) out.push({ target: 'prompt', label: form.subjectLabel ?? 'Prompt' });
  if (form.template) {
    const subject = subjectVariable(form.template);
    for (const v of form.template.variables)
      if (v.name !== subject?.name) out.push({ target: `var:${v.name}`, label: variableLabel(v) });
  }
  out.push({ target: 'negativePrompt', label: 'Negative prompt' });
  if (form.hasReference) out.push({ target: 'strength', label: 'Reference strength' });
  if (form.steps) out.push({ target: 'steps', label: 'Steps' });
  if (form.guidance) out.push({ target: 'guidance', label: 'Guidance' });
  return out;
}

/** One thing the next run changes from its parent, in words for a sentence ("the prompt", "steps"). */
export interface VaryChange {
  field: string;
  words: string;
}

const WORDS: Record<string, string> = {
  prompt: 'the prompt',
  negativePrompt: 'the negative prompt',
  seed: 'the seed',
  provider: 'the provider',
  model: 'the model',
  aspectRatio: 'the aspect ratio',
  steps: 'steps',
  guidance: 'guidance',
  quality: 'the quality',
  reference: 'the reference',
  style: 'the style version',
};

/** Not a change to the image: how many of it to draw. */
const NOT_A_VARIATION = new Set(['count']);

export interface VaryContext {
  /** The template's fields, when the request has one: its subject is the Prompt box, its variables count one by one. */
  template: TemplateFields | null;
  /** A provider's default model: "default" and the model it stands for are the same choice. */
  defaultModel: (provider: string) => string | undefined;
}

function side(request: GenerationRequest, context: VaryContext): ComparedRun {
  const subject = context.template ? subjectVariable(context.template) : null;
  const values = { ...(request.template?.values ?? {}) };
  if (subject) delete values[subject.name];
  for (const [k, v] of Object.entries(values)) if (v === '') delete values[k];
  const provider = request.provider ?? '';
  return {
    request: { ...request, ...(request.template ? { template: { ...request.template, values } } : {}) },
    seed: request.seed ?? null,
    provider,
    model: provider ? (request.model ?? context.defaultModel(provider) ?? null) : null,
  };
}

/** What the next request changes from its parent's, one entry per thing (each template variable is one). */
export function varyChanges(
  parent: GenerationRequest,
  child: GenerationRequest,
  context: VaryContext,
): VaryChange[] {
  const a = side(parent, context);
  const b = side(child, context);
  const out: VaryChange[] = [];
  for (const d of requestDifferences(a, b)) {
    if (NOT_A_VARIATION.has(d.field)) continue;
    if (d.field !== 'template') {
      out.push({ field: d.field, words: WORDS[d.field] ?? d.label.toLowerCase() });
      continue;
    }
    const before = a.request.template?.values ?? {};
    const after = b.request.template?.values ?? {};
    const names = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    const changed = names.filter((name) => String(before[name] ?? '') !== String(after[name] ?? ''));
    // A different template version altogether is one change.
    if (changed.length === 0) out.push({ field: 'template', words: 'the template' });
    for (const name of changed) {
      const variable = context.template?.variables.find((v) => v.name === name);
      out.push({ field: `var:${name}`, words: `“${variable ? variableLabel(variable) : name}”` });
    }
  }
  return out;
}

/** "the prompt and steps", "the prompt, steps and guidance". */
export function listWords(changes: readonly VaryChange[]): string {
  const words = changes.map((c) => c.words);
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

/** The warning before a variation that changes more than one thing; null when it changes at most one. */
export function varyWarning(changes: readonly VaryChange[]): string | null {
  if (changes.length <= 1) return null;
  return `You changed ${listWords(changes)}: a variation changes one thing.`;
}
