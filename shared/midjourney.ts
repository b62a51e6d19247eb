/**
 * The Midjourney lane. Midjourney has no API: Atelier prepares the prompt line a designer pastes into it.
 *
 *     <prompt> --ar 16:9 --seed 1234 --no blur, watermark --sref https://… --cref https://… --stylize 250 --chaos 10 --v 7
 *
 * - The prompt is one line (Midjourney reads a newline as the end of the prompt); `--` inside it would start
 *   a parameter, so a dash pair in the designer's text becomes a single dash.
 * - `--ar` is the exact pixel size reduced (1536×1024 → 3:2), else the request's aspect ratio.
 * - `--seed` takes 0–4294967295; a seed outside is left out and said.
 * - `--no` lists the negative prompt's terms, comma separated; A1111 weights such as `(blurry:1.3)` lose
 *   their brackets and weight, since Midjourney reads `::` weights, not those.
 * - `--sref` / `--cref` take image URLs only. References stored in Atelier are local files: they are not
 *   put in the line, and the answer says how many were left out, so the designer can upload them.
 * - `--stylize`, `--chaos` and `--v` come from the style's Midjourney fields.
 */
import { z } from 'zod';

export const MIDJOURNEY_MAX_SEED = 4_294_967_295;

const imageUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) image URL' }).max(2000);

/** A style's Midjourney defaults (part of its provider overrides). */
export const MidjourneyFields = z.strictObject({
  /** Style reference image URLs (`--sref`). */
  sref: z.array(imageUrl).max(8, 'at most 8 style references').default([]),
  /** Character reference image URLs (`--cref`). */
  cref: z.array(imageUrl).max(8, 'at most 8 character references').default([]),
  stylize: z.number().int('must be a whole number').min(0).max(1000, 'must be 0–1000').optional(),
  chaos: z.number().int('must be a whole number').min(0).max(100, 'must be 0–100').optional(),
  /** Model version, as `--v` takes it ("7", "6.1"), or "niji 6" (written as `--niji 6`). */
  version: z
    .string()
    .trim()
    .regex(/^(\d{1,2}(\.\d)?|niji \d{1,2})$/, 'must be a version such as 7, 6.1 or niji 6')
    .optional(),
});
export type MidjourneyFields = z.infer<typeof MidjourneyFields>;

export const MidjourneyNote = z.discriminatedUnion('code', [
  /** The style (and version) the line was made from. */
  z.object({ code: z.literal('style'), name: z.string(), version: z.number() }),
  /** Stored reference images of the style that could not go in as `--sref` (not URLs). */
  z.object({ code: z.literal('local_references'), count: z.number().int() }),
  /** The request's image-to-image input is a stored file; Midjourney needs its URL at the start of the prompt. */
  z.object({ code: z.literal('local_init_image') }),
  z.object({ code: z.literal('seed_out_of_range'), seed: z.number() }),
]);
export type MidjourneyNote = z.infer<typeof MidjourneyNote>;

export const MidjourneyPrompt = z.object({ text: z.string(), notes: z.array(MidjourneyNote) });
export type MidjourneyPrompt = z.infer<typeof MidjourneyPrompt>;

export interface MidjourneyInput {
  prompt: string;
  negativePrompt: string;
  aspectRatio: string;
  /** The exact size (of the request, or of the image made); wins over `aspectRatio`. */
  size?: { width: number; height: number } | null;
  seed: number | null;
  style?: {
    name: string;
    version: number;
    midjourney?: MidjourneyFields;
    /** How many stored reference images the style attaches. */
    localReferences: number;
  } | null;
  hasLocalInitImage?: boolean;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

export function reducedRatio(width: number, height: number): string {
  const d = gcd(width, height);
  return `${width / d}:${height / d}`;
}

/** One line, no accidental `--parameter`. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/-{2,}/g, '-').trim();
}

/** The negative prompt's terms, weights and brackets removed, duplicates dropped, in order. */
export function negativeTerms(negative: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of negative.split(/[,\n]/)) {
    const term = oneLine(raw.replace(/:\s*-?\d+(\.\d+)?\s*(?=[)\]]|$)/g, '').replace(/[()[\]{}]/g, ''));
    const key = term.toLowerCase();
    if (term && !seen.has(key)) {
      seen.add(key);
      out.push(term);
    }
  }
  return out;
}

export function renderMidjourneyPrompt(input: MidjourneyInput): MidjourneyPrompt {
  const notes: MidjourneyNote[] = [];
  const parts = [oneLine(input.prompt)];
  const size = input.size;
  parts.push(`--ar ${size ? reducedRatio(size.width, size.height) : input.aspectRatio}`);
  if (input.seed !== null) {
    if (input.seed >= 0 && input.seed <= MIDJOURNEY_MAX_SEED && Number.isInteger(input.seed))
      parts.push(`--seed ${input.seed}`);
    else notes.push({ code: 'seed_out_of_range', seed: input.seed });
  }
  const no = negativeTerms(input.negativePrompt);
  if (no.length > 0) parts.push(`--no ${no.join(', ')}`);

  const style = input.style ?? null;
  const mj = style?.midjourney;
  if (mj?.sref.length) parts.push(`--sref ${mj.sref.join(' ')}`);
  if (mj?.cref.length) parts.push(`--cref ${mj.cref.join(' ')}`);
  if (mj?.stylize !== undefined) parts.push(`--stylize ${mj.stylize}`);
  if (mj?.chaos !== undefined) parts.push(`--chaos ${mj.chaos}`);
  if (mj?.version !== undefined)
    parts.push(mj.version.startsWith('niji') ? `--${mj.version}` : `--v ${mj.version}`);
  if (style) {
    notes.unshift({ code: 'style', name: style.name, version: style.version });
    if (style.localReferences > 0) notes.push({ code: 'local_references', count: style.localReferences });
  }
  if (input.hasLocalInitImage) notes.push({ code: 'local_init_image' });
  return { text: parts.join(' '), notes };
}
