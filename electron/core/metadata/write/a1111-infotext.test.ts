// The A1111 infotext: key order, only what the run has, A1111's quoting, and a read-back with a port of A1111's own
// reader (`parse_generation_parameters` in modules/infotext_utils.py), so what we write is what A1111 reads.
import { describe, expect, it } from 'vitest';
import type { RunDetail } from '../../../../shared/domain';
import { formatInfotext, quoteInfotextValue } from './a1111-infotext';
import { infotextFromRun } from './run-parameters';

/** A1111's reader, ported line for line (re_param, unquote, the "at least 3 params" rule). */
function parseA1111(text: string): Record<string, string> {
  const reParam = /\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)/g;
  const lines = text.trim().split('\n');
  let last = lines.pop() ?? '';
  if ([...last.matchAll(reParam)].filter((m) => m[0] !== '').length < 3) {
    lines.push(last);
    last = '';
  }
  let prompt = '';
  let negative = '';
  let done = false;
  for (let line of lines) {
    line = line.trim();
    if (line.startsWith('Negative prompt:')) {
      done = true;
      line = line.slice(16).trim();
    }
    if (done) negative += (negative === '' ? '' : '\n') + line;
    else prompt += (prompt === '' ? '' : '\n') + line;
  }
  const out: Record<string, string> = { Prompt: prompt, 'Negative prompt': negative };
  for (const m of last.matchAll(reParam)) {
    if (m[0] === '') continue;
    let value = m[2]!;
    if (value.startsWith('"') && value.endsWith('"')) value = JSON.parse(value) as string;
    out[m[1]!] = value;
  }
  return out;
}

describe('A1111 infotext', () => {
  it('writes the prompt, the negative and the parameters in A1111 key order, leaving out what is unknown', () => {
    const text = formatInfotext({
      prompt: 'a lighthouse at dusk',
      negativePrompt: 'blurry',
      model: 'sdxl_base',
      width: 1024,
      height: 768,
      seed: 42,
      cfgScale: 7,
      sampler: 'DPM++ 2M',
      scheduleType: 'Karras',
      steps: 30,
    });
    expect(text).toBe(
      'a lighthouse at dusk\nNegative prompt: blurry\n' +
        'Steps: 30, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 42, Size: 1024x768, Model: sdxl_base',
    );
    expect(formatInfotext({ prompt: 'p', seed: 1, width: 2, height: 3, model: 'm' })).toBe(
      'p\nSeed: 1, Size: 2x3, Model: m',
    );
  });

  it("quotes as A1111's quote() does: only values with a comma, colon or newline, as JSON", () => {
    expect(quoteInfotextValue('Euler a')).toBe('Euler a');
    expect(quoteInfotextValue('say "hi"')).toBe('say "hi"');
    expect(quoteInfotextValue('a, b')).toBe('"a, b"');
    expect(quoteInfotextValue('models/x:v2')).toBe('"models/x:v2"');
    expect(quoteInfotextValue('say "hi", then')).toBe('"say \\"hi\\", then"');
    expect(quoteInfotextValue('line\nbreak')).toBe('"line\\nbreak"');
    expect(quoteInfotextValue('東京, 夜')).toBe('"東京, 夜"');
    expect(quoteInfotextValue(7.5)).toBe('7.5');
  });

  it('round-trips through A1111’s reader: commas, quotes, colons, newlines, CRLF and non-Latin text', () => {
    const params = {
      prompt: 'portrait, "soft" light,\r\nsecond line: 東京の夜 — café',
      negativePrompt: 'lowres, (bad hands:1.3)\r\nwatermark',
      steps: 20,
      sampler: 'Euler a',
      cfgScale: 6.5,
      seed: 4294967294,
      width: 832,
      height: 1216,
      model: 'juggernaut, v9 "final": xl',
      denoisingStrength: 0.55,
      extra: [['Provider', 'Black Forest Labs']] as const,
    };
    const read = parseA1111(formatInfotext(params));
    expect(read).toEqual({
      Prompt: 'portrait, "soft" light,\nsecond line: 東京の夜 — café',
      'Negative prompt': 'lowres, (bad hands:1.3)\nwatermark',
      Steps: '20',
      Sampler: 'Euler a',
      'CFG scale': '6.5',
      Seed: '4294967294',
      Size: '832x1216',
      Model: 'juggernaut, v9 "final": xl',
      'Denoising strength': '0.55',
      Provider: 'Black Forest Labs',
    });
  });

  it('has no "Negative prompt:" line without a negative, and drops NUL', () => {
    const text = formatInfotext({
      prompt: 'a\0b',
      negativePrompt: '  ',
      seed: 3,
      width: 1,
      height: 1,
      model: 'm',
    });
    expect(text).toBe('ab\nSeed: 3, Size: 1x1, Model: m');
  });

  it('refuses an extra key A1111 could not read back', () => {
    expect(() => formatInfotext({ prompt: 'p', extra: [['Bad, key', 1]] })).toThrow(/not one A1111 can read/);
  });
});

function run(over: Partial<RunDetail>): RunDetail {
  return {
    id: 7,
    createdAt: 0,
    status: 'succeeded',
    prompt: 'a red chair',
    provider: 'openai',
    model: 'gpt-image-1',
    seed: null,
    count: 1,
    costUsd: null,
    outputsCount: 1,
    cover: null,
    error: null,
    bestRating: 0,
    tags: [],
    favorite: false,
    reviewStates: ['pending'],
    parentRunId: null,
    derivation: null,
    deletedAt: null,
    request: {
      prompt: 'a red chair',
      negativePrompt: 'blur',
      aspectRatio: '1:1',
      seed: null,
      count: 1,
      quality: 'final',
      taskType: 'default',
      fresh: false,
    },
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    attempts: [],
    outputs: [],
    ...over,
  } as RunDetail;
}

function attempt(provider: string, model: string, requestSent: Record<string, unknown>) {
  return {
    id: 1,
    ordinal: 1,
    provider,
    model,
    outcome: 'ok' as const,
    httpStatus: 200,
    providerCode: null,
    providerMessage: null,
    retryAfterMs: null,
    requestSent,
    warnings: [],
    startedAt: 0,
    latencyMs: 1,
    costUsd: null,
  };
}

const facts = {
  name: (id: string) => ({ openai: 'OpenAI', a1111: 'AUTOMATIC1111 / Forge' })[id] ?? id,
  isLocal: (id: string) => id === 'a1111' || id === 'comfyui',
};

describe('a run in A1111 terms', () => {
  it('a cloud run: the model id, no seed when the provider took none, the provider named as a third key', () => {
    const r = run({ attempts: [attempt('openai', 'gpt-image-1', { prompt: 'x' })] });
    expect(formatInfotext(infotextFromRun(r, { width: 1024, height: 1536 }, facts))).toBe(
      'a red chair\nNegative prompt: blur\nSize: 1024x1536, Model: gpt-image-1, Provider: OpenAI',
    );
  });

  it('an A1111 run: what was sent (LoRA tags, sampler, scheduler, CFG, checkpoint, denoising), never "default"', () => {
    const r = run({
      provider: 'a1111',
      model: 'default',
      seed: 99,
      attempts: [
        attempt('a1111', 'default', {
          prompt: 'a red chair <lora:film:0.8>',
          negative_prompt: 'blur',
          steps: 28,
          cfg_scale: 5.5,
          sampler_name: 'DPM++ 2M',
          scheduler: 'Karras',
          override_settings: { sd_model_checkpoint: 'sdxl_base' },
          denoising_strength: 0.45,
        }),
      ],
    });
    expect(formatInfotext(infotextFromRun(r, { width: 832, height: 1216 }, facts))).toBe(
      'a red chair <lora:film:0.8>\nNegative prompt: blur\n' +
        'Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 5.5, Seed: 99, Size: 832x1216, Model: sdxl_base, Denoising strength: 0.45',
    );
    const bare = run({
      provider: 'a1111',
      model: 'default',
      seed: 5,
      attempts: [attempt('a1111', 'default', {})],
    });
    expect(formatInfotext(infotextFromRun(bare, { width: 8, height: 8 }, facts))).toBe(
      'a red chair\nNegative prompt: blur\nSeed: 5, Size: 8x8',
    );
  });

  it('a ComfyUI run: the single KSampler and checkpoint loader of the queued graph', () => {
    const graph = {
      '3': {
        class_type: 'KSampler',
        inputs: { seed: 11, steps: 25, cfg: 6, sampler_name: 'euler_ancestral', scheduler: 'normal' },
      },
      '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'dreamshaper_8.safetensors' } },
    };
    const r = run({
      provider: 'comfyui',
      model: 'default',
      seed: 11,
      attempts: [attempt('comfyui', 'default', { prompt: graph })],
    });
    expect(formatInfotext(infotextFromRun(r, { width: 512, height: 512 }, facts))).toBe(
      'a red chair\nNegative prompt: blur\n' +
        'Steps: 25, Sampler: euler_ancestral, Schedule type: normal, CFG scale: 6, Seed: 11, Size: 512x512, Model: dreamshaper_8.safetensors',
    );
  });
});
