// What an image file says about how it was made, whichever tool made it: one entry point for the importer.
import type { ImportedParameters, ImportSource } from '../../../../shared/import-contract';
import { looksLikeInfotext, parseA1111 } from './a1111';
import { isAtelierProvenance, parseAtelier, provenanceFromXmp } from './atelier';
import { comfyJson, isComfyPrompt, isComfyWorkflow, parseComfyGraphs } from './comfyui';
import { type ContainerFormat, readContainer } from './containers';
import { parseFooocus } from './fooocus';
import { parseDream, parseInvokeMetadata, parseSdMetadata } from './invokeai';
import { parseNovelai } from './novelai';
import { parseSwarm } from './swarmui';
import { decodeUserComment } from './user-comment';
import { isObject, tryJson } from './values';

export { readContainer, sniffContainer } from './containers';
export { midjourneyLines, parseMidjourney } from './midjourney';
export { decodeUserComment } from './user-comment';

export interface ImageMetadata {
  format: ContainerFormat;
  source: ImportSource;
  /** Null when the file carries nothing readable (a plain image). */
  parameters: ImportedParameters | null;
  /** Every metadata field as the file held it: chunk keyword / EXIF field → text. */
  raw: Record<string, string>;
  /** What could not be read; never fatal. */
  warnings: string[];
}

/** Reads the file's metadata and recognizes its tool; never throws for what the file holds. */
export async function readImageMetadata(bytes: Uint8Array): Promise<ImageMetadata> {
  const container = await readContainer(bytes);
  const raw: Record<string, string> = {};
  for (const field of container.fields) {
    let key = field.key;
    for (let n = 2; Object.hasOwn(raw, key); n += 1) key = `${field.key} (${n})`;
    raw[key] = field.text;
  }
  if (container.userComment) {
    const comment = decodeUserComment(container.userComment);
    if (comment.trim() !== '') raw.UserComment = comment;
  }
  const warnings = [...container.warnings];
  let parameters: ImportedParameters | null = null;
  try {
    parameters = recognize(raw);
  } catch (error) {
    warnings.push(`The metadata could not be understood (${(error as Error).message}).`);
  }
  if (parameters) {
    parameters.warnings.unshift(...warnings);
    return {
      format: container.format,
      source: parameters.source,
      parameters,
      raw,
      warnings: parameters.warnings,
    };
  }
  return { format: container.format, source: 'plain', parameters: null, raw, warnings };
}

function recognize(raw: Record<string, string>): ImportedParameters | null {
  const exifParameters = raw.UserComment;
  const parametersText = raw.parameters ?? exifParameters;

  // Atelier's own: the provenance record beside the A1111 text it also writes.
  const provenance =
    raw.atelier !== undefined ? tryJson(raw.atelier) : raw.XMP ? provenanceFromXmp(raw.XMP) : undefined;
  if (isAtelierProvenance(provenance)) {
    const a1111 = parametersText && looksLikeInfotext(parametersText) ? parseA1111(parametersText) : null;
    return parseAtelier(provenance, a1111);
  }

  // ComfyUI: PNG chunks, or EXIF Model "prompt:{…}" / Make "workflow:{…}" in WebP.
  const comfyPrompt = comfyJson(raw.prompt ?? exifPrefixed(raw, 'prompt'), 'prompt');
  const comfyWorkflow = comfyJson(raw.workflow ?? exifPrefixed(raw, 'workflow'), 'workflow');
  if (isComfyPrompt(comfyPrompt) || isComfyWorkflow(comfyWorkflow)) {
    return parseComfyGraphs(isComfyPrompt(comfyPrompt) ? comfyPrompt : undefined, comfyWorkflow);
  }

  // InvokeAI, newest form first.
  const invoke = raw.invokeai_metadata !== undefined ? tryJson(raw.invokeai_metadata) : undefined;
  if (isObject(invoke)) return parseInvokeMetadata(invoke);
  const sd = raw['sd-metadata'] !== undefined ? tryJson(raw['sd-metadata']) : undefined;
  if (isObject(sd)) return parseSdMetadata(sd);
  if (raw.Dream !== undefined && raw.Dream.trim() !== '') return parseDream(raw.Dream);

  // NovelAI: the request as JSON in `Comment`.
  const comment = raw.Comment !== undefined ? tryJson(raw.Comment) : undefined;
  if (
    isObject(comment) &&
    (/novelai/i.test(raw.Software ?? '') || 'uc' in comment || 'v4_prompt' in comment)
  ) {
    return parseNovelai(comment, {
      description: raw.Description,
      source: raw.Source,
      software: raw.Software,
    });
  }

  if (parametersText === undefined || parametersText.trim() === '') return null;
  const json = tryJson(parametersText);
  if (isObject(json) && isObject(json.sui_image_params)) return parseSwarm(json);
  const scheme = raw.fooocus_scheme ?? (/fooocus/i.test(raw.Software ?? '') ? raw.MakerNote : undefined);
  const fooocusJson =
    isObject(json) && ('full_prompt' in json || /^Fooocus/i.test(String(json.version ?? '')));
  if (scheme !== undefined || fooocusJson) {
    const out = parseFooocus(parametersText, isObject(json) ? json : null);
    if (raw.Software && /fooocus/i.test(raw.Software)) out.tool ??= raw.Software;
    return out;
  }
  // A1111 and its forks; a PNG `parameters` chunk is theirs even when it holds only a prompt.
  if (looksLikeInfotext(parametersText) || raw.parameters !== undefined) return parseA1111(parametersText);
  return null;
}

/** An EXIF text field whose value starts with `<prefix>:` (ComfyUI's WebP fields). */
function exifPrefixed(raw: Record<string, string>, prefix: string): string | undefined {
  for (const key of ['Model', 'Make', 'ImageDescription', 'Software', 'Artist', 'Copyright']) {
    const value = raw[key];
    if (value?.startsWith(`${prefix}:`)) return value;
  }
  return undefined;
}
