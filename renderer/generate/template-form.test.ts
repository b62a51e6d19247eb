import { describe, expect, it } from 'vitest';
import { TemplateFields } from '../../shared/library-contract';
import { initialTemplateValues, templateValues } from './template-form';

const product = TemplateFields.parse({
  name: 'Product shot',
  segments: {
    subject: '{{product}}, {{angle}} view',
    environment: 'on {{surface}}',
    technical: '{{lens}}mm',
  },
  variables: [
    { name: 'product', kind: 'text', maxLength: 120 },
    { name: 'angle', kind: 'enum', values: ['front', 'side'], default: 'side' },
    { name: 'surface', kind: 'enum', values: ['marble', 'wood'] },
    { name: 'lens', kind: 'number', min: 24, max: 200, integer: true, default: 85 },
    { name: 'caption', kind: 'text', maxLength: 40, required: false },
  ],
});

describe('the template part of the Generate form', () => {
  it('starts from the defaults, never a sample subject (the teapot the editor shows)', () => {
    const values = initialTemplateValues(product);
    expect(values).toEqual({ angle: 'side', surface: 'marble', lens: 85 });
    expect(values).not.toHaveProperty('product');
  });

  it('sends the fields but not the subject (the Prompt box is the subject) and drops empty ones', () => {
    const sent = templateValues({
      fields: product,
      values: { product: 'a ceramic teapot', angle: 'front', lens: 50, caption: '', stray: 'x' },
    });
    expect(sent).toEqual({ angle: 'front', lens: 50 });
  });

  it('keeps the recorded values while the template is still loading', () => {
    expect(templateValues({ fields: null, values: { subject: 'a heron', setting: 'reeds' } })).toEqual({
      subject: 'a heron',
      setting: 'reeds',
    });
  });
});
