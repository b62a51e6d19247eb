import { describe, expect, it } from 'vitest';
import txt2imgJson from '../../../resources/workflows/comfyui-txt2img.json';
import {
  applyBindings,
  BUILT_IN_WORKFLOWS,
  boundValue,
  isBound,
  overrideInputs,
  parseWorkflow,
} from './comfyui-workflow';

/** A fresh plain copy of the shipped txt2img file, for breaking one thing at a time. */
function shipped(): Record<string, unknown> & {
  prompt: Record<string, { class_type: string; inputs: Record<string, unknown> }>;
  bindings: Record<string, unknown>;
} {
  return structuredClone(txt2imgJson) as never;
}

function problem(data: unknown): string {
  const parsed = parseWorkflow(data, 'test workflow');
  if (parsed.ok) throw new Error('expected the workflow to be refused');
  return parsed.message;
}

describe('the shipped ComfyUI workflows', () => {
  it('parse, bind every request part, and end in a SaveImage', () => {
    const { txt2img, img2img } = BUILT_IN_WORKFLOWS;
    expect(txt2img.prompt[txt2img.output]!.class_type).toBe('SaveImage');
    expect(img2img.prompt[img2img.output]!.class_type).toBe('SaveImage');
    for (const name of [
      'prompt',
      'negative',
      'seed',
      'steps',
      'cfg',
      'width',
      'height',
      'batch',
      'checkpoint',
    ] as const) {
      expect(isBound(txt2img, name), name).toBe(true);
      expect(isBound(img2img, name), name).toBe(true);
    }
    expect(isBound(txt2img, 'reference')).toBe(false);
    expect(isBound(img2img, 'reference')).toBe(true);
    expect(isBound(img2img, 'denoise')).toBe(true);
    expect(img2img.prompt[img2img.bindings.reference![0]]!.class_type).toBe('LoadImage');
    // The checkpoint is left empty on purpose: the adapter asks the server for one.
    expect(boundValue(txt2img, 'checkpoint')).toBe('');
  });
});

describe('applyBindings', () => {
  it('writes each value at its binding into a new graph and leaves the template untouched', () => {
    const workflow = BUILT_IN_WORKFLOWS.txt2img;
    const before = JSON.stringify(workflow);
    const graph = applyBindings(workflow, {
      prompt: 'a fox',
      negative: 'blur',
      seed: 99,
      steps: 12,
      cfg: 5.5,
      width: 832,
      height: 1216,
      batch: 3,
      checkpoint: 'x.safetensors',
      reference: 'ignored: not bound here',
    });
    expect(graph['6']!.inputs.text).toBe('a fox');
    expect(graph['7']!.inputs.text).toBe('blur');
    expect(graph['3']!.inputs).toMatchObject({ seed: 99, steps: 12, cfg: 5.5, model: ['4', 0] });
    expect(graph['5']!.inputs).toEqual({ width: 832, height: 1216, batch_size: 3 });
    expect(graph['4']!.inputs.ckpt_name).toBe('x.safetensors');
    expect(JSON.stringify(workflow)).toBe(before);
    expect(graph['8']).toBe(workflow.prompt['8']); // Untouched nodes are shared, not copied.
  });
});

describe('overrideInputs', () => {
  const graph = BUILT_IN_WORKFLOWS.txt2img.prompt;

  it('writes "node.input" literals of the same type', () => {
    const result = overrideInputs(graph, { '3.sampler_name': 'dpmpp_2m', '9.filename_prefix': 'mine' });
    expect(result.ok && result.graph['3']!.inputs.sampler_name).toBe('dpmpp_2m');
    expect(graph['3']!.inputs.sampler_name).toBe('euler');
  });

  it('refuses unknown inputs, links and changed types', () => {
    expect(overrideInputs(graph, { '3.nope': 1 })).toEqual({
      ok: false,
      message: 'options.comfyui.inputs["3.nope"]: no such node input (write "node id.input name")',
    });
    expect(overrideInputs(graph, { sampler: 'x' }).ok).toBe(false);
    expect(overrideInputs(graph, { '3.model': ['4', 0] })).toMatchObject({
      ok: false,
      message: 'options.comfyui.inputs["3.model"]: must be a literal input, not a link',
    });
    expect(overrideInputs(graph, { '3.steps': '20' })).toMatchObject({
      ok: false,
      message: 'options.comfyui.inputs["3.steps"]: must be a number',
    });
  });
});

describe('parseWorkflow refuses what cannot be filled, naming where', () => {
  it('accepts the shipped file and defaults the version', () => {
    const data = shipped();
    delete data.version;
    expect(parseWorkflow(data).ok).toBe(true);
  });

  const cases: Array<[string, (w: ReturnType<typeof shipped>) => void, string]> = [
    ['no prompt binding', (w) => delete w.bindings.prompt, 'bindings.prompt:'],
    [
      'a binding to a missing node',
      (w) => (w.bindings.seed = ['42', 'inputs', 'seed']),
      'bindings.seed: no node "42" in the graph',
    ],
    [
      'a binding to a missing input',
      (w) => (w.bindings.seed = ['3', 'inputs', 'noise_seed']),
      'bindings.seed: node "3" (KSampler) has no input "noise_seed"',
    ],
    [
      'a binding to a link',
      (w) => (w.bindings.checkpoint = ['3', 'inputs', 'model']),
      'bindings.checkpoint: must point at a string input, but 3.model is a link to another node',
    ],
    [
      'a number binding on a text input',
      (w) => (w.bindings.steps = ['6', 'inputs', 'text']),
      'bindings.steps: must point at a number input, but 6.text is a string',
    ],
    [
      'two bindings on one input',
      (w) => (w.bindings.width = ['5', 'inputs', 'height']),
      'bindings.height: points at 5.height, which "width" already binds',
    ],
    [
      'a path of the wrong shape',
      (w) => (w.bindings.seed = ['3', 'seed']),
      'bindings.seed: must be [node id, "inputs", input name]',
    ],
    [
      'an unknown binding',
      (w) => (w.bindings.clip_skip = ['3', 'inputs', 'seed']),
      'bindings: Unrecognized key: "clip_skip"',
    ],
    ['an output node that is not there', (w) => (w.output = '99'), 'output: no node "99" in the graph'],
    [
      'a link to a missing node',
      (w) => (w.prompt['8']!.inputs.vae = ['77', 2]),
      'prompt["8"].inputs.vae: links to node "77", which is not in the graph',
    ],
    [
      'a node without class_type',
      (w) => delete (w.prompt['8'] as Record<string, unknown>).class_type,
      'prompt["8"].class_type',
    ],
    ['an empty graph', (w) => (w.prompt = {}), 'prompt: must hold nodes'],
    ['an unknown version', (w) => (w.version = 2), 'version:'],
  ];
  for (const [what, mutate, message] of cases) {
    it(`refuses ${what}`, () => {
      const data = shipped();
      mutate(data);
      expect(problem(data)).toContain(message);
    });
  }

  it('refuses plain ComfyUI API exports (no bindings) and non-objects', () => {
    expect(problem(shipped().prompt)).toContain('test workflow is invalid');
    expect(problem('workflow')).toContain('test workflow is invalid');
  });
});
