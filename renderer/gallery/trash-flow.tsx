// Moving runs or single images to the trash, from the run dialog, the viewer and History's selection. One
// flow for all: what a style preview or a board baseline uses is refused with `conflict` first, and the
// designer is asked (the refusal says what uses it) before it goes anyway. The gallery follows at once: a
// run whose last live image went is taken out, a run with images left shows its new cover and count.
import { useState } from 'react';
import type { AppErrorShape } from '../../shared/result';
import { api } from '../api';
import { Button, ErrorCard, Icon } from '../components';
import { readableError } from '../lib/errors';
import { useHistoryStore, useRunDetailStore } from './store';

export interface TrashTarget {
  runIds: number[];
  outputIds: number[];
  /** The run the images belong to, to refresh its card and dialog after they go. */
  ofRun?: number;
}

/** What the flow is asking: first whether to go on (a selection), then, on a conflict, whether to go anyway. */
export interface TrashQuestion {
  target: TrashTarget;
  kind: 'confirm' | 'conflict';
  message: string;
  onDone?: () => void;
}

/**
 * The target for one image: the image itself, or its whole run when it is the run's last live image (a run
 * without images has nothing left to show; Trash then lists and restores it as a run).
 */
export function imageTarget(runId: number, outputId: number, liveImages: number): TrashTarget {
  return liveImages <= 1
    ? { runIds: [runId], outputIds: [] }
    : { runIds: [], outputIds: [outputId], ofRun: runId };
}

/** After images of a run went: its card shows the new cover and count, or goes when none is left. */
export async function followRun(runId: number): Promise<void> {
  const result = await api.call('runs.get', { id: runId });
  if (!result.ok) return;
  if (!result.value.outputs.some((output) => output.deletedAt === null)) {
    useHistoryStore.getState().removeRuns([runId]);
    return;
  }
  useHistoryStore.getState().updateRun(result.value);
  void useRunDetailStore.getState().reloadIfOpen(runId);
}

export function useTrashFlow() {
  const [question, setQuestion] = useState<TrashQuestion | null>(null);
  const [error, setError] = useState<AppErrorShape | null>(null);
  const [busy, setBusy] = useState(false);

  async function move(target: TrashTarget, force: boolean, onDone?: () => void) {
    setError(null);
    setBusy(true);
    const result = await api.call('trash.move', {
      runIds: target.runIds,
      outputIds: target.outputIds,
      force,
    });
    setBusy(false);
    if (result.ok) {
      setQuestion(null);
      if (target.runIds.length > 0) useHistoryStore.getState().removeRuns(target.runIds);
      if (target.ofRun !== undefined) await followRun(target.ofRun);
      onDone?.();
    } else if (result.error.code === 'conflict' && !force) {
      // A style preview or a board baseline uses it: say which, and ask.
      setQuestion({ target, kind: 'conflict', message: result.error.message, onDone });
    } else {
      setQuestion(null);
      setError(result.error);
    }
  }

  return {
    question,
    error,
    busy,
    /** Moves at once (a conflict still asks). */
    move: (target: TrashTarget, onDone?: () => void) => void move(target, false, onDone),
    /** Asks first, with `message`; a conflict then asks again. */
    ask: (target: TrashTarget, message: string, onDone?: () => void) =>
      setQuestion({ target, kind: 'confirm', message, onDone }),
    answerYes() {
      if (question) void move(question.target, question.kind === 'conflict', question.onDone);
    },
    cancel() {
      setQuestion(null);
      setError(null);
    },
  };
}

export type TrashFlow = ReturnType<typeof useTrashFlow>;

/** The question and the error of a trash flow, where it was started. */
export function TrashQuestionBar({ flow }: { flow: TrashFlow }) {
  const { question, error } = flow;
  if (!question && !error) return null;
  return (
    <>
      {question && (
        <div className="notice notice--warning notice--tight trash-question" role="alert">
          <Icon name="trash" size={14} className="notice__icon" />
          <span>{question.message}</span>
          <span className="trash-question__actions">
            <Button
              size="sm"
              variant="danger"
              busy={flow.busy}
              // biome-ignore lint/a11y/noAutofocus: the question was just asked; Enter answers it, Esc keeps.
              autoFocus
              onClick={flow.answerYes}
              onKeyDown={(event) => {
                if (event.key === 'Escape') {
                  event.stopPropagation();
                  flow.cancel();
                }
              }}
            >
              {question.kind === 'conflict' ? 'Delete anyway' : 'Move to trash'}
            </Button>
            <Button size="sm" variant="ghost" onClick={flow.cancel}>
              Keep {question.target.runIds.length + question.target.outputIds.length === 1 ? 'it' : 'them'}
            </Button>
          </span>
        </div>
      )}
      {error && <ErrorCard compact error={readableError(error)} />}
    </>
  );
}
