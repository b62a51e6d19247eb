import { distance as levenshtein } from 'fastest-levenshtein';
import {
  type AspectRatio,
  notableSafetyRatings,
  PROVIDER_SAFETY_SOURCES,
  type ProviderSafety,
  safetyRatingWords,
} from '../../../shared/domain';
import type {
  QualityCheckId,
  QualityCheckRecord,
  QualitySettings,
  ReferenceCheckRecord,
} from '../../../shared/quality-contract';
import type { ImageFacts } from './measure';
import type { HashEntry, HashMatch, PhashIndex } from './phash-index';

/**
 * The judging half of the gate: pure functions from measured facts, the request and the settings to one
 * record per check. Each check names its version; bump it when its rule changes so old results read as such.
 */
export const CHECK_VERSIONS: Record<QualityCheckId, string> = {
  size: 'size@1',
  blank: 'blank@1',
  duplicate: 'phash-mih@1',
  nsfw: 'nsfw@2',
  text: 'ocr-levenshtein@2',
};

export interface JudgeInput {
  outputId: number;
  runId: number;
  facts: ImageFacts;
  /** Which checks run on this output (the route's list in Settings → Quality). */
  checks: ReadonlySet<QualityCheckId>;
  settings: QualitySettings;
  /** What the request asked for: an exact size or an aspect ratio. */
  requested: { size: { width: number; height: number } | null; aspectRatio: AspectRatio | null };
  /** The size the provider's model makes for this request (its snapped size); null when unknown. */
  snapped: { width: number; height: number } | null;
  /** The quoted text the prompt asks for (empty: the text check does not apply). */
  expectedText: readonly string[];
  /** The near-duplicate index; the output itself and its run's siblings are skipped. */
  index: Pick<PhashIndex, 'nearest'>;
  /** The provider's own safety verdict, when it sent one (recorded beside the NSFW result; a flag fails it). */
  providerFlag?: ProviderSafety | null;
  now: number;
}

type Verdict = Omit<QualityCheckRecord, 'outputId' | 'checkedAt'>;

export function judge(input: JudgeInput): QualityCheckRecord[] {
  const verdicts: Verdict[] = [];
  const { checks } = input;
  if (checks.has('size')) verdicts.push(judgeSize(input));
  if (checks.has('blank')) verdicts.push(judgeBlank(input));
  if (checks.has('duplicate')) verdicts.push(judgeDuplicate(input));
  if (checks.has('nsfw')) verdicts.push(judgeNsfw(input));
  if (checks.has('text') && input.expectedText.length > 0) verdicts.push(judgeText(input));
  return verdicts.map((v) => ({ ...v, outputId: input.outputId, checkedAt: input.now }));
}

function ratioOf(aspect: AspectRatio): number {
  const [w, h] = aspect.split(':').map(Number);
  return w! / h!;
}

function judgeSize({ facts, requested, snapped, settings }: JudgeInput): Verdict {
  const tolerance = settings.sizeTolerance;
  const made = `${facts.width}×${facts.height}`;
  const off = (want: { width: number; height: number }) =>
    Math.max(
      Math.abs(facts.width - want.width) / want.width,
      Math.abs(facts.height - want.height) / want.height,
    );
  const base = { check: 'size' as const, threshold: tolerance, version: CHECK_VERSIONS.size };
  if (requested.size) {
    const candidates = [requested.size, ...(snapped ? [snapped] : [])];
    const score = Math.min(...candidates.map(off));
    const asked = `${requested.size.width}×${requested.size.height}`;
    const details = {
      made: { width: facts.width, height: facts.height },
      requested: requested.size,
      snapped,
    };
    if (score <= tolerance) return { ...base, result: 'pass', score, reason: null, details };
    const also =
      snapped && (snapped.width !== requested.size.width || snapped.height !== requested.size.height)
        ? ` (the provider makes ${snapped.width}×${snapped.height} for it)`
        : '';
    return { ...base, result: 'fail', score, reason: `Made ${made}, asked for ${asked}${also}.`, details };
  }
  const aspect = requested.aspectRatio ?? '1:1';
  const want = ratioOf(aspect);
  const ratio = facts.width / facts.height;
  // The provider's own size for this ratio may differ from the exact ratio (e.g. 1344×768 for 16:9).
  const targets = [want, ...(snapped ? [snapped.width / snapped.height] : [])];
  const score = Math.min(...targets.map((t) => Math.abs(ratio - t) / t));
  const details = { made: { width: facts.width, height: facts.height }, aspectRatio: aspect, snapped };
  if (score <= tolerance) return { ...base, result: 'pass', score, reason: null, details };
  return {
    ...base,
    result: 'fail',
    score,
    reason: `Made ${made} (${ratio.toFixed(2)}:1), asked for ${aspect}.`,
    details,
  };
}

function colourName(mean: number[]): string {
  const [r = 0, g = r, b = r] = mean;
  const light = (r + g + b) / 3;
  if (light < 24) return 'black';
  if (light > 232) return 'white';
  const hex = [r, g, b].map((c) => Math.round(c).toString(16).padStart(2, '0')).join('');
  return `a flat colour (#${hex})`;
}

function judgeBlank({ facts, settings }: JudgeInput): Verdict {
  const threshold = settings.blankMinDetail;
  const base = { check: 'blank' as const, score: facts.detail, threshold, version: CHECK_VERSIONS.blank };
  const details = { mean: facts.mean.map((m) => Math.round(m)) };
  if (facts.detail >= threshold) return { ...base, result: 'pass', reason: null, details };
  return {
    ...base,
    result: 'fail',
    reason: `The frame is almost blank: ${colourName(facts.mean)} with hardly any detail.`,
    details,
  };
}

function judgeDuplicate({ facts, settings, index, outputId, runId }: JudgeInput): Verdict {
  const threshold = settings.duplicateMaxDistance;
  const skip = (e: HashEntry) => e.kind === 'output' && (e.id === outputId || e.runId === runId);
  const match: HashMatch | null = index.nearest(facts.phash, threshold, skip);
  const base = { check: 'duplicate' as const, threshold, version: CHECK_VERSIONS.duplicate };
  if (!match) return { ...base, result: 'pass', score: null, reason: null, details: { phash: facts.phash } };
  const duplicateOf =
    match.kind === 'output' ? { outputId: match.id, runId: match.runId } : { referenceId: match.id };
  const what = match.kind === 'output' ? `output ${match.id} of run ${match.runId}` : `reference ${match.id}`;
  return {
    ...base,
    result: 'fail',
    score: match.distance,
    reason: `Nearly the same image as ${what} (${match.distance} of 64 bits differ).`,
    details: { phash: facts.phash, duplicateOf },
  };
}

function notRun(
  check: QualityCheckId,
  error: { message: string; details?: Record<string, unknown> },
): Verdict {
  const cause = typeof error.details?.cause === 'string' ? error.details.cause : error.message;
  return {
    check,
    result: 'not_run',
    score: null,
    threshold: null,
    version: CHECK_VERSIONS[check],
    reason: `Not run: the ${check === 'nsfw' ? 'NSFW' : 'OCR'} model could not load (${cause}). A person must look.`,
    details: { cause, code: 'model_unavailable' },
  };
}

function judgeNsfw({ facts, settings, providerFlag }: JudgeInput): Verdict {
  return besideProviderFlag(judgeNsfwModel(facts.nsfw, settings), providerFlag ?? null);
}

/** The NSFW model's verdict alone, from its scores and the per-category thresholds. */
function judgeNsfwModel(answer: ImageFacts['nsfw'], settings: QualitySettings): Verdict {
  if (!answer) return notRun('nsfw', { message: 'the model was not asked' });
  if (!answer.ok) return notRun('nsfw', answer.error);
  const version = `${CHECK_VERSIONS.nsfw}/${answer.version}`;
  let worst: { category: string; score: number; threshold: number } | null = null;
  for (const [category, threshold] of Object.entries(settings.nsfwThresholds)) {
    const score = answer.scores[category];
    if (score === undefined) continue;
    const ratio = score / Math.max(threshold, 1e-9);
    if (!worst || ratio > worst.score / Math.max(worst.threshold, 1e-9))
      worst = { category, score, threshold };
  }
  const details = { scores: answer.scores };
  if (!worst) {
    return {
      check: 'nsfw',
      result: 'not_run',
      score: null,
      threshold: null,
      version,
      reason: 'Not run: the NSFW model scores none of the categories Settings → Quality has thresholds for.',
      details: { ...details, cause: 'no category with a threshold' },
    };
  }
  const failed = worst.score >= worst.threshold;
  return {
    check: 'nsfw',
    result: failed ? 'fail' : 'pass',
    score: worst.score,
    threshold: worst.threshold,
    version,
    reason: failed
      ? `Classified "${worst.category}" at ${percent(worst.score)} (threshold ${percent(worst.threshold)}).`
      : null,
    details: { ...details, category: worst.category },
  };
}

const percent = (n: number) => `${Math.round(n * 100)}%`;

/**
 * The provider's own verdict recorded beside the model's (`details.providerFlag`). A provider that flagged the
 * image fails the check whatever the model said, and the reason says who flagged it; a provider that did not
 * flag it never turns the model's failure (or its not running) into a pass.
 */
function besideProviderFlag(verdict: Verdict, flag: ProviderSafety | null): Verdict {
  if (!flag) return verdict;
  const details = { ...verdict.details, providerFlag: flag };
  if (!flag.flagged) return { ...verdict, details };
  const ratings = notableSafetyRatings(flag).map(safetyRatingWords);
  const flagged = `Flagged by ${PROVIDER_SAFETY_SOURCES[flag.field]}${ratings.length > 0 ? ` (${ratings.join(', ')})` : ''}`;
  const flaggedBy = { ...details, flaggedBy: 'provider' };
  if (verdict.result === 'fail') return { ...verdict, reason: `${verdict.reason} ${flagged} too.`, details };
  if (verdict.result === 'pass') {
    const category = typeof verdict.details.category === 'string' ? verdict.details.category : 'any category';
    const under =
      verdict.score === null || verdict.threshold === null
        ? ''
        : ` (highest "${category}" at ${percent(verdict.score)}, threshold ${percent(verdict.threshold)})`;
    return {
      ...verdict,
      result: 'fail',
      reason: `${flagged}, though the NSFW model scored it under its thresholds${under}. A person must look.`,
      details: flaggedBy,
    };
  }
  const cause = typeof verdict.details.cause === 'string' ? verdict.details.cause : 'unknown';
  return {
    ...verdict,
    result: 'fail',
    reason: `${flagged}; the NSFW model did not run (${cause}). A person must look.`,
    details: flaggedBy,
  };
}

/** The NSFW verdict on an imported reference image (no provider made it, so no provider flag). */
export function judgeReferenceNsfw(
  facts: Pick<ImageFacts, 'nsfw'>,
  settings: QualitySettings,
  now: number,
): ReferenceCheckRecord {
  return { ...judgeNsfwModel(facts.nsfw, settings), checkedAt: now };
}

/** Text quoted in a prompt: "…", “…”, «…», „…“ (at least one letter or digit inside). */
export function quotedText(prompt: string): string[] {
  const found: string[] = [];
  const pattern = /"([^"]+)"|“([^”]+)”|«([^»]+)»|„([^“”]+)[“”]/g;
  for (const match of prompt.matchAll(pattern)) {
    const text = (match[1] ?? match[2] ?? match[3] ?? match[4] ?? '').trim();
    if (/[\p{L}\p{N}]/u.test(text)) found.push(text);
  }
  return found;
}

/**
 * Case, width forms (NFKC) and white space do not count against the rendering. White space is left out
 * altogether: OCR does not always see the gap between two words ("OPEN 24/7" is read "OPEN24/7").
 */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toUpperCase().replace(/\s+/g, '');
}

/** Normalized edit distance: 0 for the same text, 1 for nothing in common. */
export function textDistance(expected: string, read: string): number {
  const a = normalizeText(expected);
  const b = normalizeText(read);
  const longest = Math.max(a.length, b.length);
  return longest === 0 ? 0 : levenshtein(a, b) / longest;
}

const LOW_CONFIDENCE = 0.5;

function judgeText({ facts, settings, expectedText }: JudgeInput): Verdict {
  const answer = facts.ocr;
  const expected = expectedText.join('\n');
  if (!answer) return notRun('text', { message: 'the model was not asked' });
  if (!answer.ok) {
    const verdict = notRun('text', answer.error);
    return { ...verdict, details: { ...verdict.details, expected } };
  }
  const read = answer.lines.map((l) => l.text).join('\n');
  const threshold = settings.textMaxDistance;
  const score = textDistance(expectedText.join(' '), answer.lines.map((l) => l.text).join(' '));
  const confidence =
    answer.lines.length === 0
      ? 0
      : answer.lines.reduce((sum, l) => sum + l.confidence, 0) / answer.lines.length;
  const version = `${CHECK_VERSIONS.text}/${answer.version}`;
  const details = { expected, read, confidence };
  const verdict = { check: 'text' as const, score, threshold, version, details };
  if (score > threshold) {
    const reason =
      read.trim() === ''
        ? `No text could be read; the prompt asks for "${expected}".`
        : `The text reads "${read.replace(/\n/g, ' ')}", the prompt asks for "${expectedText.join(' ')}".`;
    return { ...verdict, result: 'fail', reason };
  }
  if (confidence < LOW_CONFIDENCE) {
    // Matching text read with little confidence is not proof: fail closed into review.
    const reason = `The text matched but was read with low confidence (${Math.round(confidence * 100)}%); a person must look.`;
    return { ...verdict, result: 'fail', reason };
  }
  return { ...verdict, result: 'pass', reason: null };
}
