/**
 * The A1111 "infotext": the `parameters` text AUTOMATIC1111 (and Forge, reForge, SD.Next) write into every
 * image, and what Civitai, A1111's PNG Info, and prompt readers expect. Its shape, as A1111's
 * `modules/processing.py` `create_infotext` builds it:
 *
 *     <prompt, as typed, possibly several lines>
 *     Negative prompt: <negative, possibly several lines>          (only when there is a negative)
 *     Steps: 20, Sampler: Euler a, Schedule type: Karras, CFG scale: 7, Seed: 1234, Size: 512x768, Model hash: …, Model: …, Denoising strength: 0.55
 *
 * - The last line is `key: value` pairs joined by ", ", in `create_infotext`'s key order; a key whose value is
 *   None is left out (we leave out what the run does not have, and never invent a value).
 * - A value containing `,`, `:` or a newline is written as a JSON string (`modules/infotext_utils.py`
 *   `quote()`: `json.dumps(text, ensure_ascii=False)`), so `"a, b"` reads back as `a, b`. JSON.stringify
 *   writes the same text as Python's `json.dumps(…, ensure_ascii=False)` for every well-formed string (both
 *   escape `"`, `\` and control characters, \n \r \t \b \f in their short forms, and leave non-ASCII as it is).
 * - The prompt and the negative are not quoted. A1111's reader (`parse_generation_parameters`) splits on "\n"
 *   and strips each line, so a CR of a CRLF would be lost anyway; we write line breaks as "\n".
 * - Its reader takes the last line as parameters only when it holds at least 3 `key: value` pairs; with fewer
 *   it reads the line as more prompt. A run from a cloud provider without a seed would have only Size and
 *   Model, so for runs that did not go through a Stable Diffusion server the provider is named as a third
 *   key (`Provider: OpenAI`), like the extra keys A1111's extensions add after the standard ones.
 */

/** What an image's infotext states. Absent fields are left out of the text. */
export interface InfotextParameters {
  prompt: string;
  negativePrompt?: string;
  steps?: number;
  sampler?: string;
  /** A1111 ≥ 1.9 writes the scheduler apart from the sampler ("Schedule type"). */
  scheduleType?: string;
  cfgScale?: number;
  seed?: number;
  width?: number;
  height?: number;
  modelHash?: string;
  model?: string;
  /** Image-to-image: how far the result moved from the init image. */
  denoisingStrength?: number;
  /** Keys A1111 has no field for, written after the standard ones (as extensions do), in this order. */
  extra?: ReadonlyArray<readonly [key: string, value: string | number]>;
}

/** A1111's `quote()`: a value with a comma, colon or newline becomes a JSON string. */
export function quoteInfotextValue(value: string | number): string {
  const text = String(value);
  if (!text.includes(',') && !text.includes('\n') && !text.includes(':')) return text;
  return JSON.stringify(text);
}

/** CRLF and lone CR become LF; NUL (which no PNG text chunk may hold) is dropped. */
function normalizeLines(text: string): string {
  return text.replace(/\r\n?/g, '\n').replaceAll('\0', '');
}

/** Python's `str(int)` for whole numbers; our shortest round-trip form for the rest (7.5, 0.55). */
function formatNumber(value: number): string {
  return Number.isInteger(value) ? value.toFixed(0) : String(value);
}

/** A key as A1111 writes one: word characters, spaces, `-` and `/` (its reader's `re_param`). */
function checkKey(key: string): string {
  if (!/^\w[\w \-/]*$/.test(key)) throw new RangeError(`Infotext key "${key}" is not one A1111 can read.`);
  return key;
}

/** The A1111 `parameters` text for one image. */
export function formatInfotext(p: InfotextParameters): string {
  const pairs: [string, string | number | undefined][] = [
    ['Steps', p.steps],
    ['Sampler', p.sampler],
    ['Schedule type', p.scheduleType],
    ['CFG scale', p.cfgScale],
    ['Seed', p.seed],
    ['Size', p.width !== undefined && p.height !== undefined ? `${p.width}x${p.height}` : undefined],
    ['Model hash', p.modelHash],
    ['Model', p.model],
    ['Denoising strength', p.denoisingStrength],
    ...(p.extra ?? []).map(([key, value]): [string, string | number] => [checkKey(key), value]),
  ];
  const params = pairs
    .filter((pair): pair is [string, string | number] => pair[1] !== undefined && pair[1] !== '')
    .map(([key, value]) => {
      const text = typeof value === 'number' ? formatNumber(value) : normalizeLines(value);
      return `${key}: ${quoteInfotextValue(text)}`;
    })
    .join(', ');
  const negative = normalizeLines(p.negativePrompt ?? '');
  const negativeLine = negative.trim() ? `\nNegative prompt: ${negative}` : '';
  // create_infotext ends with .strip(): no leading or trailing whitespace around the whole text.
  return `${normalizeLines(p.prompt)}${negativeLine}\n${params}`.trim();
}
