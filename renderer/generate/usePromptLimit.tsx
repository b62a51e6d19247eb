import { type ClipboardEvent, type ReactNode, useState } from 'react';
import { PROMPT_MAX_CHARS } from '../../shared/limits';
import { counterText, limitReachedMessage, limitTone, pasteCutMessage, pasteOverflow } from './prompt-limit';

/**
 * Counter, paste handler and notice for the Prompt field; the limit is the contract's own, or a
 * template subject variable's when the box is that subject.
 */
export function usePromptLimit(
  value: string,
  limit?: number,
): {
  max: number;
  counter: ReactNode;
  notice: ReactNode;
  onPaste: (event: ClipboardEvent<HTMLTextAreaElement>) => void;
} {
  const max = limit ?? PROMPT_MAX_CHARS;
  const [dropped, setDropped] = useState(0);
  const tone = limitTone(value.length, max);
  // The note stays while the text is still at the limit; deleting some of it clears the note.
  const cut = dropped > 0 && tone === 'full' ? pasteCutMessage(dropped, max) : null;
  const live = cut ?? (tone === 'full' ? limitReachedMessage(max) : '');

  function onPaste(event: ClipboardEvent<HTMLTextAreaElement>) {
    const field = event.currentTarget;
    const pasted = event.clipboardData.getData('text/plain');
    setDropped(
      pasteOverflow(
        {
          length: field.value.length,
          selectionStart: field.selectionStart,
          selectionEnd: field.selectionEnd,
        },
        pasted.length,
        max,
      ),
    );
  }

  return {
    max,
    counter: (
      <>
        <span className={`field__count field__count--${tone}`} aria-hidden="true">
          {counterText(value.length, max)}
        </span>
        <span className="visually-hidden" role="status">
          {live}
        </span>
      </>
    ),
    notice: cut ? <span className="prompt-limit__note">{cut}</span> : null,
    onPaste,
  };
}
