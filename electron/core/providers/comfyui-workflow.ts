/**
 * ComfyUI workflow templates: a graph in ComfyUI's API format (what "Export (API)" saves) plus
 * declared bindings that say which node input receives each part of the unified request.
 *
 * {
 *   "version": 1,
 *   "name": "SD txt2img",
 *   "prompt": { "6": { "class_type": "CLIPTextEncode", "inputs": { "text": "", "clip": ["4", 1] } }, ... },
 *   "bindings": { "prompt": ["6", "inputs", "text"], "seed": ["3", "inputs", "seed"], ... },
 *   "output": "9"
 * }
 *
 * A binding path is [node id, "inputs", input name] and must point at a literal (not a link) of the
 * binding's type. Unbound parts keep the template's value (the adapter warns where that matters).
 */
import { z } from 'zod';
import img2imgTemplate from '../../../resources/workflows/comfyui-img2img.json';
import txt2imgTemplate from '../../../resources/workflows/comfyui-txt2img.json';
import { formatJsonPath } from './catalog';

/** Bindings that take text, and those that take numbers. */
export const TEXT_BINDINGS = [
  'prompt',
  'negative',
  'checkpoint',
  'reference',
  'sampler',
  'scheduler',
  'lora',
] as const;
export const NUMBER_BINDINGS = [
  'seed',
  'steps',
  'cfg',
  'width',
  'height',
  'batch',
  'denoise',
  'loraStrength',
] as const;
export type TextBinding = (typeof TEXT_BINDINGS)[number];
export type NumberBinding = (typeof NUMBER_BINDINGS)[number];
export type BindingName = TextBinding | NumberBinding;

const BindingPath = z.tuple([z.string().min(1), z.literal('inputs'), z.string().min(1)], {
  error: 'must be [node id, "inputs", input name]',
});
export type BindingPath = z.infer<typeof BindingPath>;

const ApiNode = z.looseObject({
  class_type: z.string().min(1, 'must name a node class'),
  inputs: z.record(z.string(), z.unknown()),
});
export type ApiNode = z.infer<typeof ApiNode>;
/** A graph in ComfyUI's API format: node id -> node. */
export type ApiGraph = Record<string, ApiNode>;

const bindingShape = Object.fromEntries(
  [...TEXT_BINDINGS, ...NUMBER_BINDINGS].map((name) => [
    name,
    name === 'prompt' ? BindingPath : BindingPath.optional(),
  ]),
) as { prompt: typeof BindingPath } & Record<
  Exclude<BindingName, 'prompt'>,
  z.ZodOptional<typeof BindingPath>
>;

const WorkflowSchema = z
  .strictObject({
    version: z.literal(1).default(1),
    name: z.string().trim().min(1).max(100),
    description: z.string().max(500).optional(),
    prompt: z
      .record(z.string().min(1), ApiNode)
      .refine((graph) => Object.keys(graph).length > 0, 'must hold nodes'),
    bindings: z.strictObject(bindingShape),
    /** The node whose images are the result (usually SaveImage). */
    output: z.string().min(1),
  })
  .superRefine((workflow, ctx) => {
    const issue = (message: string, where: PropertyKey[]) =>
      ctx.addIssue({ code: 'custom', message, path: where });
    const graph = workflow.prompt;
    if (!Object.hasOwn(graph, workflow.output))
      issue(`no node "${workflow.output}" in the graph`, ['output']);
    for (const [id, node] of Object.entries(graph)) {
      for (const [input, value] of Object.entries(node.inputs)) {
        if (isLink(value) && !Object.hasOwn(graph, value[0])) {
          issue(`links to node "${value[0]}", which is not in the graph`, ['prompt', id, 'inputs', input]);
        }
      }
    }
    const seen = new Map<string, string>();
    for (const [name, path] of Object.entries(workflow.bindings) as Array<
      [BindingName, BindingPath | undefined]
    >) {
      if (!path) continue;
      const [nodeId, , input] = path;
      const where = ['bindings', name];
      const node = graph[nodeId];
      if (!node) {
        issue(`no node "${nodeId}" in the graph`, where);
        continue;
      }
      if (!Object.hasOwn(node.inputs, input)) {
        issue(`node "${nodeId}" (${node.class_type}) has no input "${input}"`, where);
        continue;
      }
      const value = node.inputs[input];
      const wanted = (TEXT_BINDINGS as readonly string[]).includes(name) ? 'string' : 'number';
      if (isLink(value) || typeof value !== wanted) {
        const actual = isLink(value) ? 'a link to another node' : `a ${typeof value}`;
        issue(`must point at a ${wanted} input, but ${nodeId}.${input} is ${actual}`, where);
      }
      const key = `${nodeId}.${input}`;
      const other = seen.get(key);
      if (other) issue(`points at ${key}, which "${other}" already binds`, where);
      seen.set(key, name);
    }
  });

export type ComfyWorkflow = z.infer<typeof WorkflowSchema>;
export type BindingValues = Partial<Record<TextBinding, string> & Record<NumberBinding, number>>;

export type WorkflowParse = { ok: true; workflow: ComfyWorkflow } | { ok: false; message: string };

/** Validates a workflow; never throws. The message names the JSON path of each problem. */
export function parseWorkflow(data: unknown, source = 'The ComfyUI workflow'): WorkflowParse {
  const parsed = WorkflowSchema.safeParse(data);
  if (parsed.success) return { ok: true, workflow: parsed.data };
  const problems = parsed.error.issues.map((issue) => `${formatJsonPath(issue.path)}: ${issue.message}`);
  return { ok: false, message: `${source} is invalid: ${problems.join('; ')}` };
}

/** A new graph with each given value written at its binding; the workflow itself is left untouched. */
export function applyBindings(workflow: ComfyWorkflow, values: BindingValues): ApiGraph {
  let graph: ApiGraph = workflow.prompt;
  for (const [name, value] of Object.entries(values) as Array<[BindingName, string | number | undefined]>) {
    const path = workflow.bindings[name];
    if (value === undefined || !path) continue;
    graph = withInput(graph, path[0], path[2], value);
  }
  return graph;
}

/** The template's own value at a binding, or undefined when the workflow does not bind it. */
export function boundValue(workflow: ComfyWorkflow, name: BindingName): unknown {
  const path = workflow.bindings[name];
  return path ? workflow.prompt[path[0]]?.inputs[path[2]] : undefined;
}

export function isBound(workflow: ComfyWorkflow, name: BindingName): boolean {
  return workflow.bindings[name] !== undefined;
}

/**
 * Writes `"node.input": value` overrides (the `options.comfyui.inputs` escape hatch) onto a graph.
 * Each must name an existing literal input and keep its type; the error names the first that does not.
 */
export function overrideInputs(
  graph: ApiGraph,
  overrides: Record<string, unknown>,
): { ok: true; graph: ApiGraph } | { ok: false; message: string } {
  let next = graph;
  for (const [key, value] of Object.entries(overrides)) {
    const dot = key.indexOf('.');
    const nodeId = dot > 0 ? key.slice(0, dot) : '';
    const input = dot > 0 ? key.slice(dot + 1) : '';
    const node = next[nodeId];
    if (!node || input === '' || !Object.hasOwn(node.inputs, input)) {
      return {
        ok: false,
        message: `options.comfyui.inputs["${key}"]: no such node input (write "node id.input name")`,
      };
    }
    const current = node.inputs[input];
    const primitive = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
    if (isLink(current) || !primitive || typeof value !== typeof current) {
      return {
        ok: false,
        message: `options.comfyui.inputs["${key}"]: must be a ${isLink(current) ? 'literal input, not a link' : typeof current}`,
      };
    }
    next = withInput(next, nodeId, input, value);
  }
  return { ok: true, graph: next };
}

function withInput(graph: ApiGraph, nodeId: string, input: string, value: unknown): ApiGraph {
  const node = graph[nodeId];
  if (!node) return graph;
  return { ...graph, [nodeId]: { ...node, inputs: { ...node.inputs, [input]: value } } };
}

/** `["4", 0]`: an input fed by another node's output. */
function isLink(value: unknown): value is [string, number] {
  return (
    Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'number'
  );
}

function builtIn(data: unknown, file: string): ComfyWorkflow {
  const parsed = parseWorkflow(data, `The shipped workflow ${file}`);
  if (!parsed.ok) throw new Error(parsed.message); // A broken shipped file is a build bug, not a user error.
  return parsed.workflow;
}

/** The shipped templates (resources/workflows/), used when a server has no workflow of its own. */
export const BUILT_IN_WORKFLOWS = {
  txt2img: builtIn(txt2imgTemplate, 'comfyui-txt2img.json'),
  img2img: builtIn(img2imgTemplate, 'comfyui-img2img.json'),
} as const;
