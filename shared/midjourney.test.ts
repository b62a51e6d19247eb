import { describe, expect, it } from 'vitest';
import { MidjourneyFields, negativeTerms, reducedRatio, renderMidjourneyPrompt } from './midjourney';

const base = { prompt: 'a fox', negativePrompt: '', aspectRatio: '1:1', seed: null };

describe('Copy for Midjourney', () => {
  it('reduces the exact size to --ar, else uses the aspect ratio', () => {
    expect(reducedRatio(1536, 1024)).toBe('3:2');
    expect(reducedRatio(1920, 1080)).toBe('16:9');
    expect(reducedRatio(1000, 999)).toBe('1000:999');
    expect(renderMidjourneyPrompt({ ...base, size: { width: 832, height: 1216 } }).text).toBe(
      'a fox --ar 13:19',
    );
    expect(renderMidjourneyPrompt({ ...base, aspectRatio: '9:16' }).text).toBe('a fox --ar 9:16');
  });

  it('writes the seed inside Midjourney’s range and says when it cannot', () => {
    expect(renderMidjourneyPrompt({ ...base, seed: 0 }).text).toBe('a fox --ar 1:1 --seed 0');
    const big = renderMidjourneyPrompt({ ...base, seed: 2 ** 40 });
    expect(big.text).toBe('a fox --ar 1:1');
    expect(big.notes).toEqual([{ code: 'seed_out_of_range', seed: 2 ** 40 }]);
  });

  it('turns the negative into a --no list: weights and brackets off, duplicates once, lines and commas split', () => {
    expect(negativeTerms('(blurry:1.3), watermark\nBlurry, [text], ((extra fingers)), low-res')).toEqual([
      'blurry',
      'watermark',
      'text',
      'extra fingers',
      'low-res',
    ]);
    expect(renderMidjourneyPrompt({ ...base, negativePrompt: 'text, logo' }).text).toBe(
      'a fox --ar 1:1 --no text, logo',
    );
  });

  it('keeps the prompt on one line and lets no "--" in it start a parameter', () => {
    expect(renderMidjourneyPrompt({ ...base, prompt: 'a fox\r\nin snow --v 4' }).text).toBe(
      'a fox in snow -v 4 --ar 1:1',
    );
  });

  it("adds the style's --sref/--cref URLs, --stylize, --chaos and version, notes the style and its local references", () => {
    const midjourney = MidjourneyFields.parse({
      sref: ['https://a.test/1.png', 'https://a.test/2.png'],
      cref: ['https://a.test/c.png'],
      stylize: 400,
      chaos: 0,
      version: 'niji 6',
    });
    const out = renderMidjourneyPrompt({
      ...base,
      style: { name: 'Ink', version: 3, midjourney, localReferences: 2 },
      hasLocalInitImage: true,
    });
    expect(out.text).toBe(
      'a fox --ar 1:1 --sref https://a.test/1.png https://a.test/2.png --cref https://a.test/c.png --stylize 400 --chaos 0 --niji 6',
    );
    expect(out.notes).toEqual([
      { code: 'style', name: 'Ink', version: 3 },
      { code: 'local_references', count: 2 },
      { code: 'local_init_image' },
    ]);
    expect(
      renderMidjourneyPrompt({
        ...base,
        style: {
          name: 'S',
          version: 1,
          midjourney: MidjourneyFields.parse({ version: '6.1' }),
          localReferences: 0,
        },
      }).text,
    ).toBe('a fox --ar 1:1 --v 6.1');
  });

  it('refuses style fields Midjourney would not take', () => {
    expect(MidjourneyFields.safeParse({ sref: ['file:///tmp/a.png'] }).success).toBe(false);
    expect(MidjourneyFields.safeParse({ stylize: 1001 }).success).toBe(false);
    expect(MidjourneyFields.safeParse({ version: '7 --tile' }).success).toBe(false);
  });
});
