/**
 * Fooocus (modules/meta_parser.py). PNG: `parameters` text chunk plus `fooocus_scheme` ("fooocus" or
 * "a1111"); JPEG / WebP: EXIF UserComment (0x9286) = the parameters, Software (0x0131) = the version,
 * MakerNote (0x927C) = the scheme. Scheme "a1111" is A1111 infotext. Scheme "fooocus" is JSON:
 * `prompt`, `negative_prompt`, `full_prompt` / `full_negative_prompt` (with styles expanded), `styles`
 * (a list written as text), `performance`, `steps`, `resolution` ("(1152, 896)"), `guidance_scale`,
 * `sharpness`, `adm_guidance`, `base_model` (+ `base_model_hash`), `refiner_model`, `refiner_switch`,
 * `sampler`, `scheduler`, `seed` (text), `vae`, `lora_combined_N` ("name : weight"), `version`.
 */
import type { ImportedParameters } from '../../../../shared/import-contract';
import { parseA1111 } from './a1111';
import { display, emptyParameters, type JsonObject, num, seedText, sizePair, text } from './values';

const TAKEN = new Set([
  'prompt',
  'negative_prompt',
  'seed',
  'steps',
  'guidance_scale',
  'sampler',
  'scheduler',
  'resolution',
  'base_model',
  'base_model_hash',
  'vae',
  'version',
]);

export function parseFooocus(parameters: string, json: JsonObject | null): ImportedParameters {
  if (!json) {
    const out = parseA1111(parameters, 'fooocus');
    if (out.tool?.startsWith('AUTOMATIC1111 ')) out.tool = out.tool.slice('AUTOMATIC1111 '.length);
    return out;
  }
  const out = emptyParameters('fooocus');
  out.prompt = text(json.prompt) ?? '';
  out.negativePrompt = text(json.negative_prompt) ?? '';
  out.seed = seedText(json.seed);
  out.steps = num(json.steps);
  out.cfg = num(json.guidance_scale);
  out.sampler = text(json.sampler);
  out.scheduler = text(json.scheduler);
  const size = sizePair(json.resolution);
  if (size) ({ width: out.width, height: out.height } = size);
  const base = text(json.base_model);
  if (base) out.model = { name: base, hash: text(json.base_model_hash) };
  const vae = text(json.vae);
  if (vae && vae !== 'Default (model)') out.vae = { name: vae, hash: null };
  for (const [key, value] of Object.entries(json)) {
    if (/^lora_combined_\d+$/.test(key) && typeof value === 'string') {
      const cut = value.lastIndexOf(' : ');
      out.loras.push(
        cut > 0
          ? { name: value.slice(0, cut).trim(), weight: num(value.slice(cut + 3)), hash: null }
          : { name: value.trim(), weight: null, hash: null },
      );
    } else if (!TAKEN.has(key) && value !== null && value !== undefined) {
      out.extra[key] = display(value);
    }
  }
  out.tool = text(json.version) ?? 'Fooocus';
  return out;
}
