import { describe, expect, it } from 'vitest';
import { GenerationRequest } from '../../shared/domain';
import { PROMPT_MAX_CHARS } from '../../shared/limits';
import { counterText, limitTone, pasteCutMessage, pasteOverflow } from './prompt-limit';

describe('prompt limit', () => {
  it('is the contract’s own limit', () => {
    const at = GenerationRequest.safeParse({ prompt: 'x'.repeat(PROMPT_MAX_CHARS) });
    const over = GenerationRequest.safeParse({ prompt: 'x'.repeat(PROMPT_MAX_CHARS + 1) });
    expect([at.success, over.success]).toEqual([true, false]);
  });

  it('counts what a paste loses: 5,000 characters into an empty field drop 1,000', () => {
    expect(pasteOverflow({ length: 0, selectionStart: 0, selectionEnd: 0 }, 5000, 4000)).toBe(1000);
    // The paste replaces the selection, so selected text makes room.
    expect(pasteOverflow({ length: 3900, selectionStart: 100, selectionEnd: 400 }, 350, 4000)).toBe(0);
    expect(pasteOverflow({ length: 3900, selectionStart: 3900, selectionEnd: 3900 }, 150, 4000)).toBe(50);
    expect(pasteOverflow({ length: 10, selectionStart: 0, selectionEnd: 0 }, 20, 4000)).toBe(0);
  });

  it('warns from 90 % of the limit and says when it is full', () => {
    expect(limitTone(3599, 4000)).toBe('normal');
    expect(limitTone(3600, 4000)).toBe('near');
    expect(limitTone(4000, 4000)).toBe('full');
    expect(counterText(3620, 4000)).toBe('3,620 / 4,000');
  });

  it('says how much of a paste was left out and what the limit is', () => {
    expect(pasteCutMessage(1000, 4000)).toBe(
      'The paste was too long: its last 1,000 characters were left out. A prompt holds 4,000 characters.',
    );
    expect(pasteCutMessage(1, 4000)).toContain('its last 1 character was');
  });
});
