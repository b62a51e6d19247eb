// Generate's start-up: the intents other screens send (History's "Reuse settings", "Use as reference" and
// "Run again", References' "Use as reference", Styles' "Generate with this style") reach the Generate stores,
// and the events it listens to are the ones app/live.ts used to wire for it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GenerationRequest } from '../../shared/domain';
import type { TemplateFields } from '../../shared/library-contract';

const calls: Array<{ name: string; input: unknown }> = [];
const listening: string[] = [];
let unsubscribed = 0;

vi.mock('../api', () => ({
  api: {
    call: (name: string, input: unknown) => {
      calls.push({ name, input });
      return Promise.resolve({ ok: false, error: { code: 'unavailable', message: 'not in this test' } });
    },
    on: (name: string) => {
      listening.push(name);
      return () => {
        unsubscribed += 1;
      };
    },
    onConnection: () => () => {
      unsubscribed += 1;
    },
  },
}));

const { send } = await import('../app/actions');
const { startGenerate } = await import('./start');
const { useGenerateStore, EMPTY_FORM } = await import('./store');

let stop: () => void;
beforeEach(() => {
  calls.length = 0;
  listening.length = 0;
  unsubscribed = 0;
  useGenerateStore.setState({ form: EMPTY_FORM, reusedFrom: null, fieldErrors: {} });
  stop = startGenerate();
});
afterEach(() => stop());

const template: TemplateFields = {
  name: 'Product shot',
  description: '',
  segments: { subject: '{{subject}}', environment: 'on {{surface}}', technical: '', style: '', negative: '' },
  variables: [
    { name: 'subject', kind: 'text', maxLength: 200, required: true },
    { name: 'surface', kind: 'enum', values: ['linen', 'slate'], required: true },
    { name: 'angle', kind: 'text', maxLength: 50, required: false, default: 'three-quarter' },
  ],
};

describe('Generate handles the intents other screens send', () => {
  it('"Generate with this style": the style, its template started from its defaults, defaults and reference', () => {
    useGenerateStore.getState().setField('prompt', 'a red kettle');
    send('generate.useStyle', {
      style: { versionId: 12, styleId: 3, name: 'Studio', version: 2, status: 'approved' },
      template: { versionId: 40, name: 'Product shot', fields: template },
      defaults: { aspectRatio: '16:9', steps: 30, taskType: null },
      reference: { path: 'media/ab/ref.png' },
    });
    const { form } = useGenerateStore.getState();
    expect(form.prompt).toBe('a red kettle');
    expect(form.style).toEqual({ versionId: 12, styleId: 3, name: 'Studio', version: 2, status: 'approved' });
    // The subject stays the Prompt box; a required enum starts on its first value; defaults apply.
    expect(form.template).toEqual({
      versionId: 40,
      name: 'Product shot',
      fields: template,
      values: { surface: 'linen', angle: 'three-quarter' },
    });
    expect(form).toMatchObject({ aspectRatio: '16:9', stepsText: '30', taskType: 'default' });
    expect(form.reference).toMatchObject({ path: 'media/ab/ref.png', fromRunId: null, fromStyle: 'Studio' });
  });

  it('"Use as reference": the image becomes the next run\'s reference, with the run it came from', () => {
    send('generate.useReference', { path: 'media/cd/out.png', fromRunId: 7 });
    expect(useGenerateStore.getState().form.reference).toMatchObject({
      path: 'media/cd/out.png',
      fromRunId: 7,
    });
    expect(useGenerateStore.getState().advancedOpen).toBe(true);
  });

  it('"Reuse settings": the form is the run\'s request with its seed locked', () => {
    const request = {
      prompt: 'a lighthouse at dusk',
      negativePrompt: 'people',
      aspectRatio: '3:2',
      seed: 4242,
      count: 2,
      quality: 'draft',
    } as GenerationRequest;
    send('generate.reuseRequest', { request, fromRunId: 31, styleVersionId: null });
    const state = useGenerateStore.getState();
    expect(state.reusedFrom).toBe(31);
    expect(state.form).toMatchObject({
      prompt: 'a lighthouse at dusk',
      negativePrompt: 'people',
      aspectRatio: '3:2',
      seedText: '4242',
      seedLocked: true,
      count: 2,
      quality: 'draft',
    });
  });

  it('"Run again": the failed run is queued again, fresh', () => {
    send('generate.retryRun', { runId: 55, request: null });
    expect(calls).toContainEqual({ name: 'generation.retry', input: { runId: 55, fresh: true } });
  });
});

describe('Generate start-up', () => {
  it('listens to the run and provider events it owns, loads the queue, and lets go of all on stop', () => {
    expect([...listening].sort()).toEqual(
      ['keys.changed', 'providers.changed', 'run.completed', 'run.progress', 'run.updated'].sort(),
    );
    expect(calls.map((c) => c.name)).toContain('generation.active');
    stop();
    // The five events and the connection listener (the intent handlers are gone: see the send below).
    expect(unsubscribed).toBe(6);
    expect(() => send('generate.useReference', { path: 'media/x.png', fromRunId: null })).toThrow(
      /No feature handles/,
    );
    stop = startGenerate();
  });
});
