// "Apply mitigation to next Branch": the rejected output's run opens in Generate as a Branch (seed
// locked, parent recorded) with the failure mode's mitigation already in the request.
import type { GenerationRequest } from '../../shared/domain';
import type { AppErrorShape } from '../../shared/result';
import type { Mitigation } from '../../shared/review-contract';
import { api } from '../api';

/** The request with the mitigation applied: the group's terms joined to the negative prompt, or the provider pinned. */
export function applyMitigation(
  request: GenerationRequest,
  mitigation: Mitigation,
  groupTerms: readonly string[],
): GenerationRequest {
  if (mitigation.kind === 'provider') {
    const { model: _model, ...rest } = request;
    return { ...rest, provider: mitigation.provider };
  }
  const have = request.negativePrompt
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);
  const added = groupTerms.filter((t) => !have.includes(t.trim().toLowerCase()));
  const negativePrompt = [request.negativePrompt.trim(), ...added].filter(Boolean).join(', ');
  return { ...request, negativePrompt };
}

/** Builds the Branch request for a run; null with the error when the run or the group cannot be read. */
export async function mitigatedBranch(
  runId: number,
  mitigation: Mitigation,
): Promise<{ ok: true; request: GenerationRequest } | { ok: false; error: AppErrorShape }> {
  const run = await api.call('runs.get', { id: runId });
  if (!run.ok) return run;
  let terms: string[] = [];
  if (mitigation.kind === 'negativeGroup') {
    const groups = await api.call('negatives.list', {});
    if (!groups.ok) return groups;
    terms = groups.value.groups.find((g) => g.slug === mitigation.group)?.terms ?? [];
  }
  const made = run.value.requested ?? run.value.request;
  const base: GenerationRequest = {
    ...made,
    seed: run.value.seed ?? made.seed,
    model: made.provider ? (run.value.model ?? made.model ?? undefined) : undefined,
  };
  return { ok: true, request: applyMitigation(base, mitigation, terms) };
}
