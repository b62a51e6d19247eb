import { fieldError } from '../../../shared/result';
import type { ReviewCounts, ReviewSnapshot } from '../../../shared/review-contract';
import type { Clock } from '../ports';
import type { OutputsRepo, QualityRepo, RunsRepo } from '../store';
import type { TrashService } from '../trash/service';
import type { FailureMode, FailureModesInEffect } from './failure-modes';

export interface ReviewHandlerDeps {
  outputs: OutputsRepo;
  runs: Pick<RunsRepo, 'rate'>;
  clock: Clock;
  /** The failure-mode catalog in effect (the shipped one, or the edits stored in settings). */
  modes: () => FailureMode[];
  /** The catalog in effect with the labels of removed reasons. */
  modesInEffect: () => FailureModesInEffect;
  /** Checks and stores an edited list (null drops the edits); returns the list now in effect. */
  saveModes: (modes: FailureMode[] | null) => FailureModesInEffect;
  trash: TrashService;
  /** The quality gate's flags, shown as "why flagged". */
  quality: Pick<QualityRepo, 'flags'>;
}

/**
 * The review queue's calls. Every change answers with the marks it replaced (`previous`), so the queue's
 * Z can write them back with `review.undo`, and with the counts the navigation shows.
 */
export function createReviewHandlers({
  outputs,
  runs,
  clock,
  modes,
  modesInEffect,
  saveModes,
  trash,
  quality,
}: ReviewHandlerDeps) {
  const counts = (): ReviewCounts => outputs.reviewCounts();
  function changed(ids: readonly number[], apply: () => void) {
    const previous: ReviewSnapshot[] = outputs.snapshot(ids);
    apply();
    return { previous, counts: counts() };
  }
  return {
    'review.modes': async () => modesInEffect(),
    'review.saveModes': async ({ modes: edited }: { modes: FailureMode[] }) => saveModes(edited),
    'review.resetModes': async () => saveModes(null),
    'review.counts': async () => counts(),
    'review.queue': async ({ limit, after }: { limit: number; after: number | null }) => {
      const items = outputs.pending(limit, after);
      const flags = quality.flags(items.map((item) => item.outputId));
      return {
        items: items.map((item) => ({ ...item, flags: flags.get(item.outputId) ?? [] })),
        counts: counts(),
      };
    },
    'review.decide': async ({
      outputIds,
      decision,
    }: {
      outputIds: number[];
      decision:
        | { status: 'approved'; approvalRef: string | null }
        | { status: 'rejected'; reason: string; note: string | null }
        | { status: 'pending' };
    }) => {
      if (decision.status === 'rejected' && !modes().some((m) => m.id === decision.reason)) {
        throw fieldError(['decision', 'reason'], `there is no failure mode "${decision.reason}"`);
      }
      return changed(outputIds, () => outputs.review(outputIds, decision, clock.now()));
    },
    'review.favorite': async ({ outputIds, favorite }: { outputIds: number[]; favorite: boolean }) =>
      changed(outputIds, () => outputs.setFavorite(outputIds, favorite)),
    'review.rate': async ({ outputId, rating }: { outputId: number; rating: number }) =>
      changed([outputId], () => runs.rate(outputId, rating, clock.now())),
    'trash.move': async ({
      runIds,
      outputIds,
      force,
    }: {
      runIds: number[];
      outputIds: number[];
      force: boolean;
    }) => trash.trash({ runIds, outputIds }, force),
    'trash.restore': async (target: { runIds: number[]; outputIds: number[] }) => trash.restore(target),
    'trash.list': async () => trash.list(),
    'trash.empty': async () => trash.empty(),
    'review.undo': async ({ previous }: { previous: ReviewSnapshot[] }) => {
      outputs.restore(previous, clock.now());
      return { counts: counts() };
    },
  };
}
