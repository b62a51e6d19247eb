// Small value helpers shared by the per-tool readers.
import type { ImportedParameters, ImportSource } from '../../../../shared/import-contract';

/** JSON as the tools write it, with integers past 2^53 kept exact as BigInt (ComfyUI seeds go to 2^64 − 1). */
export function parseJson(text: string): unknown {
  return JSON.parse(text, (_key, value, context?: { source?: string }) => {
    if (typeof value === 'number' && !Number.isSafeInteger(value) && context?.source) {
      const source = context.source;
      if (/^-?\d+$/.test(source)) return BigInt(source);
    }
    return value;
  });
}

/** JSON that may be wrong: undefined instead of an exception. */
export function tryJson(text: string): unknown {
  try {
    return parseJson(text);
  } catch {
    return undefined;
  }
}

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A seed as decimal digits, every digit kept; null for anything that is not a whole number ≥ 0. */
export function seedText(value: unknown): string | null {
  if (typeof value === 'bigint') return value >= 0n ? value.toString() : null;
  if (typeof value === 'number')
    return Number.isInteger(value) && value >= 0 ? BigInt(value).toString() : null;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return /^\d+$/.test(trimmed) ? trimmed.replace(/^0+(?=\d)/, '') : null;
  }
  return null;
}

export function num(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value.trim());
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

export function text(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  return null;
}

/** Any JSON value as the text a person would read (objects as JSON, BigInt as digits). */
export function display(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
}

export function emptyParameters(source: ImportSource): ImportedParameters {
  return {
    source,
    tool: null,
    prompt: '',
    negativePrompt: '',
    seed: null,
    steps: null,
    cfg: null,
    sampler: null,
    scheduler: null,
    width: null,
    height: null,
    model: null,
    vae: null,
    loras: [],
    hires: null,
    adetailer: [],
    otherSamplers: [],
    midjourney: null,
    extra: {},
    warnings: [],
  };
}

/** `(1152, 896)`, `1152x896`, `1152×896`, `[1152, 896]` → width and height. */
export function sizePair(value: unknown): { width: number; height: number } | null {
  if (Array.isArray(value) && value.length === 2) {
    const [w, h] = value.map(num);
    return w && h ? { width: w, height: h } : null;
  }
  const match =
    typeof value === 'string' ? /^\s*[([]?\s*(\d+)\s*[x×,*]\s*(\d+)\s*[)\]]?\s*$/.exec(value) : null;
  return match ? { width: Number(match[1]), height: Number(match[2]) } : null;
}

/** `<lora:name:0.8>` and `<lyco:name:0.8>` tags in an A1111-style prompt, in order. */
export function promptLoras(prompt: string): Array<{ name: string; weight: number | null }> {
  const found: Array<{ name: string; weight: number | null }> = [];
  for (const m of prompt.matchAll(/<(?:lora|lyco):([^:>]+)(?::([^:>]+))?(?::[^>]*)?>/g)) {
    found.push({ name: m[1]!.trim(), weight: m[2] === undefined ? null : num(m[2]) });
  }
  return found;
}
