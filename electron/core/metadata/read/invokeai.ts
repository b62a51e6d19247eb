/**
 * InvokeAI, in the forms its versions wrote (PNG text chunks):
 * - `invokeai_metadata` (3.x–5.x, `CoreMetadata` in invocations/metadata.py): JSON with `positive_prompt`,
 *   `negative_prompt`, `seed`, `steps`, `cfg_scale`, `scheduler`, `width`, `height`, `model` ({ name, hash,
 *   base, key } or 3.x's { model_name, base_model }), `vae`, `loras` ([{ model | lora: {…}, weight }]),
 *   `hrf_enabled`/`hrf_strength`/`hrf_method`, `app_version`. `invokeai_graph` / `invokeai_workflow` hold the
 *   graph the image came from; kept verbatim.
 * - `sd-metadata` (2.x): { model_weights, model_hash, app_version, image: { prompt: [{ prompt, weight }] or
 *   text, steps, cfg_scale, seed, width, height, sampler, hires_fix, strength } }; the negative prompt is
 *   written inside the prompt in [square brackets].
 * - `Dream` (1.x / 2.x): a command line, `"prompt [negative]" -s 50 -S 42 -W 512 -H 512 -C 7.5 -A k_lms`.
 */
import type { ImportedLora, ImportedParameters } from '../../../../shared/import-contract';
import { display, emptyParameters, isObject, type JsonObject, num, seedText, text } from './values';

const KNOWN_V3 = new Set([
  'positive_prompt',
  'negative_prompt',
  'seed',
  'steps',
  'cfg_scale',
  'scheduler',
  'width',
  'height',
  'model',
  'vae',
  'loras',
  'app_version',
  'hrf_enabled',
  'hrf_strength',
  'hrf_method',
]);

export function parseInvokeMetadata(meta: JsonObject): ImportedParameters {
  const out = emptyParameters('invokeai');
  out.prompt = text(meta.positive_prompt) ?? '';
  out.negativePrompt = text(meta.negative_prompt) ?? '';
  out.seed = seedText(meta.seed);
  out.steps = num(meta.steps);
  out.cfg = num(meta.cfg_scale);
  out.scheduler = text(meta.scheduler);
  out.width = num(meta.width);
  out.height = num(meta.height);
  out.model = modelOf(meta.model);
  out.vae = modelOf(meta.vae);
  out.loras = (Array.isArray(meta.loras) ? meta.loras : []).flatMap((entry): ImportedLora[] => {
    if (!isObject(entry)) return [];
    const model = modelOf(entry.model ?? entry.lora);
    return model?.name ? [{ name: model.name, weight: num(entry.weight), hash: model.hash }] : [];
  });
  if (meta.hrf_enabled === true) {
    out.hires = {
      upscale: null,
      upscaler: text(meta.hrf_method),
      steps: null,
      denoise: num(meta.hrf_strength),
      width: null,
      height: null,
    };
  }
  const version = text(meta.app_version);
  out.tool = version ? `InvokeAI ${version}` : 'InvokeAI';
  for (const [key, value] of Object.entries(meta)) {
    if (!KNOWN_V3.has(key) && value !== null && value !== undefined) out.extra[key] = display(value);
  }
  return out;
}

function modelOf(value: unknown): ImportedParameters['model'] {
  if (!isObject(value)) return typeof value === 'string' ? { name: value, hash: null } : null;
  const name = text(value.name) ?? text(value.model_name) ?? text(value.key);
  const hash = text(value.hash);
  return name || hash ? { name, hash } : null;
}

/** `a cat [ugly, blurry]` → prompt and negative, as InvokeAI 2.x wrote them. */
function splitBrackets(prompt: string): { prompt: string; negative: string } {
  const negatives: string[] = [];
  const positive = prompt.replace(/\[([^\]]*)\]/g, (_m, inner: string) => {
    negatives.push(inner.trim());
    return '';
  });
  return { prompt: positive.replace(/\s{2,}/g, ' ').trim(), negative: negatives.join(', ') };
}

export function parseSdMetadata(meta: JsonObject): ImportedParameters {
  const out = emptyParameters('invokeai');
  const image = isObject(meta.image) ? meta.image : {};
  const rawPrompt = Array.isArray(image.prompt)
    ? image.prompt.map((p) => (isObject(p) ? (text(p.prompt) ?? '') : (text(p) ?? ''))).join(' ')
    : (text(image.prompt) ?? '');
  const split = splitBrackets(rawPrompt);
  out.prompt = split.prompt;
  out.negativePrompt = split.negative;
  out.seed = seedText(image.seed);
  out.steps = num(image.steps);
  out.cfg = num(image.cfg_scale);
  out.sampler = text(image.sampler);
  out.width = num(image.width);
  out.height = num(image.height);
  const weights = text(meta.model_weights);
  const hash = text(meta.model_hash);
  if (weights || hash) out.model = { name: weights, hash };
  if (image.hires_fix === true) {
    out.hires = {
      upscale: null,
      upscaler: null,
      steps: null,
      denoise: num(image.strength),
      width: null,
      height: null,
    };
  }
  const version = text(meta.app_version);
  out.tool = version ? `InvokeAI ${version}` : 'InvokeAI';
  for (const key of ['type', 'strength', 'seamless', 'threshold', 'perlin', 'variations', 'postprocessing']) {
    if (image[key] !== undefined && image[key] !== null) out.extra[key] = display(image[key]);
  }
  return out;
}

/** `"prompt [neg]" -s 50 -S 42 -W 512 -H 512 -C 7.5 -A k_lms`. */
export function parseDream(line: string): ImportedParameters {
  const out = emptyParameters('invokeai');
  out.tool = 'InvokeAI (Dream)';
  const quoted = /^\s*"((?:\\.|[^"\\])*)"(.*)$/s.exec(line);
  const promptText = quoted
    ? quoted[1]!.replace(/\\(.)/g, '$1')
    : (/^(.*?)(?=\s-[A-Za-z]\b|$)/s.exec(line)?.[1] ?? '');
  const rest = quoted ? quoted[2]! : line.slice(promptText.length);
  const split = splitBrackets(promptText);
  out.prompt = split.prompt;
  out.negativePrompt = split.negative;
  for (const m of rest.matchAll(/-(-?[A-Za-z_]+)(?:\s+([^\s-][^\s]*))?/g)) {
    const flag = m[1]!;
    const value = m[2] ?? 'true';
    if (flag === 's' || flag === '-steps') out.steps = num(value);
    else if (flag === 'S' || flag === '-seed') out.seed = seedText(value);
    else if (flag === 'W' || flag === '-width') out.width = num(value);
    else if (flag === 'H' || flag === '-height') out.height = num(value);
    else if (flag === 'C' || flag === '-cfg_scale') out.cfg = num(value);
    else if (flag === 'A' || flag === '-sampler') out.sampler = value;
    else out.extra[`-${flag}`] = value;
  }
  return out;
}
