import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AspectRatio, MAX_SEED, ProviderId, QualityTier } from '../../../shared/domain';
import { seedInRange } from '../../../shared/model-rules';
import { fieldError } from '../../../shared/result';

/** One JSON file per provider, so adding a provider is adding a file. */
const CATALOG_DIR = path.join('resources', 'providers');

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2026-05-12');
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const limit = z.number().int('must be a whole number').positive('must be positive').nullable();
const usd = z.number().nonnegative('must be 0 or more');
/** Provider's quality value (e.g. "high") -> USD per image. */
const priceTable = z.record(z.string().min(1), usd);
const seedValue = z
  .number()
  .int('must be a whole number')
  .min(0, 'must be 0 or more')
  .max(MAX_SEED, `must be at most ${MAX_SEED} (Atelier's own seed range)`);
/** Where a fact comes from: the documentation page, or "(2nd)" for a secondary source. */
const sourceNote = z.string().min(1);

const CatalogModelSchema = z.strictObject({
  id: z.string().min(1).max(100),
  name: z.string().min(1),
  status: z.enum(['active', 'retired']),
  retiredOn: isoDate.nullable(),
  successor: z.string().min(1).nullable(),
  capabilities: z.strictObject({
    negativePrompt: z.boolean(),
    seed: z.boolean(),
    /** The provider rewrites the prompt before drawing (e.g. DALL·E 3), so the same seed can draw another image. */
    rewritesPrompt: z.boolean().default(false),
    /**
     * The seeds the provider takes, where `seed` is true: random seeds are drawn inside it and an explicit
     * seed outside it is refused for this provider. Capped at Atelier's own range (MAX_SEED).
     */
    seedRange: z
      .strictObject({ min: seedValue, max: seedValue, source: sourceNote })
      .nullable()
      .default(null),
    maxCount: z.number().int('must be a whole number').min(1).max(10),
    /** Every AspectRatio must be listed: the provider's size string, or null when it has none. */
    aspectRatios: z.record(AspectRatio, z.string().min(1).nullable()),
    /** Sampling steps the model takes, or null when it chooses for itself. */
    steps: z
      .strictObject({
        min: z.number().int().min(1),
        max: z.number().int().min(1),
        default: z.number().int().min(1),
      })
      .nullable()
      .default(null),
    /** The provider's name for guidance (`guidance_scale`, `cfg_scale`, `guidance`) and its range, or null. */
    guidance: z
      .strictObject({ param: z.string().min(1), min: z.number(), max: z.number(), default: z.number() })
      .nullable()
      .default(null),
    /** Exact pixel sizes: bounds and the multiple both sides must be; null when only the listed sizes exist. */
    exactSize: z
      .strictObject({
        min: z.number().int().min(1),
        max: z.number().int().min(1),
        multiple: z.number().int().min(1),
      })
      .nullable()
      .default(null),
    /** Takes a reference image (image-to-image, or the provider's own reference input). */
    imageInput: z.boolean().default(false),
    /** Has an edits endpoint (inpainting/outpainting with an input image). */
    edits: z.boolean().default(false),
  }),
  /** Our tier -> the provider's own quality value. */
  qualityTiers: z.record(QualityTier, z.string().min(1)),
  pricing: z.strictObject({
    perImageUsd: priceTable,
    /** Sizes that cost more than the base table, e.g. "1536x1024" -> { high: 0.25 }. */
    perImageUsdBySize: z.record(z.string().min(1), priceTable).optional(),
    /**
     * For providers that bill in credits: the estimated credits per image for each quality value, turned
     * into dollars through the provider's `credits.usdPerCredit`. The estimate a budget counts before the call.
     */
    perImageCredits: z.record(z.string().min(1), z.number().nonnegative('must be 0 or more')).optional(),
    source: z.string().min(1),
    asOf: z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/, 'must be a month or date like 2025-04'),
  }),
});

const CatalogProviderSchema = z.strictObject({
  id: ProviderId,
  name: z.string().min(1),
  kind: z.enum(['cloud', 'local']),
  keyUrl: httpUrl.nullable(),
  /** Suffix of the launch variables ATELIER_KEY_<keyEnv> and ATELIER_ENDPOINT_<keyEnv>. */
  keyEnv: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'must be upper case letters, digits and underscores'),
  defaultEndpoint: httpUrl,
  defaultModel: z.string().min(1),
  /** Whether requests need a key: cloud APIs do; local servers do not (or take optional basic auth). */
  auth: z.enum(['key', 'optional', 'none']).default('key'),
  /** Tasks this provider is good at; informs the default routes and the route editor. */
  strengths: z.array(z.string().min(1)).default([]),
  limits: z.strictObject({ perMinute: limit, perDay: limit, concurrency: limit }),
  /** For providers that bill in credits: what one credit costs, dated and sourced; null for dollar billing. */
  credits: z
    .strictObject({
      usdPerCredit: z.number().positive('must be more than 0'),
      source: sourceNote,
      asOf: z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/, 'must be a month or date like 2025-04'),
    })
    .nullable()
    .default(null),
  models: z.array(CatalogModelSchema).min(1, 'must list at least one model'),
});

const CatalogSchema = z
  .strictObject({
    version: z.literal(1),
    providers: z.array(CatalogProviderSchema),
  })
  .superRefine((catalog, ctx) => {
    const issue = (message: string, where: PropertyKey[]) =>
      ctx.addIssue({ code: 'custom', message, path: where });
    const seenProviders = new Set<string>();
    catalog.providers.forEach((provider, p) => {
      if (seenProviders.has(provider.id)) {
        issue(`duplicate provider id "${provider.id}"`, ['providers', p, 'id']);
      }
      seenProviders.add(provider.id);
      const keyEnvClash = catalog.providers.findIndex((other) => other.keyEnv === provider.keyEnv);
      if (keyEnvClash !== p) issue(`keyEnv "${provider.keyEnv}" is already used`, ['providers', p, 'keyEnv']);
      const models = new Map(provider.models.map((model) => [model.id, model]));
      const fallback = models.get(provider.defaultModel);
      if (!fallback) {
        issue(`no model "${provider.defaultModel}" in this provider`, ['providers', p, 'defaultModel']);
      } else if (fallback.status !== 'active') {
        issue('must name an active model', ['providers', p, 'defaultModel']);
      }

      const seenModels = new Set<string>();
      provider.models.forEach((model, m) => {
        const at = (...rest: PropertyKey[]) => ['providers', p, 'models', m, ...rest];
        if (seenModels.has(model.id)) issue(`duplicate model id "${model.id}"`, at('id'));
        seenModels.add(model.id);
        if (model.status === 'retired' && model.retiredOn === null) {
          issue('a retired model needs its date', at('retiredOn'));
        }
        if (model.successor !== null) {
          const successor = models.get(model.successor);
          if (!successor) issue(`no model "${model.successor}" in this provider`, at('successor'));
          else if (successor.status !== 'active') issue('must name an active model', at('successor'));
        }
        if (
          model.status === 'active' &&
          Object.values(model.capabilities.aspectRatios).every((size) => size === null)
        ) {
          issue('an active model must support at least one aspect ratio', at('capabilities', 'aspectRatios'));
        }
        // A price table, when given, must price every quality the model is asked for; a typo would cost silently.
        const tables = [
          { table: model.pricing.perImageUsd, where: at('pricing', 'perImageUsd') },
          ...Object.entries(model.pricing.perImageUsdBySize ?? {}).map(([size, table]) => ({
            table,
            where: at('pricing', 'perImageUsdBySize', size),
          })),
        ];
        const credits = model.pricing.perImageCredits;
        if (credits !== undefined) {
          tables.push({ table: credits, where: at('pricing', 'perImageCredits') });
          if (provider.credits === null) {
            issue(
              'needs the provider\'s "credits" price to turn credits into dollars',
              at('pricing', 'perImageCredits'),
            );
          }
        }
        for (const { table, where } of tables) {
          if (Object.keys(table).length === 0) continue;
          for (const quality of Object.values(model.qualityTiers)) {
            if (!(quality in table)) issue(`has no price for quality "${quality}"`, where);
          }
        }
        // Budgets count every request at its estimate when the provider does not report a cost: no silent hole.
        if (
          model.status === 'active' &&
          Object.keys(model.pricing.perImageUsd).length === 0 &&
          Object.keys(credits ?? {}).length === 0
        ) {
          issue(
            'an active model needs perImageUsd or perImageCredits, so budgets can count it',
            at('pricing'),
          );
        }
        const range = model.capabilities.seedRange;
        if (model.capabilities.seed && range === null) {
          issue('a model that takes a seed needs its seed range', at('capabilities', 'seedRange'));
        } else if (!model.capabilities.seed && range !== null) {
          issue('a model that takes no seed has no seed range', at('capabilities', 'seedRange'));
        } else if (range !== null && range.min > range.max) {
          issue(`min ${range.min} is above max ${range.max}`, at('capabilities', 'seedRange'));
        }
      });
    });
  });

export type Catalog = z.infer<typeof CatalogSchema>;
export type CatalogProvider = Catalog['providers'][number];
export type CatalogModel = CatalogProvider['models'][number];

/** A catalog that cannot be used; the message names the file and the JSON path of each problem. */
export class CatalogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CatalogError';
  }
}

/** `providers[0].models[1].capabilities.aspectRatios["16:9"]`: where the problem sits in the JSON. */
export function formatJsonPath(where: readonly PropertyKey[]): string {
  let out = '';
  for (const key of where) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out || '(root)';
}

/** Validates catalog data already parsed from JSON; `source` names it in error messages. */
export function parseCatalog(data: unknown, source = 'provider catalog'): Catalog {
  const parsed = CatalogSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${formatJsonPath(issue.path)}: ${issue.message}`);
  throw new CatalogError(`${source} is invalid: ${problems.join('; ')}`);
}

/**
 * Reads and validates the shipped catalog: a folder with one provider per JSON file (the default,
 * resources/providers/), or a single file holding `{ version: 1, providers: [...] }`.
 */
export function loadCatalog(target?: string): Catalog {
  const where = target ?? findDefaultCatalog();
  if (existsSync(where) && statSync(where).isDirectory()) {
    const files = readdirSync(where)
      .filter((name) => name.endsWith('.json'))
      .sort();
    const providers = files.map((name) => readJson(path.join(where, name), 'provider file'));
    return parseCatalog({ version: 1, providers }, `The provider catalog ${where} (${files.join(', ')})`);
  }
  return parseCatalog(readJson(where, 'provider catalog'), `The provider catalog ${where}`);
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CatalogError(`Cannot read the ${what} ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CatalogError(`The ${what} ${file} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Walks up from this module: the source tree and the esbuild bundle sit at different depths. */
function findDefaultCatalog(): string {
  let dir = import.meta.dirname;
  for (;;) {
    const candidate = path.join(dir, CATALOG_DIR);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new CatalogError(
    `Cannot find ${CATALOG_DIR} above ${import.meta.dirname}; pass its path to loadCatalog.`,
  );
}

/**
 * The provider and model a request names (the provider's default model when none is named).
 * Throws invalid_input for an unknown provider or model, and for a retired one, naming its successor.
 */
export function resolveModel(
  catalog: Catalog,
  providerId: string,
  modelId?: string,
): { provider: CatalogProvider; model: CatalogModel } {
  const provider = catalog.providers.find((p) => p.id === providerId);
  if (!provider) {
    const known = catalog.providers.map((p) => p.id).join(', ') || 'none';
    throw fieldError(['provider'], `there is no provider "${providerId}" (known: ${known}).`);
  }
  const wanted = modelId ?? provider.defaultModel;
  const model = provider.models.find((m) => m.id === wanted);
  if (!model) {
    const active = provider.models.filter((m) => m.status === 'active').map((m) => m.id);
    throw fieldError(
      ['model'],
      `${provider.name} has no model "${wanted}" (available: ${active.join(', ') || 'none'}).`,
    );
  }
  if (model.status === 'retired') {
    const successor = model.successor ? provider.models.find((m) => m.id === model.successor) : undefined;
    const instead = successor ? ` Use ${successor.name} (${successor.id}) instead.` : '';
    const when = model.retiredOn ? ` on ${model.retiredOn}` : '';
    throw fieldError(
      ['model'],
      `${model.name} (${model.id}) was retired by ${provider.name}${when} and can no longer be used.${instead}`,
      { details: { retiredOn: model.retiredOn, successor: model.successor } },
    );
  }
  return { provider, model };
}

/** `1536x1024` or `16:9` -> width / height; null for sizes like `auto` or `1K`. */
export function sizeRatio(size: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*[x×:]\s*(\d+(?:\.\d+)?)$/i.exec(size.trim());
  if (!match) return null;
  const ratio = Number(match[1]) / Number(match[2]);
  return Number.isFinite(ratio) && ratio > 0 ? ratio : null;
}

/**
 * The provider size for an aspect ratio. `exact` is false when the catalog snaps it to a different
 * shape (4:3 -> 1536x1024) or has no size for it and the nearest supported shape is used instead.
 */
export function sizeFor(model: CatalogModel, aspectRatio: AspectRatio): { size: string; exact: boolean } {
  const wanted = sizeRatio(aspectRatio) ?? 1;
  const mapped = model.capabilities.aspectRatios[aspectRatio];
  if (mapped != null) {
    const actual = sizeRatio(mapped);
    return { size: mapped, exact: actual === null || Math.abs(Math.log(actual / wanted)) < 0.01 };
  }
  let best: { size: string; distance: number } | null = null;
  for (const size of Object.values(model.capabilities.aspectRatios)) {
    if (size == null) continue;
    const distance = Math.abs(Math.log((sizeRatio(size) ?? 1) / wanted));
    if (!best || distance < best.distance) best = { size, distance };
  }
  if (!best) throw new Error(`model ${model.id} supports no aspect ratio`); // The catalog schema rules this out.
  return { size: best.size, exact: false };
}

export interface SeedRange {
  min: number;
  max: number;
}

/** The seeds a model takes, or null when it takes none. */
/**
 * The base URL a cloud provider is called at: the launch override (`ATELIER_ENDPOINT_…`), else the
 * catalog's, without a trailing slash. One definition for the dispatcher and the key test.
 */
export function providerEndpoint(
  provider: Pick<CatalogProvider, 'id' | 'defaultEndpoint'>,
  overrides: Readonly<Record<string, string>>,
): string {
  return (overrides[provider.id] ?? provider.defaultEndpoint).replace(/\/+$/, '');
}

export function seedRangeOf(model: CatalogModel): SeedRange | null {
  const range = model.capabilities.seed ? model.capabilities.seedRange : null;
  return range ? { min: range.min, max: range.max } : null;
}

/** Why an explicit seed cannot go to this provider, or null when it can (or the model ignores seeds). */
export function seedOutOfRange(provider: CatalogProvider, model: CatalogModel, seed: number): string | null {
  const range = seedRangeOf(model);
  if (range === null || seedInRange(range, seed)) return null;
  return `seed ${seed} is outside the seeds ${provider.name} takes (${range.min.toLocaleString('en-US')} to ${range.max.toLocaleString('en-US')})`;
}

/** Dollars for credits at the catalog's dated price per credit, or null for a provider that bills in dollars. */
export function creditsToUsd(provider: CatalogProvider, credits: number): number | null {
  if (provider.credits === null) return null;
  return Math.round(credits * provider.credits.usdPerCredit * 1e6) / 1e6;
}

/**
 * The catalog's estimate per image in dollars: its dollar price, else its credits at the price per credit
 * (`converted`). Null when the catalog has neither for this quality.
 */
export function estimatePerImage(
  provider: CatalogProvider,
  model: CatalogModel,
  size: string,
  quality: string,
): { usd: number; converted: boolean } | null {
  const usd = pricePerImage(model, size, quality);
  if (usd !== null) return { usd, converted: false };
  const credits = model.pricing.perImageCredits?.[quality];
  if (credits === undefined || provider.credits === null) return null;
  return { usd: credits * provider.credits.usdPerCredit, converted: true };
}

/** USD per image for a size and the provider's quality value, or null when the catalog has no price. */
export function pricePerImage(model: CatalogModel, size: string, quality: string): number | null {
  return model.pricing.perImageUsdBySize?.[size]?.[quality] ?? model.pricing.perImageUsd[quality] ?? null;
}
