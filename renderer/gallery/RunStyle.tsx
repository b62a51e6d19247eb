import { useEffect, useState } from 'react';
import type { StyleVersion } from '../../shared/library-contract';
import { api } from '../api';
import { send } from '../app/actions';
import { useAppStore } from '../app/store';
import { Badge } from '../components';

/** The exact style version a run used: it never follows later edits of the style. */
export function RunStyle({ versionId }: { versionId: number }) {
  const [version, setVersion] = useState<StyleVersion | null>(null);
  const [missing, setMissing] = useState(false);
  useEffect(() => {
    let live = true;
    void api.call('styles.getVersion', { versionId }).then((result) => {
      if (!live) return;
      if (result.ok) setVersion(result.value);
      else setMissing(true);
    });
    return () => {
      live = false;
    };
  }, [versionId]);
  if (missing) return <span className="muted">style version {versionId} (no longer available)</span>;
  if (!version) return <span className="muted">…</span>;
  return (
    <span className="run-style">
      <button
        type="button"
        className="link"
        onClick={() => {
          useAppStore.getState().closeRun();
          useAppStore.getState().go('styles');
          send('styles.open', { styleId: version.styleId });
        }}
      >
        {version.fields.name}
      </button>{' '}
      <span className="run-style__version">version {version.version}</span>{' '}
      {version.fields.status === 'approved' && <Badge tone="success">Approved</Badge>}
      {version.fields.status === 'deprecated' && <Badge tone="warning">Deprecated</Badge>}
      {version.fields.status === 'draft' && <Badge>Draft</Badge>}
    </span>
  );
}
