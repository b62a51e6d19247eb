import { describe, expect, it } from 'vitest';
import type { CompareItem } from '../../shared/boards-contract';
import type { GenerationRequest, ProviderInfo } from '../../shared/domain';
import { baselineFirst, compareRows } from './compare-model';

const providers = [
  { id: 'openai', name: 'OpenAI', models: [{ id: 'gpt-image-1', name: 'GPT Image 1' }] },
  { id: 'stability', name: 'Stability AI', models: [] },
] as unknown as ProviderInfo[];

function item(
  id: number,
  request: Partial<GenerationRequest>,
  extra: { provider?: string; seed?: number | null; width?: number; style?: CompareItem['style'] } = {},
): CompareItem {
  const full = {
    prompt: 'a red teapot',
    negativePrompt: '',
    aspectRatio: '1:1',
    seed: null,
    count: 1,
    quality: 'final',
    taskType: 'default',
    fresh: false,
    ...request,
  } as GenerationRequest;
  return {
    output: { id, width: extra.width ?? 1024, height: 1024 },
    run: {
      id: id * 10,
      prompt: full.prompt,
      provider: extra.provider ?? 'openai',
      model: 'gpt-image-1',
      seed: extra.seed ?? 7,
      request: full,
      requested: null,
    },
    style: extra.style ?? null,
    template: null,
  } as unknown as CompareItem;
}

const byKey = (rows: ReturnType<typeof compareRows>) => Object.fromEntries(rows.map((r) => [r.key, r]));

describe('compareRows', () => {
  it('marks only the rows whose values differ, with names instead of ids', () => {
    const rows = byKey(
      compareRows(
        [
          item(1, { steps: 30 }, { style: { name: 'House', version: 2 } }),
          item(2, { steps: 30 }, { seed: 8, provider: 'stability', style: { name: 'House', version: 3 } }),
        ],
        providers,
      ),
    );
    expect(rows.steps).toMatchObject({ values: ['30', '30'], differs: false });
    expect(rows.seed).toMatchObject({ values: ['7', '8'], differs: true });
    expect(rows.provider).toMatchObject({ values: ['OpenAI', 'Stability AI'], differs: true });
    expect(rows.model!.values[0]).toBe('GPT Image 1');
    expect(rows.style).toMatchObject({ values: ['House v2', 'House v3'], differs: true });
    expect(rows.guidance).toMatchObject({ values: ['—', '—'], differs: false });
    expect(rows.size!.differs).toBe(false);
  });

  it('diffs each prompt word by word against the first column', () => {
    const rows = byKey(
      compareRows([item(1, { prompt: 'a red teapot' }), item(2, { prompt: 'a blue teapot' })], providers),
    );
    expect(rows.prompt!.differs).toBe(true);
    expect(rows.prompt!.words![0]).toEqual([{ kind: 'same', text: 'a red teapot' }]);
    expect(rows.prompt!.words![1]).toEqual([
      { kind: 'same', text: 'a ' },
      { kind: 'removed', text: 'red' },
      { kind: 'added', text: 'blue' },
      { kind: 'same', text: ' teapot' },
    ]);
  });

  it('gives every template variable any output used its own row, and shows the reference and strength', () => {
    const ref = { path: `media/ab/${'ab12cd34'.padEnd(64, '0')}.png`, strength: 0.4 };
    const rows = byKey(
      compareRows(
        [
          item(1, { template: { versionId: 1, values: { camera_angle: 'low' } }, reference: ref }),
          item(2, { template: { versionId: 1, values: { camera_angle: 'low', mood: 'calm' } } }),
        ],
        providers,
      ),
    );
    expect(rows['var:camera_angle']).toMatchObject({ label: 'Variable: Camera angle', differs: false });
    expect(rows['var:mood']).toMatchObject({ values: ['—', 'calm'], differs: true });
    expect(rows.reference).toMatchObject({ values: ['Image ab12cd34', '—'], differs: true });
    expect(rows.strength).toMatchObject({ values: ['0.4', '—'], differs: true });
  });
});

describe('baselineFirst', () => {
  it('moves the baseline to the first column and leaves the rest in order', () => {
    expect(baselineFirst([3, 4, 5], 5)).toEqual([5, 3, 4]);
    expect(baselineFirst([3, 4], 9)).toEqual([3, 4]);
    expect(baselineFirst([3, 4], null)).toEqual([3, 4]);
  });
});
