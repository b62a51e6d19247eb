// Vary: what the chooser offers for a request, and what Generate counts as changed from the parent run
// (with the lineage diff), then asks about when it is more than one thing.
import { describe, expect, it, vi } from 'vitest';
import type { GenerationRequest, ProviderInfo } from '../../shared/domain';
import type { TemplateFields } from '../../shared/library-contract';
import { varyChanges, varyOptions, varyWarning } from './vary';

const calls: Array<{ name: string; input: unknown }> = [];
vi.mock('../api', () => ({
  api: {
    call: (name: string, input: unknown) => {
      calls.push({ name, input });
      return Promise.resolve(
        name === 'generation.start' ? { ok: true, value: { runId: 9 } } : { ok: true, value: { runs: [] } },
      );
    },
    on: () => () => {},
  },
}));

const parent: GenerationRequest = {
  prompt: 'a heron in reeds',
  negativePrompt: 'blurry',
  aspectRatio: '1:1',
  seed: 42,
  count: 1,
  quality: 'final',
  taskType: 'default',
  fresh: false,
  provider: 'stability',
  steps: 30,
};
const context = { template: null, defaultModel: (p: string) => (p === 'stability' ? 'sdxl' : undefined) };

const template = {
  name: 'Poster',
  segments: { subject: '{{subject}} {{mood}}' },
  variables: [
    { name: 'subject', kind: 'text', maxLength: 80, required: true },
    { name: 'mood', kind: 'enum', values: ['calm', 'stormy'], required: true },
    { name: 'light', kind: 'text', maxLength: 40, required: false, label: 'Lighting' },
  ],
} as unknown as TemplateFields;

describe('vary', () => {
  it('counts one change as one, and names each of several', () => {
    expect(varyChanges(parent, { ...parent, prompt: 'a heron in fog' }, context)).toEqual([
      { field: 'prompt', words: 'the prompt' },
    ]);
    const two = varyChanges(parent, { ...parent, prompt: 'a heron in fog', steps: 40 }, context);
    expect(varyWarning(two)).toBe('You changed the prompt and steps: a variation changes one thing.');
    const three = varyChanges(parent, { ...parent, prompt: 'x', steps: 40, guidance: 9 }, context);
    expect(varyWarning(three)).toBe(
      'You changed the prompt, steps and guidance: a variation changes one thing.',
    );
    expect(varyWarning(varyChanges(parent, parent, context))).toBeNull();
  });

  it('the default model and the model it stands for are the same; more images is not a variation', () => {
    expect(varyChanges(parent, { ...parent, model: 'sdxl', count: 4 }, context)).toEqual([]);
    expect(varyChanges(parent, { ...parent, model: 'sd3' }, context)).toEqual([
      { field: 'model', words: 'the model' },
    ]);
  });

  it('each template variable is one thing; the subject is the prompt, not a variable', () => {
    const withTemplate = {
      ...parent,
      template: { versionId: 3, values: { subject: 'a heron', mood: 'calm' } },
    };
    const ctx = { ...context, template };
    const changes = varyChanges(
      withTemplate,
      { ...withTemplate, template: { versionId: 3, values: { mood: 'stormy', light: 'dusk' } } },
      ctx,
    );
    expect(changes.map((c) => c.words)).toEqual(['“Mood”', '“Lighting”']);
  });

  it('offers only what applies to this request and provider', () => {
    const base = {
      subjectLabel: null,
      promptHidden: false,
      template: null,
      hasReference: false,
      steps: false,
      guidance: false,
      hasStyle: false,
    };
    expect(varyOptions(base).map((o) => o.target)).toEqual(['prompt', 'negativePrompt']);
    const all = varyOptions({
      ...base,
      subjectLabel: 'Subject',
      template,
      hasReference: true,
      steps: true,
      guidance: true,
      hasStyle: true,
    });
    expect(all.map((o) => o.label)).toEqual([
      'Style version',
      'Subject',
      'Mood',
      'Lighting',
      'Negative prompt',
      'Reference strength',
      'Steps',
      'Guidance',
    ]);
  });

  it('Generate asks before a variation that changed two things; the answer sends it as a variation or a branch', async () => {
    const { useGenerateStore } = await import('./store');
    const { useCatalogStore } = await import('../app/catalog');
    useCatalogStore.setState({
      providers: [
        {
          id: 'stability',
          name: 'Stability AI',
          models: [
            {
              id: 'sdxl',
              status: 'active',
              steps: { min: 10, max: 50, default: 30 },
              aspectRatios: [],
              supportsSeed: true,
              seedRange: { min: 0, max: 100 },
            },
          ],
          defaultModel: 'sdxl',
          implemented: true,
        } as unknown as ProviderInfo,
      ],
    });
    const store = useGenerateStore;
    const starts = () => calls.filter((c) => c.name === 'generation.start');
    store.getState().applyRequest({ ...parent, model: 'sdxl' }, 5, null, 'vary');
    store.getState().setField('prompt', 'a heron in fog');
    store.getState().setField('stepsText', '40');
    await store.getState().generate();
    expect(starts()).toHaveLength(0);
    expect(store.getState().varyChanged?.map((c) => c.field)).toEqual(['prompt', 'steps']);
    // Any edit answers the question: it is asked again on the next Generate.
    store.getState().setField('stepsText', '30');
    expect(store.getState().varyChanged).toBeNull();
    store.getState().setField('stepsText', '40');
    await store.getState().generate();
    await store.getState().generateAnyway('branch');
    expect(starts()).toHaveLength(1);
    expect(starts()[0]!.input).toMatchObject({
      prompt: 'a heron in fog',
      steps: 40,
      parent: { runId: 5, derivation: 'branch' },
    });

    store.getState().applyRequest({ ...parent, model: 'sdxl' }, 6, null, 'vary');
    store.getState().setField('prompt', 'a heron at dawn');
    await store.getState().generate();
    expect(starts()).toHaveLength(2);
    expect(starts()[1]!.input).toMatchObject({ parent: { runId: 6, derivation: 'vary' } });
  });
});
