/**
 * Atelier's own files (written by `metadata/write/`): an `atelier` iTXt chunk in PNG, or an
 * `atelier:provenance` property in the XMP of JPEG / WebP, holding the provenance record as JSON:
 * { schema: "atelier.provenance", version: 1, atelierVersion, run: { id, provider, model, seed, … },
 *   request: { prompt, negativePrompt, aspectRatio, size, steps, guidance, … }, image, attempts, style,
 *   template, references, review }. Read tolerantly: every field may be missing, a later `version` may add
 * fields (kept in `extra`), and a record that is not JSON leaves the A1111 `parameters` beside it to say
 * what it can.
 */
import type { ImportedParameters } from '../../../../shared/import-contract';
import { display, emptyParameters, isObject, type JsonObject, num, seedText, text, tryJson } from './values';

export function isAtelierProvenance(value: unknown): value is JsonObject {
  return (
    isObject(value) &&
    (typeof value.schema === 'string' ? /atelier/i.test(value.schema) : isObject(value.run))
  );
}

/** The provenance JSON out of an XMP packet's `atelier:provenance` element (XML-escaped text). */
export function provenanceFromXmp(xmp: string): unknown {
  const match = /<atelier:provenance>([\s\S]*?)<\/atelier:provenance>/.exec(xmp);
  if (!match) return undefined;
  const unescaped = match[1]!
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replaceAll('&amp;', '&');
  return tryJson(unescaped);
}

export function parseAtelier(record: JsonObject, fallback: ImportedParameters | null): ImportedParameters {
  const out = fallback ? { ...fallback, source: 'atelier' as const } : emptyParameters('atelier');
  const run = isObject(record.run) ? record.run : {};
  const request = isObject(record.request) ? record.request : {};
  out.prompt = text(request.prompt) ?? out.prompt;
  out.negativePrompt = text(request.negativePrompt) ?? out.negativePrompt;
  out.seed = seedText(run.seed) ?? seedText(request.seed) ?? out.seed;
  out.steps = num(request.steps) ?? out.steps;
  out.cfg = num(request.guidance) ?? out.cfg;
  const size = isObject(request.size) ? request.size : isObject(record.image) ? record.image : null;
  if (size) {
    out.width = num(size.width) ?? out.width;
    out.height = num(size.height) ?? out.height;
  }
  const model = text(run.model);
  if (model) out.model = { name: model, hash: out.model?.hash ?? null };
  const version = text(record.atelierVersion);
  out.tool = version ? `Atelier ${version}` : 'Atelier';
  const provider = text(run.provider);
  if (provider) out.extra.provider = provider;
  if (text(request.aspectRatio)) out.extra.aspectRatio = text(request.aspectRatio)!;
  for (const key of ['style', 'template', 'references', 'review', 'attempts']) {
    if (record[key] !== undefined && record[key] !== null) out.extra[key] = display(record[key]);
  }
  if (run.id !== undefined) out.extra.runId = display(run.id);
  return out;
}
