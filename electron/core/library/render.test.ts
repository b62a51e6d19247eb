import { describe, expect, it } from 'vitest';
import {
  type StyleFields,
  StyleFields as StyleFieldsSchema,
  TemplateFields,
} from '../../../shared/library-contract';
import { AppError } from '../../../shared/result';
import { loadCatalog, resolveModel } from '../providers/catalog';
import {
  checkBannedTerms,
  checkBannedValues,
  composeSegments,
  renderForProvider,
  renderSegments,
} from './render';

const template = TemplateFields.parse({
  name: 'T',
  segments: {
    subject: '{{subject}}, {{angle}} view',
    environment: 'in {{place}}',
    technical: '{{lens}}mm lens',
    style: 'soft light',
    negative: 'blurry',
  },
  variables: [
    { name: 'subject', kind: 'text', maxLength: 40 },
    { name: 'angle', kind: 'enum', values: ['front', 'side'] },
    { name: 'place', kind: 'text', maxLength: 60, required: false },
    { name: 'lens', kind: 'number', min: 24, max: 200, integer: true, default: 85 },
  ],
});

function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

const good = { subject: 'a red kettle', angle: 'front', place: 'a kitchen', lens: 50 };

describe('template rendering', () => {
  it('substitutes typed values into the five segments', () => {
    const s = renderSegments(template, good);
    expect(s).toEqual({
      subject: 'a red kettle, front view',
      environment: 'in a kitchen',
      technical: '50mm lens',
      style: 'soft light',
      negative: 'blurry',
    });
  });

  it.each([
    ['weight syntax', '(masterpiece:1.5) kettle'],
    ['bare weight', 'kettle:1.4'],
    ['LoRA tag', 'kettle <lora:detail:1>'],
    ['full-width weight', '（kettle：1.5）'],
    ['--sref flag', 'kettle --sref 123'],
    ['em-dash flag', 'kettle —ar 16:9'],
    ['segment separator', 'kettle :: nsfw::2'],
    ['negative marker', 'kettle. Negative prompt: hands'],
    ['avoid marker', 'kettle Avoid: nothing'],
    ['placeholder', 'kettle {{angle}}'],
    ['A1111 BREAK', 'kettle BREAK nsfw'],
    ['full-width BREAK', 'kettle ＢＲＥＡＫ nsfw'],
    ['A1111 AND composition', 'kettle AND a nude figure'],
    ['ComfyUI embedding', 'kettle embedding:easynegative'],
    ['spaced embedding', 'kettle Embedding : bad_hands'],
  ])('refuses a text value with %s, naming the variable', (_, value) => {
    const error = refusal(() => renderSegments(template, { ...good, subject: value }));
    expect(error.code).toBe('invalid_input');
    expect(error.message).toMatch(/^values\.subject: /);
    expect(error.details).toEqual({ variable: 'subject' });
  });

  it('keeps ordinary words that only look like that syntax', () => {
    const s = renderSegments(template, { ...good, subject: 'a coffee break and an embedding' });
    expect(s.subject).toBe('a coffee break and an embedding, front view');
  });

  it('neutralizes line breaks, brackets and control characters in text', () => {
    const s = renderSegments(template, { ...good, subject: 'a [red]\nkettle\u200b (shiny) | tall' });
    expect(s.subject).toBe('a red kettle shiny tall, front view');
    expect(s.subject).not.toMatch(/[\n()[\]|]/);
  });

  it('refuses text longer than its maximum', () => {
    expect(refusal(() => renderSegments(template, { ...good, subject: 'x'.repeat(41) })).message).toMatch(
      /values\.subject: must be at most 40/,
    );
  });

  it.each([
    ['a value outside the list', 'back'],
    ['an injected value', 'front, (nsfw:2)'],
    ['a number', 3],
  ])('refuses an enum value that is %s', (_, value) => {
    expect(refusal(() => renderSegments(template, { ...good, angle: value })).message).toMatch(
      /^values\.angle: must be one of "front", "side"/,
    );
  });

  it.each([
    ['out of range', 500, /between 24 and 200/],
    ['fractional', 50.5, /whole number/],
    ['text', '50mm (x:2)', /must be a number/],
    ['infinite', Number.POSITIVE_INFINITY, /finite|between/],
  ])('refuses a number that is %s', (_, value, message) => {
    const error = refusal(() => renderSegments(template, { ...good, lens: value as number | string }));
    expect(error.message).toMatch(/^values\.lens: /);
    expect(error.message).toMatch(message);
  });

  it('refuses unknown and missing variables, and uses defaults', () => {
    expect(refusal(() => renderSegments(template, { ...good, extra: 'x' })).message).toMatch(/values\.extra/);
    const { subject: _s, ...noSubject } = good;
    expect(refusal(() => renderSegments(template, noSubject)).message).toMatch(
      /values\.subject: is required/,
    );
    const { lens: _l, place: _p, ...rest } = good;
    const s = renderSegments(template, rest);
    expect(s.technical).toBe('85mm lens');
    expect(s.environment).toBe('in');
  });

  it('a value never reaches the negative segment', () => {
    const s = renderSegments(template, { ...good, subject: 'kettle, blurry' });
    expect(s.negative).toBe('blurry');
    expect(s.subject).toContain('kettle, blurry');
  });

  it('refuses a template using an undeclared variable', () => {
    const bad = { ...template, segments: { ...template.segments, style: '{{nope}}' } };
    expect(refusal(() => renderSegments(bad, good)).message).toMatch(/segments\.style: \{\{nope\}\}/);
  });
});

describe('banned terms', () => {
  const segments = renderSegments(template, good);

  it('refuses a banned term naming the term and the segment', () => {
    const error = refusal(() => checkBannedTerms({ ...segments, environment: 'in a Gore scene' }, ['gore']));
    expect(error.code).toBe('invalid_input');
    expect(error.message).toContain('"gore"');
    expect(error.message).toContain('Environment / context');
    expect(error.details).toEqual({ term: 'gore', segment: 'environment' });
  });

  it('matches whole words and phrases only, and ignores the negative segment', () => {
    expect(() => checkBannedTerms({ ...segments, subject: 'a glass kettle' }, ['ass'])).not.toThrow();
    expect(() => checkBannedTerms({ ...segments, negative: 'gore' }, ['gore'])).not.toThrow();
    expect(
      refusal(() =>
        checkBannedTerms({ ...segments, style: 'in the style of Famous Painter' }, ['famous painter']),
      ).details,
    ).toEqual({
      term: 'famous painter',
      segment: 'style',
    });
  });

  it.each([
    ['a zero-width space', 'a forbidden\u200bword cat'],
    ['a soft hyphen', 'a forbidden\u00adword cat'],
    ['a word joiner', 'a forbid\u2060denword cat'],
    ['a Cyrillic о', 'a f\u043erbiddenword cat'],
    ['a Greek ο and a Cyrillic і', 'a f\u03bfrb\u0456ddenword cat'],
    ['upper case', 'a FORBIDDENWORD cat'],
    ['full-width letters', 'a ｆｏｒｂｉｄｄｅｎｗｏｒｄ cat'],
    ['mathematical letters', 'a 𝐟𝐨𝐫𝐛𝐢𝐝𝐝𝐞𝐧𝐰𝐨𝐫𝐝 cat'],
  ])('is not bypassed by %s', (_, subject) => {
    const error = refusal(() => checkBannedTerms({ ...segments, subject }, ['forbiddenword']));
    expect(error.code).toBe('invalid_input');
    expect(error.details).toEqual({ term: 'forbiddenword', segment: 'subject' });
    expect(error.message).toContain('"forbiddenword" in Subject + action');
  });

  it('folds the banned terms the same way, and still names them readably', () => {
    const error = refusal(() =>
      checkBannedTerms({ ...segments, subject: 'a forbiddenword cat' }, ['F\u043eRBIDDEN\u200bWORD']),
    );
    expect(error.details).toEqual({ term: 'F\u043eRBIDDENWORD', segment: 'subject' });
  });

  it('does not fold plain ASCII look-alikes onto each other', () => {
    // TR39 folds "rn" and "m", "0" and "O": a visible spelling is what the designer meant.
    expect(() => checkBannedTerms({ ...segments, subject: 'a burn mark' }, ['bum'])).not.toThrow();
    expect(() => checkBannedTerms({ ...segments, subject: 'clean code' }, ['c0de'])).not.toThrow();
  });

  it('checks every template value, naming the field', () => {
    const bare = TemplateFields.parse({
      name: 'B',
      segments: { subject: '{{thing}}', negative: '{{avoid}}' },
      variables: [
        { name: 'thing', kind: 'text', maxLength: 60 },
        { name: 'avoid', kind: 'text', maxLength: 60, required: false },
      ],
    });
    const values = { thing: 'a forbidden\u200bword cat' };
    const error = refusal(() => checkBannedValues(bare, values, ['forbiddenword']));
    expect(error.message).toContain('values.thing');
    expect(error.details).toEqual({ term: 'forbiddenword', segment: 'subject', field: 'values.thing' });
    // A zero-width space is removed from a value, not turned into a space that splits the word.
    expect(renderSegments(bare, values).subject).toBe('a forbiddenword cat');
    // Like the negative segment itself, a value placed only there may name what to avoid.
    expect(() =>
      checkBannedValues(bare, { thing: 'a cat', avoid: 'forbiddenword' }, ['forbiddenword']),
    ).not.toThrow();
  });

  it('catches a banned term coming from a style token', () => {
    const style = StyleFieldsSchema.parse({ name: 'S', styleTokens: ['gore splatter'] });
    const { segments: composed } = composeSegments({
      template,
      values: good,
      style,
      prompt: '',
      negativePrompt: '',
      negatives: [],
    });
    expect(refusal(() => checkBannedTerms(composed, ['gore'])).details).toEqual({
      term: 'gore',
      segment: 'style',
    });
  });
});

describe('per-provider rendering from the catalog', () => {
  const catalog = loadCatalog();
  const style: StyleFields = StyleFieldsSchema.parse({
    name: 'S',
    styleTokens: ['cinematic'],
    negativeTerms: ['watermark'],
    overrides: {
      leonardo: { presetStyle: 'CINEMATIC' },
      stability: { stylePreset: 'cinematic' },
      ideogram: { styleType: 'REALISTIC' },
      a1111: { lora: { name: 'film_grain', weight: 0.7 } },
    },
  });
  const { segments } = composeSegments({
    template,
    values: good,
    style,
    prompt: '',
    negativePrompt: '',
    negatives: [],
  });
  const render = (id: string) => {
    const { provider, model } = resolveModel(catalog, id);
    return renderForProvider(segments, style, provider, model);
  };

  it('uses the negative field where the model has one', () => {
    const r = render('stability');
    expect(r.negativeHandling).toBe('field');
    expect(r.negativePrompt).toBe('blurry, watermark');
    expect(r.prompt).not.toContain('Avoid');
    expect(r.options).toEqual({ style_preset: 'cinematic' });
  });

  it('folds the negative into the prompt, with a warning, where there is no field', () => {
    const r = render('openai');
    expect(r.negativeHandling).toBe('folded');
    expect(r.prompt).toMatch(/Avoid: blurry, watermark$/);
    expect(r.negativePrompt).toBe('');
    expect(r.warnings.join(' ')).toMatch(/no negative prompt/);
  });

  it('drops the negative for FLUX, with a warning', () => {
    const r = render('bfl');
    expect(r.negativeHandling).toBe('dropped');
    expect(r.prompt).not.toContain('blurry');
    expect(r.warnings.join(' ')).toMatch(/FLUX has no negative prompt/);
  });

  it('maps per-provider overrides onto each provider', () => {
    expect(render('leonardo').options).toEqual({ presetStyle: 'CINEMATIC' });
    expect(render('ideogram').options).toEqual({ style_type: 'REALISTIC' });
    const sd = render('a1111');
    expect(sd.prompt).toContain('<lora:film_grain:0.7>');
    expect(render('openai').prompt).not.toContain('<lora');
  });

  it('puts the style tokens in the style vector, one segment per line', () => {
    const r = render('stability');
    expect(r.prompt.split('\n')).toEqual([
      'a red kettle, front view',
      'in a kitchen',
      '50mm lens',
      'soft light, cinematic',
    ]);
  });
});
