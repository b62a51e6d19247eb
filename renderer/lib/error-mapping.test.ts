// What a designer reads for an error: a title from the code, the main process's sentence as detail, and
// which fix (API keys, budgets) the screen should offer.
import { describe, expect, it } from 'vitest';
import { isMissingCall, readableError } from './errors';

describe('readableError', () => {
  it('a rejected key names the provider and points at API keys', () => {
    const e = readableError({ code: 'auth_failed', message: 'Incorrect API key provided.' }, 'OpenAI');
    expect(e.title).toContain('OpenAI');
    expect(e.keyProblem).toBe(true);
    expect(e.budgetProblem).toBe(false);
    expect(e.title).not.toMatch(/auth_failed/);
  });

  it('a spending limit points at Budgets, not at keys', () => {
    const e = readableError({ code: 'budget_exceeded', message: 'Daily budget of $5.00 reached.' });
    expect(e.budgetProblem).toBe(true);
    expect(e.keyProblem).toBe(false);
    expect(e.detail).toContain('$5.00');
  });

  it('an input error names each field as a label, from the issue paths, never as a raw path', () => {
    const e = readableError(
      {
        code: 'invalid_input',
        message: 'prompt: must not be empty; count: must be at most 4',
        issues: [
          { path: ['prompt'], message: 'must not be empty' },
          { path: ['count'], message: 'must be at most 4' },
        ],
      },
      'The provider',
      'Not started',
    );
    expect(e.title).toBe('Not started');
    expect(e.detail).toBe('Prompt must not be empty. Images must be at most 4.');
    expect(e.issues).toHaveLength(2);
  });

  it('the fix the error names decides where to send the user, not the words of its message', () => {
    const named = readableError(
      { code: 'invalid_input', message: 'Add a key first.', fix: 'keys' },
      'OpenAI',
    );
    expect(named).toMatchObject({ fix: 'keys', keyProblem: true, title: 'OpenAI needs an API key' });
    const worded = readableError(
      { code: 'invalid_input', message: 'There is no API key for OpenAI.' },
      'OpenAI',
    );
    expect(worded).toMatchObject({ fix: null, keyProblem: false });
  });

  it('a missing access token says how to get a fresh one', () => {
    expect(readableError({ code: 'unauthorized', message: 'bad token' }).detail).toMatch(/npm run serve/);
  });

  it('an unknown code reads as a plain failure with the message as detail', () => {
    const e = readableError({ code: 'no_such_code', message: '  The disk is full.  ' });
    expect(e.title).not.toMatch(/no_such_code/);
    expect(e.detail).toBe('The disk is full.');
    expect(e.keyProblem || e.budgetProblem).toBe(false);
  });

  it('tells an absent call from any other not-found', () => {
    expect(isMissingCall({ code: 'not_found', details: { unknownCall: true } })).toBe(true);
    expect(isMissingCall({ code: 'not_found' })).toBe(false);
    expect(isMissingCall({ code: 'invalid_input', details: { unknownCall: true } })).toBe(false);
  });
});
