import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  COMPATIBLE_SCENARIOS,
  startOpenAICompatibleDouble,
} from '../../../test/doubles/openai-compatible-double';
import {
  callBuilder,
  failed,
  keyCall,
  ok,
  shownPerScenario,
  suiteDouble,
  unusedPort,
} from '../../../test/support';
import { loadCatalog, resolveModel } from './catalog';
import { openaiCompatibleAdapter } from './openai-compatible';
import type { AdapterCall, AttemptSuccess } from './types';

const KEY = 'local-key-0123456789-abcd';
const catalog = loadCatalog();
const { provider, model: serverDefault } = resolveModel(catalog, 'openai-compatible');
const SEED =
  'OpenAI-compatible server takes no seed in the OpenAI Images format; this run cannot be reproduced exactly';

const double = await suiteDouble(startOpenAICompatibleDouble({ maxImageSide: 64, slowMs: 5_000 }));
const callFor = callBuilder({
  provider,
  model: serverDefault,
  prompt: 'a paper lantern',
  seed: 4242,
  endpoint: double.url,
});

describe('the openai-compatible catalog entry', () => {
  it('is optional-auth, free, and serves the server default model', () => {
    expect(provider).toMatchObject({
      auth: 'optional',
      defaultEndpoint: 'http://127.0.0.1:8080',
      defaultModel: 'default',
    });
    expect(serverDefault.pricing.perImageUsd).toEqual({ default: 0 });
    expect(serverDefault.capabilities.exactSize).toEqual({ min: 64, max: 2048, multiple: 8 });
  });
});

describe('openaiCompatibleAdapter.generate', () => {
  it('sends the OpenAI Images request without a model or a key, and reads b64_json', async () => {
    const result = ok(await openaiCompatibleAdapter.generate(callFor({ count: 2, negativePrompt: 'text' })));
    expect(result.requestSent).toEqual({
      prompt: 'a paper lantern\n\nAvoid: text',
      n: 2,
      size: '1024x1024',
      response_format: 'b64_json',
    });
    expect(result.warnings).toEqual([
      'OpenAI-compatible server has no negative prompt; it was added to the end of the prompt as "Avoid: …"',
      SEED,
    ]);
    expect(result.images).toHaveLength(2);
    expect(result.images[0]!.declaredMime).toBe('image/png');
    expect((await sharp(result.images[0]!.bytes).metadata()).format).toBe('png');
    expect(result.costUsd).toBe(0);
    expect(result.seedUsed).toBeNull();
    expect(double.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v1/images/generations',
      authorization: false,
      status: 200,
    });
    expect(double.requests[0]!.body).toEqual(result.requestSent);
  });

  it('takes an exact size (snapped to multiples of 8) and sizes by aspect ratio', async () => {
    const exact = ok(await openaiCompatibleAdapter.generate(callFor({ size: { width: 1000, height: 700 } })));
    expect(exact.requestSent.size).toBe('1000x704');
    expect(exact.warnings).toContain(
      "Server's configured model takes sizes from 64 to 2048 px in steps of 8; asked for 1000×700, made 1000×704",
    );
    const wide = ok(await openaiCompatibleAdapter.generate(callFor({ aspectRatio: '16:9' })));
    expect(wide.requestSent.size).toBe('1360x768');
  });

  it('merges options last: a model, LocalAI extras, and null removing a field', async () => {
    const result = ok(
      await openaiCompatibleAdapter.generate(
        callFor({}, { options: { model: 'sdxl-turbo', step: 4, response_format: null } }),
      ),
    );
    expect(result.requestSent).toEqual({
      model: 'sdxl-turbo',
      prompt: 'a paper lantern',
      n: 1,
      size: '1024x1024',
      step: 4,
    });
    // Without response_format the server answers with URLs, which the adapter downloads at once.
    expect(double.requests.map((r) => `${r.method} ${r.path.replace(/[a-f0-9]{16}/, 'ID')}`)).toEqual([
      'POST /v1/images/generations',
      'GET /generated-images/ID.png',
    ]);
    expect((await sharp(result.images[0]!.bytes).metadata()).format).toBe('png');
  });

  it('warns about what the OpenAI format cannot carry: steps, guidance, a reference', async () => {
    const reference = {
      bytes: new Uint8Array([1]),
      mime: 'image/png' as const,
      width: 1,
      height: 1,
      strength: 0.5,
    };
    const result = ok(
      await openaiCompatibleAdapter.generate(callFor({ steps: 30, guidance: 7 }, { reference })),
    );
    expect(result.warnings).toEqual([
      SEED,
      "Server's configured model chooses its own sampling steps; the 30 asked for were ignored",
      "Server's configured model takes no guidance scale; the 7 asked for was ignored",
      'OpenAI-compatible server takes no reference image here; it was ignored and the prompt alone was used',
    ]);
  });

  it('downloads url outputs at once, and calls expired ones no_image', async () => {
    double.setScenario('url_only');
    const result = ok(await openaiCompatibleAdapter.generate(callFor({ count: 3 })));
    expect(result.images).toHaveLength(3);
    expect(double.requests.filter((r) => r.path.startsWith('/generated-images/'))).toHaveLength(3);

    double.setScenario('expired_url');
    const expired = failed(await openaiCompatibleAdapter.generate(callFor()));
    expect(expired).toMatchObject({ outcome: 'no_image', httpStatus: 200 });
    expect(expired.providerMessage).toBe(
      'OpenAI-compatible server answered with image URLs that had already expired or could not be fetched',
    );
  });

  const failures = [
    ['rate_limited', 'rate_limited', 429, 3000, 'too many requests'],
    ['server_error', 'unavailable', 500, null, 'rpc error'],
    ['malformed_json', 'no_image', 200, null, 'returned a response that is not JSON'],
    ['empty_data', 'no_image', 200, null, 'answered successfully but sent no data[] entries'],
  ] as const;
  for (const [scenario, outcome, status, retry, message] of failures) {
    it(`classifies ${scenario} as ${outcome}`, async () => {
      double.setScenario(scenario);
      const result = failed(await openaiCompatibleAdapter.generate(callFor()));
      expect(result).toMatchObject({ outcome, httpStatus: status, retryAfterMs: retry });
      expect(result.providerMessage).toContain(message);
    });
  }

  it('reports a model the server does not serve as invalid_request with its message', async () => {
    const result = failed(
      await openaiCompatibleAdapter.generate(callFor({}, { options: { model: 'flux-9' } })),
    );
    expect(result).toMatchObject({ outcome: 'invalid_request', httpStatus: 404, providerCode: '404' });
    expect(result.providerMessage).toBe('could not load model: model "flux-9" not found');
  });

  it('shows that the double refuses a malformed request (an unknown field, a bad size)', async () => {
    const unknown = failed(await openaiCompatibleAdapter.generate(callFor({}, { options: { cfg: 7 } })));
    expect(unknown).toMatchObject({ outcome: 'invalid_request', httpStatus: 400 });
    expect(unknown.providerMessage).toBe('unknown field "cfg"');
    const size = failed(
      await openaiCompatibleAdapter.generate(callFor({}, { options: { size: '1000x1000px' } })),
    );
    expect(size.providerMessage).toContain('invalid size');
  });

  it('cancels mid-request, and calls a refused connection unavailable', async () => {
    double.setScenario('slow');
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('user cancelled')), 50);
    const started = Date.now();
    const cancelled = failed(
      await openaiCompatibleAdapter.generate(callFor({}, { signal: controller.signal })),
    );
    expect(cancelled.outcome).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(2_000);

    const port = await unusedPort();
    const down = failed(
      await openaiCompatibleAdapter.generate(callFor({}, { endpoint: `http://127.0.0.1:${port}` })),
    );
    expect(down.outcome).toBe('unavailable');
    expect(down.providerMessage).toContain('Could not reach OpenAI-compatible server');
  });

  it('sends the key as Bearer when one exists (also to fetch its own URLs) and never leaks it', async () => {
    const locked = await startOpenAICompatibleDouble({ apiKey: KEY, maxImageSide: 32, scenario: 'url_only' });
    try {
      const missing = failed(await openaiCompatibleAdapter.generate(callFor({}, { endpoint: locked.url })));
      expect(missing.outcome).toBe('auth_failed');
      expect(missing.providerMessage).toBe(
        'An authentication key is required (no key is set for OpenAI-compatible server; add one in Settings → API keys)',
      );
      const wrong = failed(
        await openaiCompatibleAdapter.generate(callFor({}, { endpoint: locked.url, apiKey: `${KEY}-old` })),
      );
      expect(wrong.outcome).toBe('auth_failed');
      locked.requests.length = 0;
      const right = ok(
        await openaiCompatibleAdapter.generate(callFor({}, { endpoint: locked.url, apiKey: KEY })),
      );
      expect(right.images).toHaveLength(1);
      expect(locked.requests.map((r) => r.authorization)).toEqual([true, true]);
      for (const result of [missing, wrong, right]) {
        const { images: _images, ...rest } = result as AttemptSuccess;
        expect(JSON.stringify(rest)).not.toContain(KEY);
      }
    } finally {
      await locked.close();
    }
  });

  it('never leaks the key across every scenario', async () => {
    for (const attempt of await shownPerScenario(
      double,
      COMPATIBLE_SCENARIOS.filter((s) => s !== 'slow'),
      () => openaiCompatibleAdapter.generate(callFor({}, { apiKey: KEY })),
    )) {
      expect(attempt).not.toContain(KEY);
    }
  });
});

describe('openaiCompatibleAdapter.testKey', () => {
  const check = (extra: Partial<AdapterCall> = {}) =>
    openaiCompatibleAdapter.testKey(keyCall(callFor({}, extra)));

  it('lists the models the server serves', async () => {
    expect(await check()).toEqual({
      outcome: 'ok',
      message: 'OpenAI-compatible server answers without a key; it serves stablediffusion, sdxl-turbo.',
    });
  });

  it('accepts a server without /v1/models, refuses a wrong key, reports an unreachable one', async () => {
    const bare = await startOpenAICompatibleDouble({ listsModels: false, apiKey: KEY });
    try {
      expect(await check({ endpoint: bare.url, apiKey: KEY })).toEqual({
        outcome: 'ok',
        message: 'OpenAI-compatible server answers (it lists no models).',
      });
    } finally {
      await bare.close();
    }
    const locked = await startOpenAICompatibleDouble({ apiKey: KEY });
    try {
      const wrong = await check({ endpoint: locked.url, apiKey: 'not-the-key-123' });
      expect(wrong.outcome).toBe('auth_failed');
    } finally {
      await locked.close();
    }
    const port = await unusedPort();
    expect((await check({ endpoint: `http://127.0.0.1:${port}` })).outcome).toBe('unavailable');
  });
});
