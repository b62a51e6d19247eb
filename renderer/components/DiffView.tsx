import { asText, diffWords } from '../lib/diff';
import './DiffView.css';

export interface DiffRow {
  label: string;
  before: unknown;
  after: unknown;
}

/** Field by field, what changed between two versions; unchanged fields fold into one line. */
export function DiffView({
  rows,
  beforeLabel,
  afterLabel,
  showUnchanged = false,
}: {
  rows: DiffRow[];
  beforeLabel: string;
  afterLabel: string;
  showUnchanged?: boolean;
}) {
  const compared = rows.map((row) => ({ ...row, a: asText(row.before), b: asText(row.after) }));
  const changed = compared.filter((row) => row.a !== row.b);
  const same = compared.filter((row) => row.a === row.b);
  return (
    <div className="diff">
      <p className="diff__legend">
        <span className="diff__swatch diff__swatch--removed" aria-hidden="true" /> {beforeLabel}
        <span className="diff__swatch diff__swatch--added" aria-hidden="true" /> {afterLabel}
      </p>
      {changed.length === 0 && <p className="muted">No differences: the two versions are the same.</p>}
      <dl className="diff__rows">
        {changed.map((row) => (
          <div key={row.label} className="diff__row">
            <dt className="diff__label">{row.label}</dt>
            <dd className="diff__text">
              {diffWords(row.a, row.b).map((part, index) =>
                part.kind === 'same' ? (
                  // biome-ignore lint/suspicious/noArrayIndexKey: parts are positional.
                  <span key={index}>{part.text}</span>
                ) : part.kind === 'added' ? (
                  // biome-ignore lint/suspicious/noArrayIndexKey: parts are positional.
                  <ins key={index} className="diff__add">
                    {part.text}
                  </ins>
                ) : (
                  // biome-ignore lint/suspicious/noArrayIndexKey: parts are positional.
                  <del key={index} className="diff__del">
                    {part.text}
                  </del>
                ),
              )}
            </dd>
          </div>
        ))}
        {showUnchanged &&
          same.map((row) => (
            <div key={row.label} className="diff__row diff__row--same">
              <dt className="diff__label">{row.label}</dt>
              <dd className="diff__text">{row.a || <span className="muted">empty</span>}</dd>
            </div>
          ))}
      </dl>
      {!showUnchanged && same.length > 0 && (
        <p className="diff__same">Unchanged: {same.map((row) => row.label).join(', ')}</p>
      )}
    </div>
  );
}
