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
  formatJsonPath,
  loadCatalog,
  parseCatalog,
  pricePerImage,
  resolveModel,
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
        pricing: { perImageUsd: {}, source: 'runs locally', asOf: '2026-11' },
      },
    ];
    json.providers.push(local);
    const catalog: Catalog = parseCatalog(json);
    expect(resolveModel(catalog, 'local-sd').model.id).toBe('sdxl');
  });
});

describe('formatJsonPath', () => {
  it('writes paths the way a person finds them in the file', () => {
    expect(formatJsonPath(['providers', 0, 'models', 2, 'id'])).toBe('providers[0].models[2].id');
    expect(formatJsonPath(['aspectRatios', '16:9'])).toBe('aspectRatios["16:9"]');
    expect(formatJsonPath([])).toBe('(root)');
  });
});
