// The quality gate's results in the run dialog: every check of every image, refreshed when new results land.
import { useEffect, useState } from 'react';
import type { QualityCheckRecord } from '../../shared/quality-contract';
import { api } from '../api';
import { QualityChecks } from '../components';

/** Every check result of a run's images, loaded once and again whenever new results land for the run. */
export function useRunChecks(runId: number): QualityCheckRecord[] {
  const [checks, setChecks] = useState<QualityCheckRecord[]>([]);
  useEffect(() => {
    let live = true;
    const load = () =>
      void api.call('quality.run', { runId }).then((result) => {
        if (live && result.ok) setChecks(result.value.checks);
      });
    load();
    const off = api.on('quality.checked', ({ runIds }) => {
      if (runIds.includes(runId)) load();
    });
    return () => {
      live = false;
      off();
    };
  }, [runId]);
  return checks;
}

export function RunQuality({
  checks,
  outputIds,
}: {
  checks: readonly QualityCheckRecord[];
  outputIds: readonly number[];
}) {
  const shown = outputIds.filter((id) => checks.some((c) => c.outputId === id));
  if (shown.length === 0) return null;
  return (
    <div className="detail__quality">
      {shown.map((id) => (
        <QualityChecks
          key={id}
          title={outputIds.length > 1 ? `Checks, image ${outputIds.indexOf(id) + 1}` : 'Checks'}
          checks={checks.filter((c) => c.outputId === id)}
        />
      ))}
    </div>
  );
}
