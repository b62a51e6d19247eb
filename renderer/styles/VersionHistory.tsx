import { useEffect, useState } from 'react';
import type { VersionDiff } from '../../shared/library-contract';
import type { AppErrorShape } from '../../shared/result';
import { api } from '../api';
import { Badge, Button, DiffView, ErrorCard, Spinner } from '../components';
import { readableError } from '../lib/errors';
import { formatDateTime } from '../lib/format';
import { STATUS_LABEL, STATUS_TONE } from './model';
import { useStylesStore } from './store';

const FIELD_LABEL: Record<string, string> = {
  name: 'Name',
  owner: 'Owner',
  description: 'Description',
  tags: 'Tags',
  styleTokens: 'Style tokens',
  negativeGroups: 'Negative groups',
  negativeTerms: 'Negative terms',
  defaults: 'Defaults',
  preferredRoute: 'Preferred route',
  overrides: 'Provider overrides',
  templateId: 'Template',
  referencePaths: 'References',
  status: 'Status',
  deprecatedOn: 'Deprecated on',
  successorId: 'Successor',
};

/** Every version, newest first: compare any two, revert to any (which saves a new version). */
export function VersionHistory() {
  const detail = useStylesStore((s) => s.detail);
  const saving = useStylesStore((s) => s.saving);
  const versions = detail?.versions ?? [];
  const newest = versions.reduce((max, v) => (v.version > (max?.version ?? 0) ? v : max), versions[0]);
  const [from, setFrom] = useState<number | null>(null);
  const [to, setTo] = useState<number | null>(null);
  const [diff, setDiff] = useState<VersionDiff | null>(null);
  const [error, setError] = useState<AppErrorShape | null>(null);
  const [loading, setLoading] = useState(false);

  // Default comparison: the newest version against the one before it.
  useEffect(() => {
    const sorted = [...versions].sort((a, b) => b.version - a.version);
    setTo(sorted[0]?.versionId ?? null);
    setFrom(sorted[1]?.versionId ?? null);
  }, [versions]);

  useEffect(() => {
    if (from === null || to === null || from === to) {
      setDiff(null);
      return;
    }
    let live = true;
    setLoading(true);
    void api.call('styles.diff', { fromVersionId: from, toVersionId: to }).then((result) => {
      if (!live) return;
      setLoading(false);
      if (result.ok) {
        setDiff(result.value);
        setError(null);
      } else setError(result.error);
    });
    return () => {
      live = false;
    };
  }, [from, to]);

  if (!detail) return null;
  const sorted = [...versions].sort((a, b) => b.version - a.version);

  return (
    <div className="versions">
      <table className="versions__table">
        <caption className="visually-hidden">Versions of {detail.name}</caption>
        <thead>
          <tr>
            <th scope="col" className="versions__cell versions__head">
              Version
            </th>
            <th scope="col" className="versions__cell versions__head">
              Saved
            </th>
            <th scope="col" className="versions__cell versions__head">
              Note
            </th>
            <th scope="col" className="versions__cell versions__head">
              Status
            </th>
            <th scope="col" className="versions__cell versions__head">
              Compare
            </th>
            <th scope="col" className="versions__cell versions__head">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((version) => (
            <tr
              key={version.versionId}
              className={version.versionId === newest?.versionId ? 'is-latest' : ''}
            >
              <th scope="row" className="versions__cell">
                v{version.version}
                {version.versionId === newest?.versionId && <span className="muted"> (latest)</span>}
              </th>
              <td className="versions__cell">{formatDateTime(version.createdAt)}</td>
              <td className="versions__cell versions__note">{version.note || '—'}</td>
              <td className="versions__cell">
                <Badge tone={STATUS_TONE[version.status]}>{STATUS_LABEL[version.status]}</Badge>
              </td>
              <td className="versions__cell versions__compare">
                <label>
                  <input
                    type="radio"
                    name="diff-from"
                    checked={from === version.versionId}
                    onChange={() => setFrom(version.versionId)}
                    aria-label={`Compare from version ${version.version}`}
                  />
                  from
                </label>
                <label>
                  <input
                    type="radio"
                    name="diff-to"
                    checked={to === version.versionId}
                    onChange={() => setTo(version.versionId)}
                    aria-label={`Compare to version ${version.version}`}
                  />
                  to
                </label>
              </td>
              <td className="versions__cell">
                {version.versionId !== newest?.versionId && (
                  <Button
                    size="sm"
                    variant="ghost"
                    icon="reuse"
                    busy={saving}
                    aria-label={`Revert to version ${version.version}`}
                    onClick={() => void useStylesStore.getState().revert(version.versionId)}
                  >
                    Revert
                  </Button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <section className="versions__diff" aria-labelledby="diff-title" aria-busy={loading || undefined}>
        <h3 className="editor__h3" id="diff-title">
          {diff ? `Changes from v${diff.from.version} to v${diff.to.version}` : 'Changes'}
          {loading && <Spinner size={12} />}
        </h3>
        {error && <ErrorCard compact error={readableError(error)} />}
        {versions.length < 2 && <p className="muted">Only one version so far. Each save adds one.</p>}
        {from !== null && from === to && <p className="muted">Pick two different versions to compare.</p>}
        {diff && (
          <DiffView
            beforeLabel={`v${diff.from.version}`}
            afterLabel={`v${diff.to.version}`}
            rows={diff.changes.map((change) => ({
              label: FIELD_LABEL[change.field] ?? change.field,
              before: change.before,
              after: change.after,
            }))}
          />
        )}
      </section>
    </div>
  );
}
