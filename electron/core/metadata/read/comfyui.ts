/**
 * ComfyUI. `SaveImage` (nodes.py) writes PNG text chunks with PIL's `PngInfo.add_text`:
 *   `prompt`   = json.dumps(API graph): { "<node id>": { "class_type": "KSampler", "inputs": { "seed": 5,
 *                "positive": ["6", 0], … } } } — an input is a value or a link `[from node id, output slot]`.
 *   `workflow` = json.dumps(UI graph, from extra_pnginfo): { "nodes": [{ "id", "type", "inputs": [{ "name",
 *                "link" }], "widgets_values": […] }], "links": [[id, from, from_slot, to, to_slot, type]] }.
 * `SaveAnimatedWEBP` / `SaveWEBM` put the same JSON in EXIF: 0x0110 (Model) = "prompt:<json>", and from
 * 0x010F (Make) downwards one field per extra_pnginfo key, "workflow:<json>".
 * `json.dumps` escapes non-ASCII, so the chunks are tEXt; seeds reach 2^64 − 1 and are read as BigInt.
 *
 * Reading: every sampler node (KSampler, KSamplerAdvanced, SamplerCustom, SamplerCustomAdvanced and
 * custom nodes with a `seed`/`noise_seed` and a `positive` input) is followed through its links: positive
 * and negative text through CLIPTextEncode (and SDXL / Flux variants), conditioning combiners, area and
 * ControlNet nodes, and string primitives; the seed through seed/int nodes or RandomNoise; sampler and
 * scheduler through KSamplerSelect and BasicScheduler; size from EmptyLatentImage (or the latent's
 * source); the checkpoint from the model chain (LoRA loaders collected on the way). The final sampler is
 * the one no other sampler consumes (preferring the one an image saver draws from); the others are kept.
 * Without a `prompt` chunk, the UI graph is turned into the same shape (widget values by name).
 */
import type {
  ImportedLora,
  ImportedParameters,
  ImportedSamplerPass,
} from '../../../../shared/import-contract';
import { emptyParameters, isObject, type JsonObject, num, seedText, text, tryJson } from './values';

type Link = [string, number];
interface ApiNode {
  class_type: string;
  inputs: JsonObject;
}
type ApiGraph = Map<string, ApiNode>;

const MAX_DEPTH = 64;

function isLink(value: unknown): value is Link {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    (typeof value[0] === 'string' || typeof value[0] === 'number') &&
    typeof value[1] === 'number'
  );
}

export function toApiGraph(value: unknown): ApiGraph | null {
  if (!isObject(value)) return null;
  const graph: ApiGraph = new Map();
  for (const [id, node] of Object.entries(value)) {
    if (isObject(node) && typeof node.class_type === 'string') {
      const inputs = isObject(node.inputs) ? node.inputs : {};
      const normalized: JsonObject = {};
      for (const [k, v] of Object.entries(inputs)) normalized[k] = isLink(v) ? [String(v[0]), v[1]] : v;
      graph.set(id, { class_type: node.class_type, inputs: normalized });
    }
  }
  return graph.size > 0 ? graph : null;
}

const SAMPLER_TYPES = new Set(['KSampler', 'KSamplerAdvanced', 'SamplerCustom', 'SamplerCustomAdvanced']);
const SAVER = /^(SaveImage|PreviewImage|SaveAnimatedWEBP|SaveAnimatedPNG|Image Save|SaveImageWebsocket)/;

function isSampler(node: ApiNode): boolean {
  if (SAMPLER_TYPES.has(node.class_type)) return true;
  const i = node.inputs;
  return ('seed' in i || 'noise_seed' in i) && 'positive' in i && ('model' in i || 'steps' in i);
}

export function parseComfyGraphs(prompt: unknown, workflow: unknown): ImportedParameters {
  const out = emptyParameters('comfyui');
  let graph = toApiGraph(prompt);
  if (!graph && workflow !== undefined) {
    graph = workflowToApi(workflow);
    if (graph) out.warnings.push('Read from the UI workflow (the file has no API graph).');
  }
  if (!graph) {
    out.warnings.push('The ComfyUI graph holds no nodes that could be read.');
    return out;
  }
  const reader = new GraphReader(graph);
  const samplers = [...graph.entries()].filter(([, n]) => isSampler(n)).map(([id]) => id);
  if (samplers.length === 0) {
    out.warnings.push('The graph has no sampler node; its text prompts are kept as they are.');
    out.prompt = [...graph.values()]
      .filter((n) => /CLIPTextEncode/.test(n.class_type))
      .map((n) => reader.string(n.inputs.text) ?? '')
      .filter(Boolean)
      .join('\n');
    return out;
  }
  const ordered = orderSamplers(graph, samplers);
  const finalId = ordered.at(-1)!;
  const final = reader.samplerPass(finalId);
  out.prompt = final.prompt;
  out.negativePrompt = final.negativePrompt;
  out.seed = final.seed;
  out.steps = final.steps;
  out.cfg = final.cfg;
  out.sampler = final.sampler;
  out.scheduler = final.scheduler;
  if (final.denoise !== null && final.denoise !== 1) out.extra.denoise = String(final.denoise);
  out.otherSamplers = ordered.slice(0, -1).map((id) => reader.samplerPass(id));
  // The first pass usually names the prompt, seed and size the image started from.
  const first = out.otherSamplers[0];
  if (first) {
    out.prompt ||= first.prompt;
    out.negativePrompt ||= first.negativePrompt;
    out.seed ??= first.seed;
  }
  const size = reader.latentSize(finalId) ?? (ordered[0] ? reader.latentSize(ordered[0]) : null);
  if (size) {
    out.width = size.width;
    out.height = size.height;
  }
  const model = reader.modelChain(finalId);
  out.model = model.checkpoint ? { name: model.checkpoint, hash: null } : null;
  out.loras = model.loras;
  out.warnings.push(...reader.warnings);
  return out;
}

/** Upstream samplers first; the final one last (the sink an image saver draws from, else the largest id). */
function orderSamplers(graph: ApiGraph, samplers: string[]): string[] {
  const upstream = new Map<string, Set<string>>();
  const samplerSet = new Set(samplers);
  const walk = (id: string, seen: Set<string>, found: Set<string>) => {
    const node = graph.get(id);
    if (!node) return;
    for (const value of Object.values(node.inputs)) {
      if (!isLink(value) || seen.has(value[0])) continue;
      seen.add(value[0]);
      if (samplerSet.has(value[0])) found.add(value[0]);
      walk(value[0], seen, found);
    }
  };
  for (const id of samplers) {
    const found = new Set<string>();
    walk(id, new Set([id]), found);
    upstream.set(id, found);
  }
  const consumed = new Set<string>();
  for (const found of upstream.values()) for (const id of found) consumed.add(id);
  const sinks = samplers.filter((id) => !consumed.has(id));
  const fedToSaver = new Set<string>();
  for (const [id, node] of graph) {
    if (!SAVER.test(node.class_type)) continue;
    const found = new Set<string>();
    walk(id, new Set([id]), found);
    for (const s of found) fedToSaver.add(s);
  }
  const byId = (a: string, b: string) => Number(a) - Number(b) || a.localeCompare(b);
  const final =
    sinks
      .filter((id) => fedToSaver.has(id))
      .sort(byId)
      .at(-1) ??
    sinks.sort(byId).at(-1) ??
    samplers.at(-1)!;
  const rest = samplers
    .filter((id) => id !== final)
    .sort((a, b) => upstream.get(a)!.size - upstream.get(b)!.size || byId(a, b));
  return [...rest, final];
}

class GraphReader {
  readonly warnings: string[] = [];
  constructor(private readonly graph: ApiGraph) {}

  private node(link: unknown): { id: string; slot: number; node: ApiNode } | null {
    if (!isLink(link)) return null;
    const node = this.graph.get(link[0]);
    if (!node) {
      this.warnings.push(`A link points to node ${link[0]}, which is not in the graph.`);
      return null;
    }
    return { id: link[0], slot: link[1], node };
  }

  /** A string input: the value, or what a primitive / string node it links to holds. */
  string(value: unknown, depth = 0): string | null {
    if (typeof value === 'string') return value;
    if (depth > MAX_DEPTH) return null;
    const linked = this.node(value);
    if (!linked) return null;
    const i = linked.node.inputs;
    for (const key of ['text', 'string', 'value', 'prompt', 'text_positive', 'Text', 'STRING']) {
      if (key in i) {
        const s = this.string(i[key], depth + 1);
        if (s !== null) return s;
      }
    }
    // String joiners: every string input in order.
    const parts = Object.entries(i)
      .filter(([k]) => /^(text|string)_?[a-z0-9]*$/i.test(k))
      .map(([, v]) => this.string(v, depth + 1))
      .filter((s): s is string => s !== null);
    return parts.length > 0 ? parts.join(typeof i.delimiter === 'string' ? i.delimiter : ', ') : null;
  }

  /** A number input (seed, steps, cfg…) followed to a primitive node; seeds stay exact. */
  value(value: unknown, keys: readonly string[], depth = 0): unknown {
    if (!isLink(value)) return value;
    if (depth > MAX_DEPTH) return null;
    const linked = this.node(value);
    if (!linked) return null;
    const i = linked.node.inputs;
    for (const key of [...keys, 'value', 'int', 'number', 'float', 'seed', 'noise_seed']) {
      if (key in i) return this.value(i[key], keys, depth + 1);
    }
    return null;
  }

  /** The prompt text a conditioning input carries, through encoders, combiners and modifiers. */
  conditioning(link: unknown, depth = 0, seen = new Set<string>()): string {
    const linked = this.node(link);
    if (!linked || depth > MAX_DEPTH || seen.has(`${linked.id}:${linked.slot}`)) return '';
    seen.add(`${linked.id}:${linked.slot}`);
    const { node, slot } = linked;
    const i = node.inputs;
    const type = node.class_type;
    if (/CLIPTextEncode/.test(type) || 'text' in i || 'text_g' in i || 'clip_l' in i) {
      const direct = this.string(i.text, depth + 1);
      if (direct !== null) return direct;
      const parts = ['text_g', 'text_l', 'clip_l', 't5xxl']
        .map((k) => (k in i ? this.string(i[k], depth + 1) : null))
        .filter((s): s is string => s !== null && s !== '');
      return [...new Set(parts)].join('\n');
    }
    // ControlNetApplyAdvanced and similar: outputs (positive, negative) map to inputs of the same names.
    if ('positive' in i && 'negative' in i && !isSampler(node)) {
      return this.conditioning(slot === 1 ? i.negative : i.positive, depth + 1, seen);
    }
    const links = Object.entries(i).filter(
      ([k, v]) => isLink(v) && /conditioning|^cond|^positive$|^negative$/i.test(k),
    );
    return links
      .map(([, v]) => this.conditioning(v, depth + 1, seen))
      .filter((s) => s !== '')
      .join('\n');
  }

  samplerPass(id: string): ImportedSamplerPass {
    const node = this.graph.get(id)!;
    const i = node.inputs;
    let positive = i.positive;
    let negative = i.negative;
    let cfg: unknown = i.cfg;
    let seed: unknown = 'noise_seed' in i ? i.noise_seed : i.seed;
    let sampler: unknown = i.sampler_name;
    let scheduler: unknown = i.scheduler;
    let steps: unknown = i.steps;
    let denoise: unknown = i.denoise;
    // SamplerCustomAdvanced: noise, guider, sampler and sigmas are nodes of their own.
    const guider = this.node(i.guider)?.node;
    if (guider) {
      positive = guider.inputs.positive ?? guider.inputs.conditioning;
      negative = guider.inputs.negative;
      cfg = guider.inputs.cfg;
    }
    const noise = this.node(i.noise)?.node;
    if (noise) seed = noise.inputs.noise_seed ?? noise.inputs.seed;
    const samplerNode = this.node(i.sampler)?.node;
    if (samplerNode) sampler = samplerNode.inputs.sampler_name ?? samplerNode.class_type;
    const sigmas = this.node(i.sigmas)?.node;
    if (sigmas) {
      scheduler = sigmas.inputs.scheduler ?? sigmas.class_type.replace(/Scheduler$/, '').toLowerCase();
      steps = sigmas.inputs.steps;
      denoise = sigmas.inputs.denoise;
    }
    // Flux: guidance lives on FluxGuidance in the positive chain; cfg is then 1.
    return {
      nodeId: id,
      classType: node.class_type,
      seed: seedText(this.value(seed, ['seed', 'noise_seed'])),
      steps: num(this.value(steps, ['steps'])),
      cfg: num(this.value(cfg, ['cfg'])),
      sampler: text(this.value(sampler, ['sampler_name'])),
      scheduler: text(this.value(scheduler, ['scheduler'])),
      denoise: num(this.value(denoise, ['denoise'])),
      prompt: this.conditioning(positive),
      negativePrompt: negative === undefined ? '' : this.conditioning(negative),
    };
  }

  /** Width and height of the empty latent a sampler starts from (through upscales and other samplers). */
  latentSize(id: string): { width: number; height: number } | null {
    let link = this.graph.get(id)?.inputs.latent_image;
    for (let depth = 0; depth < MAX_DEPTH; depth += 1) {
      const linked = this.node(link);
      if (!linked) return null;
      const i = linked.node.inputs;
      if ('width' in i && 'height' in i) {
        const width = num(this.value(i.width, ['width']));
        const height = num(this.value(i.height, ['height']));
        return width && height ? { width, height } : null;
      }
      link = i.latent_image ?? i.samples ?? i.latent ?? i.pixels ?? i.image;
    }
    return null;
  }

  /** The checkpoint the sampler's model comes from, and the LoRAs loaded on the way. */
  modelChain(id: string): { checkpoint: string | null; loras: ImportedLora[] } {
    const node = this.graph.get(id)!;
    let link = node.inputs.model ?? this.node(node.inputs.guider)?.node.inputs.model;
    const loras: ImportedLora[] = [];
    for (let depth = 0; depth < MAX_DEPTH; depth += 1) {
      const linked = this.node(link);
      if (!linked) break;
      const i = linked.node.inputs;
      if (typeof i.lora_name === 'string') {
        loras.unshift({ name: i.lora_name, weight: num(this.value(i.strength_model, [])), hash: null });
      }
      const checkpoint = i.ckpt_name ?? i.unet_name ?? i.model_name;
      if (typeof checkpoint === 'string') return { checkpoint, loras };
      link = i.model;
    }
    return { checkpoint: null, loras };
  }
}

/** Widget names of core nodes, in `widgets_values` order (UI graph → API graph). */
const WIDGETS: Record<string, string[]> = {
  KSampler: ['seed', 'control_after_generate', 'steps', 'cfg', 'sampler_name', 'scheduler', 'denoise'],
  KSamplerAdvanced: [
    'add_noise',
    'noise_seed',
    'control_after_generate',
    'steps',
    'cfg',
    'sampler_name',
    'scheduler',
    'start_at_step',
    'end_at_step',
    'return_with_leftover_noise',
  ],
  SamplerCustom: ['add_noise', 'noise_seed', 'control_after_generate', 'cfg'],
  RandomNoise: ['noise_seed', 'control_after_generate'],
  CFGGuider: ['cfg'],
  KSamplerSelect: ['sampler_name'],
  BasicScheduler: ['scheduler', 'steps', 'denoise'],
  CLIPTextEncode: ['text'],
  EmptyLatentImage: ['width', 'height', 'batch_size'],
  EmptySD3LatentImage: ['width', 'height', 'batch_size'],
  CheckpointLoaderSimple: ['ckpt_name'],
  UNETLoader: ['unet_name', 'weight_dtype'],
  LoraLoader: ['lora_name', 'strength_model', 'strength_clip'],
  LoraLoaderModelOnly: ['lora_name', 'strength_model'],
  FluxGuidance: ['guidance'],
  PrimitiveNode: ['value', 'control_after_generate'],
};

/** The UI graph as an API graph: links by input name, widget values by the names above. */
export function workflowToApi(value: unknown): ApiGraph | null {
  if (!isObject(value) || !Array.isArray(value.nodes)) return null;
  const links = new Map<number, Link>();
  for (const link of Array.isArray(value.links) ? value.links : []) {
    if (Array.isArray(link) && link.length >= 5)
      links.set(Number(link[0]), [String(link[1]), Number(link[2])]);
    else if (isObject(link) && 'id' in link) {
      links.set(Number(link.id), [String(link.origin_id), Number(link.origin_slot)]);
    }
  }
  const graph: ApiGraph = new Map();
  for (const node of value.nodes) {
    if (!isObject(node) || typeof node.type !== 'string') continue;
    const inputs: JsonObject = {};
    const widgets = Array.isArray(node.widgets_values) ? node.widgets_values : [];
    const names = WIDGETS[node.type];
    if (names)
      names.forEach((name, at) => {
        if (at < widgets.length) inputs[name] = widgets[at];
      });
    else if (widgets.length > 0) inputs.value = widgets[0];
    for (const input of Array.isArray(node.inputs) ? node.inputs : []) {
      if (
        !isObject(input) ||
        typeof input.name !== 'string' ||
        input.link === null ||
        input.link === undefined
      ) {
        continue;
      }
      const link = links.get(Number(input.link));
      if (link) inputs[input.name] = link;
    }
    graph.set(String(node.id), { class_type: node.type, inputs });
  }
  return graph.size > 0 ? graph : null;
}

/** The JSON of the `prompt` / `workflow` fields, or of EXIF's `prompt:{…}` / `workflow:{…}`. */
export function comfyJson(raw: string | undefined, prefix: string): unknown {
  if (raw === undefined) return undefined;
  const body = raw.startsWith(`${prefix}:`) ? raw.slice(prefix.length + 1) : raw;
  return tryJson(body);
}

export function isComfyPrompt(value: unknown): boolean {
  return toApiGraph(value) !== null;
}

export function isComfyWorkflow(value: unknown): boolean {
  return isObject(value) && Array.isArray(value.nodes);
}
