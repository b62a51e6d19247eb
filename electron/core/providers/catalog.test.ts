import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ASPECT_RATIOS } from '../../../shared/domain';
import { AppError } from '../../../shared/result';
import { SHIPPED_CATALOG } from '../../../test/support';
import {
  type Catalog,
  CatalogError,
  type CatalogModel,
  creditsToUsd,
  estimatePerImage,
  formatJsonPath,
  loadCatalog,
  parseCatalog,
  pricePerImage,
  resolveModel,
  seedOutOfRange,
  seedRangeOf,
  sizeFor,
} from './catalog';

const SHIPPED = SHIPPED_CATALOG;
const tempDir = mkdtempSync(path.join(os.tmpdir(), 'atelier-catalog-'));
afterAll(() => rmSync(tempDir, { recursive: true, force: true }));

/** A deep copy of the shipped OpenAI entry as a one-provider catalog, for breaking one field at a time. */
function shippedJson(): {
  providers: Array<Record<string, unknown> & { models: Array<Record<string, unknown>> }>;
} {
  const catalog = structuredClone(loadCatalog(SHIPPED));
  return { ...catalog, providers: catalog.providers.filter((p) => p.id === 'openai') } as never;
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('the shipped provider catalog', () => {
  const catalog = loadCatalog(SHIPPED);

  it('loads from the default location too', () => {
    expect(loadCatalog()).toEqual(catalog);
  });

  it('lists OpenAI with gpt-image-1 active and dall-e-3 retired', () => {
    const openai = catalog.providers.find((p) => p.id === 'openai')!;
    expect(openai).toMatchObject({ kind: 'cloud', keyEnv: 'OPENAI', defaultModel: 'gpt-image-1' });
    expect(openai.defaultEndpoint).toBe('https://api.openai.com');
    const gpt = openai.models.find((m) => m.id === 'gpt-image-1')!;
    expect(gpt.status).toBe('active');
    expect(gpt.capabilities).toMatchObject({ negativePrompt: false, seed: false, maxCount: 10 });
    expect(gpt.qualityTiers).toEqual({ draft: 'low', final: 'high' });
    expect(gpt.pricing.perImageUsd).toEqual({ low: 0.011, medium: 0.042, high: 0.167 });
    for (const ratio of ASPECT_RATIOS) expect(gpt.capabilities.aspectRatios[ratio]).toMatch(/^\d+x\d+$/);
    expect(openai.models.find((m) => m.id === 'dall-e-3')).toMatchObject({
      status: 'retired',
      retiredOn: '2026-05-12',
      successor: 'gpt-image-1',
    });
  });

  it('maps 1:1, 3:2 and 2:3 exactly and snaps the other ratios to the nearest size', () => {
    const { model } = resolveModel(catalog, 'openai');
    expect(sizeFor(model, '1:1')).toEqual({ size: '1024x1024', exact: true });
    expect(sizeFor(model, '3:2')).toEqual({ size: '1536x1024', exact: true });
    expect(sizeFor(model, '2:3')).toEqual({ size: '1024x1536', exact: true });
    expect(sizeFor(model, '4:3')).toEqual({ size: '1536x1024', exact: false });
    expect(sizeFor(model, '16:9')).toEqual({ size: '1536x1024', exact: false });
    expect(sizeFor(model, '3:4')).toEqual({ size: '1024x1536', exact: false });
    expect(sizeFor(model, '9:16')).toEqual({ size: '1024x1536', exact: false });
  });

  it('picks the nearest listed shape when a ratio has no size at all', () => {
    const { model } = resolveModel(catalog, 'openai');
    const squareAndTall: CatalogModel = {
      ...model,
      capabilities: {
        ...model.capabilities,
        aspectRatios: { ...model.capabilities.aspectRatios, '16:9': null, '3:2': null, '4:3': null },
      },
    };
    expect(sizeFor(squareAndTall, '16:9')).toEqual({ size: '1024x1024', exact: false });
  });

  it('prices oblong sizes from their own table and square ones from the base table', () => {
    const { model } = resolveModel(catalog, 'openai');
    expect(pricePerImage(model, '1024x1024', 'high')).toBe(0.167);
    expect(pricePerImage(model, '1536x1024', 'high')).toBe(0.25);
    expect(pricePerImage(model, '1024x1024', 'ultra')).toBeNull();
  });
});

describe('resolveModel', () => {
  const catalog = loadCatalog(SHIPPED);

  it('falls back to the provider default model', () => {
    const { provider, model } = resolveModel(catalog, 'openai');
    expect(provider.id).toBe('openai');
    expect(model.id).toBe('gpt-image-1');
  });

  it('refuses an unknown provider or model with invalid_input', () => {
    const provider = thrown(() => resolveModel(catalog, 'nope'));
    expect(provider).toBeInstanceOf(AppError);
    expect(provider).toMatchObject({ code: 'invalid_input', message: expect.stringContaining('"nope"') });
    const model = thrown(() => resolveModel(catalog, 'openai', 'gpt-image-9'));
    expect(model).toMatchObject({ code: 'invalid_input', message: expect.stringContaining('gpt-image-9') });
    expect(model.message).toContain('available: gpt-image-1');
  });

  it('explains a retired model: when, and what to use instead', () => {
    const error = thrown(() => resolveModel(catalog, 'openai', 'dall-e-3')) as AppError;
    expect(error.code).toBe('invalid_input');
    expect(error.message).toContain('retired');
    expect(error.message).toContain('2026-05-12');
    expect(error.message).toContain('gpt-image-1');
    expect(error.details).toEqual({ retiredOn: '2026-05-12', successor: 'gpt-image-1' });
  });
});

describe('a bad catalog fails loading with the JSON path of each problem', () => {
  function problem(mutate: (json: ReturnType<typeof shippedJson>) => void): string {
    const json = shippedJson();
    mutate(json);
    const error = thrown(() => parseCatalog(json, 'test catalog'));
    expect(error).toBeInstanceOf(CatalogError);
    return error.message;
  }
  const model = (json: ReturnType<typeof shippedJson>, i = 0) => json.providers[0]!.models[i]!;

  it('names a wrong value deep in a model', () => {
    const message = problem((json) => {
      (model(json).capabilities as Record<string, unknown>).maxCount = 0;
    });
    expect(message).toMatch(/^test catalog is invalid: /);
    expect(message).toContain('providers[0].models[0].capabilities.maxCount');
  });

  it('names a missing aspect ratio by its key', () => {
    const message = problem((json) => {
      delete (model(json).capabilities as { aspectRatios: Record<string, unknown> }).aspectRatios['16:9'];
    });
    expect(message).toContain('providers[0].models[0].capabilities.aspectRatios["16:9"]');
  });

  it('names an unknown field, a bad status and a bad URL', () => {
    expect(problem((json) => Object.assign(json.providers[0]!, { keyurl: 'x' }))).toContain('providers[0]');
    expect(problem((json) => Object.assign(model(json, 1), { status: 'gone' }))).toContain(
      'providers[0].models[1].status',
    );
    expect(problem((json) => Object.assign(json.providers[0]!, { defaultEndpoint: 'ftp://x' }))).toContain(
      'providers[0].defaultEndpoint',
    );
  });

  it('checks references between entries: successor, default model, duplicates, prices, retirement dates', () => {
    expect(problem((json) => Object.assign(model(json, 1), { successor: 'gpt-image-9' }))).toContain(
      'providers[0].models[1].successor: no model "gpt-image-9"',
    );
    expect(problem((json) => Object.assign(json.providers[0]!, { defaultModel: 'dall-e-3' }))).toContain(
      'providers[0].defaultModel: must name an active model',
    );
    expect(problem((json) => Object.assign(model(json, 1), { id: 'gpt-image-1' }))).toContain(
      'providers[0].models[1].id: duplicate model id',
    );
    expect(problem((json) => json.providers.push(structuredClone(json.providers[0]!)))).toContain(
      'providers[1].id: duplicate provider id "openai"',
    );
    expect(
      problem((json) => Object.assign(model(json), { qualityTiers: { draft: 'low', final: 'ultra' } })),
    ).toContain('providers[0].models[0].pricing.perImageUsd: has no price for quality "ultra"');
    expect(problem((json) => Object.assign(model(json, 1), { retiredOn: null }))).toContain(
      'providers[0].models[1].retiredOn',
    );
  });

  it('names the file when it is not JSON or missing', () => {
    const broken = path.join(tempDir, 'broken.json');
    writeFileSync(broken, '{ "version": 1, "providers": [ ');
    expect(thrown(() => loadCatalog(broken)).message).toContain(`${broken} is not valid JSON`);
    expect(thrown(() => loadCatalog(path.join(tempDir, 'missing.json'))).message).toContain('Cannot read');
  });

  it('validates a file given by path', () => {
    const file = path.join(tempDir, 'bad-limits.json');
    const json = shippedJson();
    (json.providers[0]!.limits as Record<string, unknown>).perMinute = -3;
    writeFileSync(file, JSON.stringify(json));
    expect(thrown(() => loadCatalog(file)).message).toContain(
      `${file} is invalid: providers[0].limits.perMinute`,
    );
  });

  it('accepts a second provider, the shape later providers will take', () => {
    const json = shippedJson();
    const local = structuredClone(json.providers[0]!);
    Object.assign(local, {
      id: 'local-sd',
      name: 'Stable Diffusion WebUI',
      kind: 'local',
      keyUrl: null,
      keyEnv: 'LOCAL_SD',
    });
    Object.assign(local, { defaultEndpoint: 'http://127.0.0.1:7860', defaultModel: 'sdxl' });
    local.models = [
      {
        ...structuredClone(json.providers[0]!.models[0]!),
        id: 'sdxl',
        name: 'SDXL',
        pricing: { perImageUsd: { low: 0, high: 0 }, source: 'runs locally', asOf: '2026-11' },
      },
    ];
    json.providers.push(local);
    const catalog: Catalog = parseCatalog(json);
    expect(resolveModel(catalog, 'local-sd').model.id).toBe('sdxl');
  });
});

describe('seed ranges and credit prices in the catalog', () => {
  const catalog = loadCatalog(SHIPPED);

  it('gives every model that takes a seed its range, and none to those that do not', () => {
    for (const provider of catalog.providers) {
      for (const model of provider.models) {
        const range = seedRangeOf(model);
        if (model.capabilities.seed) {
          expect(range, `${provider.id}/${model.id}`).not.toBeNull();
          expect(model.capabilities.seedRange?.source, `${provider.id}/${model.id}`).toMatch(/\S/);
        } else expect(range, `${provider.id}/${model.id}`).toBeNull();
      }
    }
    expect(seedRangeOf(resolveModel(catalog, 'leonardo').model)).toEqual({ min: 0, max: 2_147_483_647 });
    expect(seedRangeOf(resolveModel(catalog, 'ideogram').model)).toEqual({ min: 0, max: 2_147_483_647 });
    expect(seedRangeOf(resolveModel(catalog, 'stability').model)).toEqual({ min: 0, max: 4_294_967_294 });
  });

  it('names the provider and its range when an explicit seed does not fit', () => {
    const { provider, model } = resolveModel(catalog, 'leonardo');
    expect(seedOutOfRange(provider, model, 2_147_483_647)).toBeNull();
    expect(seedOutOfRange(provider, model, 2_171_723_135)).toBe(
      'seed 2171723135 is outside the seeds Leonardo.Ai takes (0 to 2,147,483,647)',
    );
    const openai = resolveModel(catalog, 'openai');
    expect(seedOutOfRange(openai.provider, openai.model, 4_000_000_000)).toBeNull(); // It takes no seed at all.
  });

  it('turns Leonardo credits into dollars at the dated price per credit', () => {
    const leonardo = catalog.providers.find((p) => p.id === 'leonardo')!;
    expect(leonardo.credits).toMatchObject({
      usdPerCredit: 0.0015,
      asOf: expect.stringMatching(/^\d{4}-\d{2}/),
    });
    expect(leonardo.credits?.source).toContain('2nd');
    expect(creditsToUsd(leonardo, 16)).toBe(0.024);
    const openai = catalog.providers.find((p) => p.id === 'openai')!;
    expect(creditsToUsd(openai, 16)).toBeNull();
    const { model } = resolveModel(catalog, 'leonardo');
    expect(estimatePerImage(leonardo, model, '1024x1024', 'quality')).toEqual({
      usd: 17 * 0.0015,
      converted: true,
    });
    const gpt = resolveModel(catalog, 'openai').model;
    expect(estimatePerImage(openai, gpt, '1024x1024', 'high')).toEqual({ usd: 0.167, converted: false });
  });

  it('gives every active model a price or a credit estimate, so no request escapes a budget', () => {
    for (const provider of catalog.providers) {
      for (const model of provider.models.filter((m) => m.status === 'active')) {
        for (const quality of Object.values(model.qualityTiers)) {
          const size = Object.values(model.capabilities.aspectRatios).find((s) => s !== null)!;
          expect(
            estimatePerImage(provider, model, size, quality),
            `${provider.id}/${model.id}`,
          ).not.toBeNull();
        }
      }
    }
  });
});

describe('catalog validation of seeds and credits', () => {
  function leonardoJson() {
    const catalog = structuredClone(loadCatalog(SHIPPED));
    return { ...catalog, providers: catalog.providers.filter((p) => p.id === 'leonardo') } as {
      providers: Array<
        Record<string, unknown> & {
          models: Array<{ capabilities: Record<string, unknown>; pricing: Record<string, unknown> }>;
        }
      >;
    };
  }
  const message = (json: unknown) => thrown(() => parseCatalog(json, 'test catalog')).message;

  it('refuses a seeded model without its range, a seedless one with a range, and a range upside down', () => {
    const missing = leonardoJson();
    missing.providers[0]!.models[0]!.capabilities.seedRange = null;
    expect(message(missing)).toContain(
      'providers[0].models[0].capabilities.seedRange: a model that takes a seed needs its seed range',
    );
    const seedless = leonardoJson();
    seedless.providers[0]!.models[0]!.capabilities.seed = false;
    expect(message(seedless)).toContain('a model that takes no seed has no seed range');
    const upside = leonardoJson();
    upside.providers[0]!.models[0]!.capabilities.seedRange = { min: 10, max: 1, source: 'x' };
    expect(message(upside)).toContain('min 10 is above max 1');
    const huge = leonardoJson();
    huge.providers[0]!.models[0]!.capabilities.seedRange = { min: 0, max: 2 ** 64, source: 'x' };
    expect(message(huge)).toContain('providers[0].models[0].capabilities.seedRange.max');
  });

  it('refuses credits without a price per credit, a missing quality, and a model with no price at all', () => {
    const noPrice = leonardoJson();
    noPrice.providers[0]!.credits = null;
    expect(message(noPrice)).toContain(
      'providers[0].models[0].pricing.perImageCredits: needs the provider\'s "credits" price',
    );
    const noQuality = leonardoJson();
    noQuality.providers[0]!.models[0]!.pricing.perImageCredits = { fast: 10 };
    expect(message(noQuality)).toContain(
      'providers[0].models[0].pricing.perImageCredits: has no price for quality "quality"',
    );
    const hole = leonardoJson();
    delete hole.providers[0]!.models[0]!.pricing.perImageCredits;
    expect(message(hole)).toContain(
      'providers[0].models[0].pricing: an active model needs perImageUsd or perImageCredits',
    );
    const free = leonardoJson();
    (free.providers[0]!.credits as Record<string, unknown>).usdPerCredit = 0;
    expect(message(free)).toContain('providers[0].credits.usdPerCredit');
  });
});

describe('formatJsonPath', () => {
  it('writes paths the way a person finds them in the file', () => {
    expect(formatJsonPath(['providers', 0, 'models', 2, 'id'])).toBe('providers[0].models[2].id');
    expect(formatJsonPath(['aspectRatios', '16:9'])).toBe('aspectRatios["16:9"]');
    expect(formatJsonPath([])).toBe('(root)');
  });
});
