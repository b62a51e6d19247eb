import { describe, expect, it } from 'vitest';
import { issueSentence, issuesByField, issuesText, readableError } from './errors';

describe('issues read field by field', () => {
  it('keeps a template variable named: the preview refusal said only "is required."', () => {
    // What styles.generatePreviews answered for every starter style before the fix.
    expect(issueSentence({ path: ['values', 'subject'], message: 'is required.' })).toBe(
      'Subject is required.',
    );
    const error = readableError({
      code: 'invalid_input',
      message: 'values.camera_angle: must be one of "a".',
      issues: [{ path: ['values', 'camera_angle'], message: 'must be one of "a".' }],
    });
    expect(error.detail).toBe('Camera angle must be one of "a".');
  });

  it('names each field by its path, whatever the message says before it', () => {
    const issues = [
      { path: ['prompt'], message: 'must not be empty' },
      { path: ['count'], message: 'must be at most 4' },
    ];
    // The sentence in `message` is not read: a call name in front of it changes nothing.
    const error = readableError({ code: 'invalid_input', message: 'generation.start: whatever', issues });
    expect(error.detail).toBe('Prompt must not be empty. Images must be at most 4.');
    expect(issueSentence({ path: ['surprise'], message: 'is not a known field' })).toBe(
      'surprise: is not a known field.',
    );
    expect(issueSentence({ path: ['tags', 2], message: 'is too long' })).toBe('Tags is too long.');
  });

  it('names the request for an issue about the input as a whole', () => {
    expect(issuesText([{ path: [], message: 'expected object' }])).toBe('The request expected object.');
    // zod's own sentences start with a capital: the field stays in front of them.
    expect(
      issueSentence({ path: ['prompt'], message: 'Invalid input: expected string, received undefined' }),
    ).toBe('Prompt: Invalid input: expected string, received undefined.');
  });

  it('picks the issues about one field; beside its own label a message stands alone', () => {
    const issues = [
      { path: ['url'], message: 'must start with http:// or https://' },
      { path: ['slots'], message: 'must be at least 1' },
    ];
    expect(issuesByField(issues, ['url'] as const).fields).toEqual({
      url: 'URL must start with http:// or https://.',
    });
    expect(issuesByField(issues, ['label'] as const).fields).toEqual({});
    expect(issuesByField(issues, ['slots'] as const, false).fields).toEqual({ slots: 'Must be at least 1.' });
  });

  it('without issues, the message is shown as sent: no field is guessed out of it', () => {
    const error = readableError({ code: 'invalid_input', message: 'prompt: must not be empty' });
    expect(error.detail).toBe('prompt: must not be empty');
    expect(error.issues).toEqual([]);
  });
});
