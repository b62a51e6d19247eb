import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { calls } from './contract';
import { AppError, AppErrorShape, describeZodError, err, fieldError, zodIssues } from './result';

function describe_(schema: z.ZodType, input: unknown, root?: string): string {
  const parsed = schema.safeParse(input);
  if (parsed.success) throw new Error('expected a refusal');
  return describeZodError(parsed.error, root);
}

/** Every `field: message` part names a field: nothing before the colon is empty or ends in a dot. */
function expectEveryPartNamed(message: string) {
  for (const part of message.split('; ')) {
    const field = part.slice(0, part.indexOf(': '));
    expect(part.indexOf(': '), part).toBeGreaterThan(0);
    expect(field.trim(), part).not.toBe('');
    expect(field, part).not.toMatch(/(^\.|\.$|\.\.)/);
  }
}

describe('describeZodError', () => {
  it('names the input itself for an issue at the root', () => {
    const message = describe_(z.strictObject({ a: z.string() }), 5, 'styles.generatePreviews input');
    expect(message).toMatch(/^styles\.generatePreviews input: /);
    expectEveryPartNamed(message);
  });

  it('names each unknown key as its field', () => {
    const message = describe_(z.strictObject({ a: z.string() }), { a: 'x', extra: 1, other: 2 });
    expect(message).toBe('extra: is not a known field; other: is not a known field');
    const nested = describe_(z.strictObject({ o: z.strictObject({}) }), { o: { deep: 1 } });
    expect(nested).toBe('o.deep: is not a known field');
  });

  it('names a bad record key, even an empty one', () => {
    const schema = z.strictObject({ values: z.record(z.string().regex(/^[a-z]+$/), z.number()) });
    const message = describe_(schema, { values: { '': 1, B: 2 } });
    expect(message).toContain('values."": is not an accepted name');
    expect(message).toContain('values.B: is not an accepted name');
    expectEveryPartNamed(message);
  });

  it('names a union that fails as a whole at the root', () => {
    const message = describe_(calls['library.render'].input, { style: {} });
    expectEveryPartNamed(message);
    expect(message).toMatch(/^style: /);
    expectEveryPartNamed(describe_(z.union([z.string(), z.number()]), {}));
  });

  it('names the field of every refused real call input', () => {
    const samples: [keyof typeof calls, unknown][] = [
      ['styles.generatePreviews', {}],
      ['styles.generatePreviews', { versionId: 0, seeds: [-1] }],
      ['generation.start', { prompt: '', template: { versionId: 1, values: { '': 'x' } } }],
      ['runs.tag', { id: 1, tags: [''], surprise: true }],
      ['library.render', 'not an object'],
    ];
    for (const [name, input] of samples) expectEveryPartNamed(describe_(calls[name].input, input));
  });
});

describe('typed error details', () => {
  it('zod issues keep their paths, unknown and bad keys included', () => {
    const schema = z.strictObject({ tags: z.array(z.string().min(1, 'must not be empty')) });
    const parsed = schema.safeParse({ tags: ['ok', ''], extra: 1 });
    if (parsed.success) throw new Error('expected a refusal');
    expect(zodIssues(parsed.error)).toEqual([
      { path: ['tags', 1], message: 'must not be empty' },
      { path: ['extra'], message: 'is not a known field' },
    ]);
  });

  it('a field error names the field in its message and carries it as an issue', () => {
    const error = fieldError(['values', 'subject'], 'is required.');
    expect(error.message).toBe('values.subject: is required.');
    expect(error.toShape()).toEqual({
      code: 'invalid_input',
      message: 'values.subject: is required.',
      issues: [{ path: ['values', 'subject'], message: 'is required.' }],
    });
  });

  it('the shape that crosses the boundary carries the fix and parses with the shared schema', () => {
    const shape = new AppError('budget_exceeded', 'Over the daily budget.', { fix: 'budgets' }).toShape();
    expect(AppErrorShape.parse(shape)).toEqual({
      code: 'budget_exceeded',
      message: 'Over the daily budget.',
      fix: 'budgets',
    });
    // Empty extras are left out, and a fix that is not a Settings tab is refused.
    expect(err('not_found', 'x', { issues: [] })).toEqual({
      ok: false,
      error: { code: 'not_found', message: 'x' },
    });
    expect(AppErrorShape.safeParse({ code: 'internal', message: 'x', fix: 'elsewhere' }).success).toBe(false);
  });
});
