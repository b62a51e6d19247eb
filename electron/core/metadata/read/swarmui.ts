/**
 * SwarmUI: the `parameters` PNG text chunk (EXIF UserComment in JPEG / WebP) holds JSON:
 * { "sui_image_params": { prompt, negativeprompt, model, seed, steps, cfgscale, width, height, aspectratio,
 *   sampler, scheduler, loras: [names], loraweights: [weights], swarm_version, … },
 *   "sui_extra_data": { date, generation_time, … }, "sui_models": [{ name, param, hash }] }.
 */
import type { ImportedParameters } from '../../../../shared/import-contract';
import { display, emptyParameters, isObject, type JsonObject, num, seedText, text } from './values';

const TAKEN = new Set([
  'prompt',
  'negativeprompt',
  'model',
  'seed',
  'steps',
  'cfgscale',
  'width',
  'height',
  'sampler',
  'scheduler',
  'loras',
  'loraweights',
  'swarm_version',
]);

export function parseSwarm(json: JsonObject): ImportedParameters {
  const out = emptyParameters('swarmui');
  const p = isObject(json.sui_image_params) ? json.sui_image_params : {};
  out.prompt = text(p.prompt) ?? '';
  out.negativePrompt = text(p.negativeprompt) ?? '';
  out.seed = seedText(p.seed);
  out.steps = num(p.steps);
  out.cfg = num(p.cfgscale);
  out.width = num(p.width);
  out.height = num(p.height);
  out.sampler = text(p.sampler);
  out.scheduler = text(p.scheduler);
  const models = Array.isArray(json.sui_models) ? json.sui_models.filter(isObject) : [];
  const hashOf = (name: string | null) =>
    text(models.find((m) => text(m.name) === name || text(m.name)?.startsWith(`${name}.`))?.hash) ?? null;
  const model = text(p.model);
  if (model) out.model = { name: model, hash: hashOf(model) };
  const names = Array.isArray(p.loras) ? p.loras.map(text) : [];
  const weights = Array.isArray(p.loraweights) ? p.loraweights : [];
  names.forEach((name, i) => {
    if (name) out.loras.push({ name, weight: num(weights[i]), hash: hashOf(name) });
  });
  const version = text(p.swarm_version);
  out.tool = version ? `SwarmUI ${version}` : 'SwarmUI';
  for (const [key, value] of Object.entries(p)) {
    if (!TAKEN.has(key) && value !== null && value !== undefined) out.extra[key] = display(value);
  }
  if (isObject(json.sui_extra_data)) {
    for (const [key, value] of Object.entries(json.sui_extra_data))
      out.extra[`extra.${key}`] = display(value);
  }
  return out;
}
