import { describe, expect, it } from 'vitest';
import { subjectVariable, TemplateFields, variableLabel } from '../../../shared/library-contract';
import { AppError } from '../../../shared/result';
import { composeSegments, positivePrompt, usedValues, withSubject } from './render';

const scene = TemplateFields.parse({
  name: 'Scene',
  segments: { subject: '{{subject}}', environment: '{{setting}}' },
  variables: [
    { name: 'subject', kind: 'text', maxLength: 40, label: 'Subject and action' },
    { name: 'setting', kind: 'text', maxLength: 60, required: false },
  ],
});
const product = TemplateFields.parse({
  name: 'Product',
  segments: { subject: '{{product}}, {{angle}} view', technical: '{{lens}}mm lens' },
  variables: [
    { name: 'angle', kind: 'enum', values: ['front', 'side'], default: 'front' },
    { name: 'product', kind: 'text', maxLength: 20 },
    { name: 'lens', kind: 'number', min: 24, max: 200, integer: true, default: 85 },
    { name: 'note', kind: 'text', maxLength: 20, required: false },
  ],
});
const fixed = TemplateFields.parse({
  name: 'Fixed',
  segments: { subject: 'a {{angle}} view of a chair', environment: '{{note}}' },
  variables: [
    { name: 'angle', kind: 'enum', values: ['front', 'side'] },
    { name: 'note', kind: 'text', maxLength: 20, required: false },
  ],
});

const compose = (template: TemplateFields, values: Record<string, string | number>, prompt: string) =>
  composeSegments({ template, values, style: null, prompt, negativePrompt: '', negatives: [] });

describe('the subject of a template', () => {
  it('is the text variable named subject, else the first text variable of the subject segment', () => {
    expect(subjectVariable(scene)?.name).toBe('subject');
    expect(subjectVariable(product)?.name).toBe('product');
    // A text variable outside the subject segment is not the subject.
    expect(subjectVariable(fixed)).toBeNull();
  });

  it('is filled by the typed prompt unless the values give it', () => {
    expect(withSubject(scene, {}, '  a heron  ')).toEqual({ subject: 'a heron' });
    expect(withSubject(scene, { subject: 'a crane' }, 'a heron')).toEqual({ subject: 'a crane' });
    expect(withSubject(scene, { subject: '' }, 'a heron')).toEqual({ subject: 'a heron' });
    expect(withSubject(fixed, {}, 'a heron')).toEqual({});
  });

  it('renders the user values, records them with the defaults used, and keeps the subject rules', () => {
    const { segments, values } = compose(product, { angle: 'side' }, 'a desk lamp');
    expect(positivePrompt(segments)).toBe('a desk lamp, side view\n85mm lens');
    expect(values).toEqual({ product: 'a desk lamp', angle: 'side', lens: 85 });
    expect(usedValues(product, { product: 'x', note: '' })).toEqual({
      product: 'x',
      angle: 'front',
      lens: 85,
    });
    // The typed subject is a value like any other: its limit and the injection rules hold.
    expect(() => compose(scene, {}, 'a heron (masterpiece:1.5)')).toThrow(AppError);
    expect(() => compose(product, {}, 'a very long product name indeed')).toThrow(
      /values\.product: must be at most 20/,
    );
    // Without a typed subject the refusal names the variable.
    expect(() => compose(scene, {}, '')).toThrow(/values\.subject: is required/);
  });

  it('reads a variable as words when it has no label', () => {
    expect(variableLabel({ name: 'camera_angle' })).toBe('Camera angle');
    expect(variableLabel({ name: 'subject', label: 'Subject and action' })).toBe('Subject and action');
  });
});
