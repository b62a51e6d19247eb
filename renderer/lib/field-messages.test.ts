import { describe, expect, it } from 'vitest';
import { humanizeFieldMessage, readableError } from './errors';

describe('humanizeFieldMessage', () => {
  it('keeps a template variable named: the preview refusal said only "is required."', () => {
    // What styles.generatePreviews answered for every starter style before the fix.
    const text = humanizeFieldMessage('values.subject: is required.');
    expect(text).toBe('Subject is required.');
    const error = readableError({
      code: 'invalid_input',
      message: 'values.camera_angle: must be one of "a".',
    });
    expect(error.detail).toBe('Camera angle must be one of "a".');
  });

  it('drops a leading call name but never a field path', () => {
    expect(humanizeFieldMessage('generation.start: prompt: must not be empty')).toBe(
      'Prompt must not be empty.',
    );
    expect(humanizeFieldMessage('styles.generatePreviews: values.headline: is required.')).toBe(
      'Headline is required.',
    );
    expect(humanizeFieldMessage('runs.tag: surprise: is not a known field')).toBe(
      'surprise: is not a known field.',
    );
  });

  it('names the request for an issue about the input as a whole', () => {
    expect(humanizeFieldMessage('library.render: input: expected object')).toBe(
      'The request expected object.',
    );
    // zod's own sentences start with a capital: the field stays in front of them.
    expect(humanizeFieldMessage('prompt: Invalid input: expected string, received undefined')).toBe(
      'Prompt: Invalid input: expected string, received undefined.',
    );
  });
});
