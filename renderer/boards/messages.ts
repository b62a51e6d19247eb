// How a refused board call reads beside the field that caused it.

import type { AppErrorShape } from '../../shared/result';
import { readableError } from '../lib/errors';

/** A refusal about the board's name as a sentence ("A board named … already exists."), else the readable error. */
export function boardProblem(error: AppErrorShape): string {
  const issue = error.issues?.find((i) => i.path[0] === 'name');
  if (!issue) return readableError(error).detail;
  const message = issue.message.trim();
  const sentence = /^a board\b/i.test(message)
    ? `${message.charAt(0).toUpperCase()}${message.slice(1)}`
    : `The board name ${message}`;
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}
