import { describe, expect, it } from 'vitest';
import { boardProblem } from './messages';

describe('boardProblem', () => {
  it('reads a name refusal as a sentence about the board name', () => {
    expect(
      boardProblem({
        code: 'invalid_input',
        message: 'name: a board named "Logos" already exists (names ignore case)',
        issues: [{ path: ['name'], message: 'a board named "Logos" already exists (names ignore case)' }],
      }),
    ).toBe('A board named "Logos" already exists (names ignore case).');
    expect(
      boardProblem({
        code: 'invalid_input',
        message: 'name: must be at most 80 characters',
        issues: [{ path: ['name'], message: 'must be at most 80 characters' }],
      }),
    ).toBe('The board name must be at most 80 characters.');
  });
});
