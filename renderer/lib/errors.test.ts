import { describe, expect, it } from 'vitest';
import { ATTEMPT_OUTCOMES } from '../../shared/constants';
import { ERROR_CODES } from '../../shared/result';
import { errorLabel, fixOf, isMissingCall, readableError } from './errors';

const RAW = /[a-z]+_[a-z]+/;

describe('codes read as words', () => {
  it('names every app code, outcome and run ending in words, never the code', () => {
    const codes = [...ERROR_CODES, ...ATTEMPT_OUTCOMES, 'interrupted', 'no_provider', 'no_server', 'budget'];
    for (const code of codes) {
      const label = errorLabel(code);
      expect(label, code).not.toMatch(RAW);
      expect(label, code).not.toBe('Failed');
    }
    expect(errorLabel('budget_exceeded')).toBe('Budget reached');
    expect(errorLabel('interrupted')).toBe('Interrupted when Atelier stopped');
    expect(errorLabel('rate_limited')).toBe('Rate limited');
    expect(errorLabel('rate_limited', 'Gemini')).toBe('Gemini is rate-limiting requests');
  });

  it('an unknown code reads as a plain failure, not as itself', () => {
    expect(errorLabel('some_new_code')).toBe('Failed');
  });

  it('titles come from the code, whatever the message says', () => {
    const error = readableError({ code: 'budget_exceeded', message: 'daily budget_exceeded for openai' });
    expect(error.title).toBe('Budget reached');
    expect(error.budgetProblem).toBe(true);
    expect(readableError({ code: 'quota_exhausted', message: 'x' }, 'OpenAI').title).toBe(
      'OpenAI says the account is out of quota',
    );
  });
});

describe('what to do is decided from the code and the details, never the sentence', () => {
  it('a refusal that names its fix points at that Settings tab', () => {
    const error = readableError(
      { code: 'invalid_input', message: 'No provider can run this request (…).', fix: 'keys' },
      'OpenAI',
    );
    expect(error).toMatchObject({ fix: 'keys', keyProblem: true, budgetProblem: false });
    expect(error.title).toBe('OpenAI needs an API key');
    expect(readableError({ code: 'invalid_input', message: 'x', fix: 'local' }).fix).toBe('local');
  });

  it('a message that merely mentions an API key is not a key problem', () => {
    // The old renderer read "no API key" out of the sentence; the words alone now decide nothing.
    const error = readableError({
      code: 'invalid_input',
      message: 'pa: no API key. Add a key in Settings → API keys.',
    });
    expect(error.fix).toBeNull();
    expect(error.keyProblem).toBe(false);
    expect(error.title).toBe('Check the request');
  });

  it('run endings whose fix is always one tab get it from the code', () => {
    expect(fixOf({ code: 'auth_failed', message: '' })).toBe('keys');
    expect(fixOf({ code: 'budget_exceeded', message: '' })).toBe('budgets');
    expect(fixOf({ code: 'no_server', message: '' })).toBe('local');
    expect(fixOf({ code: 'rate_limited', message: 'Add a key in Settings → API keys' })).toBeNull();
    expect(readableError({ code: 'budget_exceeded', message: 'x' }).budgetProblem).toBe(true);
  });

  it('a missing call is known by its detail, not by its wording', () => {
    expect(isMissingCall({ code: 'not_found', details: { unknownCall: true } })).toBe(true);
    expect(isMissingCall({ code: 'not_found' })).toBe(false);
  });
});
