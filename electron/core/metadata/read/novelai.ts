/**
 * NovelAI: PNG tEXt chunks `Title` ("NovelAI generated image" / "AI generated image"), `Description`
 * (the prompt), `Software` ("NovelAI"), `Source` (the model, e.g. "NovelAI Diffusion V4.5 4BDE2A90"), and
 * `Comment`: JSON of the request — `prompt`, `uc` (negative), `seed`, `steps`, `scale` (cfg), `sampler`,
 * `noise_schedule`, `width`, `height`, `cfg_rescale`, `sm`, `strength`, `n_samples`…; V4 adds
 * `v4_prompt.caption.base_caption` and `char_captions`, and `v4_negative_prompt`.
 */
import type { ImportedParameters } from '../../../../shared/import-contract';
import { display, emptyParameters, isObject, type JsonObject, num, seedText, text } from './values';

const TAKEN = new Set([
  'prompt',
  'uc',
  'seed',
  'steps',
  'scale',
  'sampler',
  'noise_schedule',
  'width',
  'height',
]);

export function parseNovelai(
  comment: JsonObject,
  fields: { description?: string; source?: string; software?: string },
): ImportedParameters {
  const out = emptyParameters('novelai');
  const v4 =
    isObject(comment.v4_prompt) && isObject(comment.v4_prompt.caption) ? comment.v4_prompt.caption : null;
  const v4neg =
    isObject(comment.v4_negative_prompt) && isObject(comment.v4_negative_prompt.caption)
      ? comment.v4_negative_prompt.caption
      : null;
  const characters =
    v4 && Array.isArray(v4.char_captions)
      ? v4.char_captions.map((c) => (isObject(c) ? (text(c.char_caption) ?? '') : '')).filter(Boolean)
      : [];
  out.prompt = text(comment.prompt) ?? text(v4?.base_caption) ?? fields.description ?? '';
  if (characters.length > 0) out.extra.characters = characters.join('\n');
  out.negativePrompt = text(comment.uc) ?? text(v4neg?.base_caption) ?? '';
  out.seed = seedText(comment.seed);
  out.steps = num(comment.steps);
  out.cfg = num(comment.scale);
  out.sampler = text(comment.sampler);
  out.scheduler = text(comment.noise_schedule);
  out.width = num(comment.width);
  out.height = num(comment.height);
  if (fields.source)
    out.model = { name: fields.source, hash: /([0-9A-F]{8})$/.exec(fields.source)?.[1] ?? null };
  out.tool = fields.software ?? 'NovelAI';
  for (const [key, value] of Object.entries(comment)) {
    if (TAKEN.has(key) || value === null || value === undefined || key.startsWith('v4_')) continue;
    out.extra[key] = display(value);
  }
  return out;
}
