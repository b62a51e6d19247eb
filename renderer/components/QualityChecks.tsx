import type { ProviderSafety } from '../../shared/domain';
import type { QualityCheckRecord, QualityFlag } from '../../shared/quality-contract';
import { QUALITY_CHECK_LABELS } from '../../shared/quality-labels';
import { Badge } from './Badge';
import { OutputSafety } from './OutputSafety';
import './QualityChecks.css';

const RESULT_LABEL = { pass: 'Passed', fail: 'Failed', not_run: 'Not run' } as const;
const RESULT_TONE = { pass: 'success', fail: 'danger', not_run: 'warning' } as const;

function textOf(details: Record<string, unknown>, key: string): string | null {
  const value = details[key];
  return typeof value === 'string' ? value : null;
}

/** Expected and read text side by side (the text-rendering check). */
export function TextDiff({ expected, read }: { expected: string; read: string }) {
  return (
    <section className="quality-diff" aria-label="Expected and read text">
      <div className="quality-diff__side">
        <span className="quality-diff__label">Expected</span>
        <pre className="quality-diff__text">{expected}</pre>
      </div>
      <div className="quality-diff__side">
        <span className="quality-diff__label">Read</span>
        <pre className="quality-diff__text">{read === '' ? '(nothing)' : read}</pre>
      </div>
    </section>
  );
}

/** The provider's own verdict recorded beside a check (the NSFW check's `providerFlag`), when there is one. */
export function providerFlagOf(check: Pick<QualityFlag, 'details'>): ProviderSafety | null {
  return check.details.providerFlag ?? null;
}

function scoreText(check: QualityFlag): string | null {
  if (check.score === null || check.threshold === null) return null;
  const pct = (n: number) => `${Math.round(n * 1000) / 10}%`;
  switch (check.check) {
    case 'size':
      return `off by ${pct(check.score)} (tolerance ${pct(check.threshold)})`;
    case 'blank':
      return `detail ${check.score.toFixed(1)} (at least ${check.threshold})`;
    case 'duplicate':
      return `${check.score} bits differ (at most ${check.threshold})`;
    case 'nsfw':
      return `${pct(check.score)} (threshold ${pct(check.threshold)})`;
    case 'text':
      return `edit distance ${pct(check.score)} (at most ${pct(check.threshold)})`;
  }
}

/**
 * A list of quality checks: each one's result, its reason, the measure against its threshold, the provider's
 * own verdict beside the NSFW check where it sent one, and, for the text check, the expected and read text
 * side by side. `flagsOnly` lists failed and not-run checks ("why flagged").
 */
export function QualityChecks({
  checks,
  title,
}: {
  checks: ReadonlyArray<QualityFlag | QualityCheckRecord>;
  title: string;
}) {
  if (checks.length === 0) return null;
  return (
    <section className="quality-checks" aria-label={title}>
      <h3 className="quality-checks__title">{title}</h3>
      <ul className="quality-checks__list">
        {checks.map((check) => {
          const expected = textOf(check.details, 'expected');
          const read = textOf(check.details, 'read');
          const measure = scoreText(check);
          const flag = providerFlagOf(check);
          return (
            <li key={check.check} className="quality-checks__item">
              <span className="quality-checks__head">
                <Badge tone={RESULT_TONE[check.result]}>{RESULT_LABEL[check.result]}</Badge>
                <span className="quality-checks__name">{QUALITY_CHECK_LABELS[check.check]}</span>
                {measure && <span className="quality-checks__measure">{measure}</span>}
              </span>
              {check.reason && <span className="quality-checks__reason">{check.reason}</span>}
              {flag && <OutputSafety safety={flag} />}
              {check.check === 'text' && expected !== null && read !== null && (
                <TextDiff expected={expected} read={read} />
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** One badge for a card: how many checks failed or could not run (nothing when all passed). */
export function QualityBadge({ flagged }: { flagged: number }) {
  if (flagged <= 0) return null;
  return (
    <Badge tone="warning" icon="alert">
      {flagged === 1 ? '1 check flagged' : `${flagged} checks flagged`}
    </Badge>
  );
}
