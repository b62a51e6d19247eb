// Alt text drafted through the real Gemini and OpenAI adapters against their vision protocol doubles, stored on
// the output, then edited and approved.
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import {
  startGeminiVisionDouble,
  startOpenAIVisionDouble,
  type VisionDouble,
} from '../../../test/doubles/vision-doubles';
import {
  scriptedAdapter,
  testCatalog,
  testProvider,
  testRoutes,
  uniquePng,
} from '../../../test/support/dispatch';
import { type Harness, makeHarness } from '../../../test/support/harness';
import { recordingLogger } from '../../../test/support/log';
import { systemClock } from '../ports';
import { loadCatalog } from '../providers/catalog';
import { geminiAdapter } from '../providers/gemini';
import { openaiAdapter } from '../providers/openai';
import type { DescribeCall } from '../providers/types';
import { createExportsRepo, openDatabase } from '../store';
import { createAltTextService } from './alt-text';
import { loadAltTextSettings } from './resources';

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const GEMINI_KEY = `AIza${'alt-text'.padEnd(35, '0')}`;
const OPENAI_KEY = 'sk-alt-text-test-0001';

async function jpeg(): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp({ create: { width: 64, height: 48, channels: 3, background: '#406080' } })
      .jpeg()
      .toBuffer(),
  );
}

function call(double: VisionDouble, apiKey: string, model: string, image: Uint8Array): DescribeCall {
  return {
    apiKey,
    endpoint: double.url,
    model,
    prompt: 'Write alt text.',
    maxOutputTokens: 200,
    image: { bytes: image, mime: 'image/jpeg' },
    signal: AbortSignal.timeout(10_000),
    fetch: globalThis.fetch,
    clock: systemClock,
  };
}

describe.each([
  {
    name: 'Gemini',
    start: startGeminiVisionDouble,
    adapter: geminiAdapter,
    key: GEMINI_KEY,
    model: 'gemini-2.5-flash',
  },
  {
    name: 'OpenAI',
    start: startOpenAIVisionDouble,
    adapter: openaiAdapter,
    key: OPENAI_KEY,
    model: 'gpt-4o-mini',
  },
])('$name describeImage', ({ start, adapter, key, model }) => {
  async function double() {
    const d = await start();
    closers.push(() => d.close());
    return d;
  }

  it('sends the documented request and reads the text', async () => {
    const d = await double();
    const result = await adapter.describeImage!(call(d, key, model, await jpeg()));
    expect(result).toEqual({
      outcome: 'ok',
      text: 'A lighthouse on a rocky shore at dusk, its beam crossing a violet sky.',
      httpStatus: 200,
    });
    expect(d.requests).toHaveLength(1);
    expect(d.requests[0]).toMatchObject({ method: 'POST', status: 200, apiKey: true });
    // The key travels only in its header, never in what the double records.
    expect(JSON.stringify(d.requests[0])).not.toContain(key);
  });

  it('classifies refusals, bad keys, rate limits and outages', async () => {
    const d = await double();
    const outcomes: string[] = [];
    for (const scenario of ['blocked', 'invalid_key', 'rate_limited', 'server_error'] as const) {
      d.setScenario(scenario);
      const result = await adapter.describeImage!(call(d, key, model, await jpeg()));
      outcomes.push(result.outcome);
      if (result.outcome !== 'ok') expect(result.providerMessage).not.toContain(key);
    }
    expect(outcomes).toEqual(['content_blocked', 'auth_failed', 'rate_limited', 'unavailable']);
  });

  it('is refused by the double when the image is not an image', async () => {
    const d = await double();
    const result = await adapter.describeImage!(call(d, key, model, new Uint8Array([1, 2, 3, 4])));
    expect(result.outcome).toBe('invalid_request');
  });
});

describe('alt text on outputs', () => {
  async function setup(keys: Record<string, string>) {
    const h: Harness = makeHarness({
      catalog: testCatalog(testProvider('pa', { seed: true })),
      routes: testRoutes([{ provider: 'pa' }]),
      adapters: { pa: scriptedAdapter('pa', [], { outcome: 'ok', bytes: await uniquePng() }) },
      keys: ['pa'],
    });
    closers.push(() => h.close());
    const run = await h.generate({ prompt: 'a lighthouse at dusk' });
    const gemini = await startGeminiVisionDouble();
    const openai = await startOpenAIVisionDouble();
    closers.push(
      () => gemini.close(),
      () => openai.close(),
    );
    const db = openDatabase(path.join(h.dataDir, 'atelier.db'));
    closers.push(() => {
      db.close();
    });
    const service = createAltTextService({
      dataDir: h.dataDir,
      repo: createExportsRepo(db, recordingLogger()),
      keys: { secretFor: (id) => keys[id] ?? null },
      adapters: { gemini: geminiAdapter, openai: openaiAdapter },
      catalog: loadCatalog(),
      endpoints: { gemini: gemini.url, openai: openai.url },
      fetch: globalThis.fetch,
      clock: systemClock,
      settings: loadAltTextSettings(),
    });
    return { service, outputId: run.outputs[0]!.id, gemini, openai };
  }

  it('drafts with the first vision provider that has a key, unapproved, and keeps who approved an edit', async () => {
    const { service, outputId, gemini, openai } = await setup({ openai: OPENAI_KEY });
    openai.setText('  A red   lighthouse.\n');
    const draft = await service.draft(outputId, null);
    expect(draft).toMatchObject({
      outputId,
      text: 'A red lighthouse.',
      source: 'openai:gpt-4o-mini',
      approved: false,
    });
    expect(gemini.requests).toHaveLength(0);
    const sent = openai.requests[0]?.body as {
      messages: Array<{ content: Array<{ type: string; image_url?: { url: string } }> }>;
    };
    expect(sent.messages[0]?.content[1]?.image_url?.url).toMatch(/^data:image\/jpeg;base64,/);

    const kept = service.save(outputId, { text: 'A red lighthouse.', approve: true, approvedBy: 'Dana' });
    expect(kept).toMatchObject({ source: 'openai:gpt-4o-mini', approved: true, approvedBy: 'Dana' });
    const edited = service.save(outputId, {
      text: 'A red lighthouse on a cliff.',
      approve: false,
      approvedBy: null,
    });
    expect(edited).toMatchObject({ source: 'manual', approved: false, approvedBy: null });
  });

  it('uses the provider asked for, and says which key is missing', async () => {
    const { service, outputId, gemini } = await setup({ gemini: GEMINI_KEY });
    expect((await service.draft(outputId, 'gemini')).source).toBe('gemini:gemini-2.5-flash');
    expect(gemini.requests).toHaveLength(1);
    await expect(service.draft(outputId, 'openai')).rejects.toMatchObject({ code: 'not_found', fix: 'keys' });
    gemini.setScenario('invalid_key');
    await expect(service.draft(outputId, null)).rejects.toMatchObject({
      code: 'provider_failed',
      fix: 'keys',
    });
  });

  it('needs a Gemini or OpenAI key', async () => {
    const { service, outputId } = await setup({});
    await expect(service.draft(outputId, null)).rejects.toMatchObject({ code: 'not_found' });
  });
});
