/**
 * AUTOMATIC1111 / Forge / reForge / SD.Next "infotext": the `parameters` PNG text chunk (tEXt, or iTXt
 * when the text is not Latin-1), or EXIF UserComment in JPEG and WebP. As `modules/infotext_utils.py`
 * writes and reads it (`create_infotext`, `parse_generation_parameters`):
 *
 *     <prompt, any number of lines>
 *     Negative prompt: <negative, any number of lines>
 *     Steps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 965400086, Size: 512x768,
 *     Model hash: 45dee52b, Model: name, Lora hashes: "a: 1f2e3d4c5b6a, b: 0a1b2c3d4e5f", Version: v1.10.1
 *
 * - The last line is the parameter line only when it holds at least 3 `key: value` pairs (else it is
 *   prompt text). Pairs match `\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)`.
 * - A value containing `,`, `:` or a newline is written JSON-quoted (`quote()` = `json.dumps`), and read
 *   back with `json.loads`; `WxH` values split into `<key>-1` and `<key>-2`.
 * - Lines are stripped, so CRLF reads as LF; prompt lines are joined with "\n".
 * - Hires fix: `Hires upscale`, `Hires resize: WxH`, `Hires steps`, `Hires upscaler`, with `Denoising
 *   strength`. ADetailer: `ADetailer model`, `ADetailer confidence`, … with ` 2nd`, ` 3rd`… suffixes for
 *   further passes. Hashes in several forms: `Model hash` (10-hex short or AutoV2), `Lora hashes: "n: h, …"`,
 *   `TI hashes`, and Civitai's `Hashes: {"model": …, "lora:name": …}` JSON.
 * - LoRA weights are in the prompt as `<lora:name:weight>`.
 */
import type { ImportedAdetailer, ImportedLora, ImportedParameters } from '../../../../shared/import-contract';
import { emptyParameters, isObject, num, promptLoras, seedText, tryJson } from './values';

const PARAM = /\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)/g;
const IMAGE_SIZE = /^(\d+)x(\d+)$/;

/** The pairs of the parameter line, values unquoted, in order. */
export function parameterPairs(line: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const m of line.matchAll(PARAM)) {
    let value = m[2]!;
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      try {
        const parsed = JSON.parse(value) as unknown;
        if (typeof parsed === 'string') value = parsed;
      } catch {
        // Left quoted as written, as A1111's unquote does.
      }
    }
    pairs.push([m[1]!.trim(), value.trim()]);
  }
  return pairs;
}

/** Recognizes A1111 infotext: a parameter line with `Steps:` and at least 3 pairs, or a `Negative prompt:` line. */
export function looksLikeInfotext(infotext: string): boolean {
  const lines = infotext.trim().replaceAll('\r\n', '\n').split('\n');
  const last = lines.at(-1) ?? '';
  const pairs = parameterPairs(last);
  return (
    (pairs.length >= 3 && pairs.some(([k]) => k === 'Steps' || k === 'Seed')) ||
    /^Negative prompt:/m.test(infotext)
  );
}

const ORDINAL = /^(.*?) (2nd|3rd|\d+th)$/;

export function parseA1111(
  infotext: string,
  source: ImportedParameters['source'] = 'a1111',
): ImportedParameters {
  const out = emptyParameters(source);
  const all = infotext.replaceAll('\r\n', '\n').replaceAll('\r', '\n').trim().split('\n');
  let last = all.pop() ?? '';
  const lines = all;
  if (parameterPairs(last).length < 3) {
    lines.push(last);
    last = '';
  }
  const prompt: string[] = [];
  const negative: string[] = [];
  let inNegative = false;
  for (const raw of lines) {
    let line = raw.trim();
    if (line.startsWith('Negative prompt:')) {
      inNegative = true;
      line = line.slice('Negative prompt:'.length).trim();
    }
    (inNegative ? negative : prompt).push(line);
  }
  out.prompt = prompt.join('\n');
  out.negativePrompt = negative.join('\n');

  const fields = new Map<string, string>();
  for (const [key, value] of parameterPairs(last)) fields.set(key, value);
  const take = (key: string): string | null => {
    const value = fields.get(key);
    fields.delete(key);
    return value ?? null;
  };

  out.steps = num(take('Steps'));
  out.sampler = take('Sampler');
  out.scheduler = take('Schedule type');
  out.cfg = num(take('CFG scale'));
  const seed = take('Seed');
  out.seed = seedText(seed);
  if (seed !== null && out.seed === null) {
    out.warnings.push(`The seed "${seed}" is not a whole number; it is kept with the other fields.`);
    out.extra.Seed = seed;
  }
  const size = take('Size');
  const sized = size ? IMAGE_SIZE.exec(size) : null;
  if (sized) {
    out.width = Number(sized[1]);
    out.height = Number(sized[2]);
  } else if (size) out.extra.Size = size;
  const modelName = take('Model');
  const modelHash = take('Model hash');
  if (modelName !== null || modelHash !== null) out.model = { name: modelName, hash: modelHash };
  const vaeName = take('VAE');
  const vaeHash = take('VAE hash');
  if (vaeName !== null || vaeHash !== null) out.vae = { name: vaeName, hash: vaeHash };

  const version = take('Version');
  if (version !== null) out.tool = toolName(version);

  const hashes = take('Hashes');
  const civitai = hashes ? tryJson(hashes) : undefined;
  if (hashes !== null) out.extra.Hashes = hashes;
  out.loras = loras(out.prompt, take('Lora hashes'), isObject(civitai) ? civitai : null);
  if (out.model && !out.model.hash && isObject(civitai) && typeof civitai.model === 'string') {
    out.model.hash = civitai.model;
  }

  const hiresUpscale = take('Hires upscale');
  const hiresResize = take('Hires resize');
  const hiresSteps = take('Hires steps');
  const hiresUpscaler = take('Hires upscaler');
  const denoise = fields.get('Denoising strength') ?? null;
  if (hiresUpscale !== null || hiresResize !== null || hiresSteps !== null || hiresUpscaler !== null) {
    const resize = hiresResize ? IMAGE_SIZE.exec(hiresResize) : null;
    out.hires = {
      upscale: num(hiresUpscale),
      upscaler: hiresUpscaler,
      steps: num(hiresSteps),
      denoise: num(denoise),
      width: resize ? Number(resize[1]) : null,
      height: resize ? Number(resize[2]) : null,
    };
    take('Denoising strength');
  }
  out.adetailer = adetailer(fields);
  for (const [key, value] of fields) out.extra[key] = value;
  return out;
}

/** `v1.10.1` is A1111; Forge writes `f2.0.1v1.10.1-…`, reForge and SD.Next name themselves. */
function toolName(version: string): string {
  if (/^f\d/.test(version)) return `Forge ${version}`;
  if (/^classic|^neo/i.test(version)) return `Forge ${version}`;
  return `AUTOMATIC1111 ${version}`;
}

function loras(
  prompt: string,
  loraHashes: string | null,
  civitai: Record<string, unknown> | null,
): ImportedLora[] {
  const byName = new Map<string, ImportedLora>();
  for (const { name, weight } of promptLoras(prompt)) {
    if (!byName.has(name)) byName.set(name, { name, weight, hash: null });
  }
  // "name: hash, name2: hash2" — names may hold spaces; the hash is the last token.
  for (const part of (loraHashes ?? '').split(',')) {
    const cut = part.lastIndexOf(':');
    if (cut <= 0) continue;
    const name = part.slice(0, cut).trim();
    const hash = part.slice(cut + 1).trim();
    const known = byName.get(name);
    if (known) known.hash = hash;
    else byName.set(name, { name, weight: null, hash });
  }
  for (const [key, value] of Object.entries(civitai ?? {})) {
    if (!key.startsWith('lora:') || typeof value !== 'string') continue;
    const name = key.slice(5);
    const known = byName.get(name);
    if (known) known.hash ??= value;
    else byName.set(name, { name, weight: null, hash: value });
  }
  return [...byName.values()];
}

/** ADetailer passes: `ADetailer model` then ` 2nd`, ` 3rd`… suffixed keys; their fields move out of `fields`. */
function adetailer(fields: Map<string, string>): ImportedAdetailer[] {
  const passes = new Map<string, ImportedAdetailer>();
  for (const [key, value] of [...fields]) {
    // `ADetailer version` belongs to no pass; it stays with the other fields.
    if (!key.startsWith('ADetailer ') || key === 'ADetailer version') continue;
    const ordinal = ORDINAL.exec(key);
    const base = ordinal ? ordinal[1]! : key;
    const pass = ordinal ? ordinal[2]! : '1st';
    const name = base.slice('ADetailer '.length);
    const entry = passes.get(pass) ?? { model: '', settings: {} };
    if (name === 'model') entry.model = value;
    else entry.settings[name] = value;
    passes.set(pass, entry);
    fields.delete(key);
  }
  return [...passes.values()];
}
