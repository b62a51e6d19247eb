import { describe, expect, it } from 'vitest';
import { ATTEMPT_OUTCOMES } from '../../shared/constants';
import { ERROR_CODES } from '../../shared/result';
import { errorLabel, readableError } from './errors';

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
