// Run actions (Reproduce exactly, Branch from seed, Reroll, Vary) and the run's lineage: the run it was
// made from, what it changed, and the runs made from it, each a link that opens that run.
import { useEffect, useId, useState } from 'react';
import type { Derivation, Reproducibility, RunDetail, RunSummary } from '../../shared/domain';
import type { RequestDifference } from '../../shared/lineage';
import type { AppErrorShape } from '../../shared/result';
import { api } from '../api';
import { send } from '../app/actions';
import { modelName, providerName, useCatalogStore } from '../app/catalog';
import { useAppStore } from '../app/store';
import { Button, ErrorCard } from '../components';
import { readableError } from '../lib/errors';
import { TrashQuestionBar, useTrashFlow } from './trash-flow';

const DERIVATION_LABEL: Record<Derivation, string> = {
  reproduce: 'Reproduction',
  branch: 'Branch',
  reroll: 'Reroll',
  vary: 'Variation',
};

interface Lineage {
  parent: RunSummary | null;
  children: RunSummary[];
  differences: RequestDifference[];
}

/** The run's request as the designer made it, ready for Generate: its seed (the one used) locked. */
function madeRequest(detail: RunDetail) {
  const made = detail.requested ?? detail.request;
  return {
    ...made,
    seed: detail.seed ?? made.seed,
    model: made.provider ? (detail.model ?? made.model ?? undefined) : undefined,
  };
}

export function RunActions({ detail }: { detail: RunDetail }) {
  const go = useAppStore((s) => s.go);
  const openRun = useAppStore((s) => s.openRun);
  const closeRun = useAppStore((s) => s.closeRun);
  const [verdict, setVerdict] = useState<Reproducibility | null>(null);
  const [error, setError] = useState<AppErrorShape | null>(null);
  const trash = useTrashFlow();
  const whyId = useId();

  // Asked again when the run's status changes: a run still drawing has nothing to reproduce yet.
  const { id: runId, status } = detail;
  useEffect(() => {
    let live = true;
    setVerdict(null);
    if (status === 'queued' || status === 'running') return;
    void api.call('generation.reproducibility', { runId }).then((result) => {
      if (live && result.ok) setVerdict(result.value);
    });
    return () => {
      live = false;
    };
  }, [runId, status]);

  function openGenerate(derivation: 'branch' | 'vary') {
    send('generate.reuseRequest', {
      request: madeRequest(detail),
      fromRunId: detail.id,
      styleVersionId: detail.requested ? null : (detail.styleVersionId ?? null),
      derivation,
    });
    closeRun();
    go('generate');
  }

  async function derive(name: 'generation.reproduce' | 'generation.reroll') {
    setError(null);
    const result = await api.call(name, { runId: detail.id });
    if (result.ok) openRun(result.value.runId);
    else setError(result.error);
  }

  const seeded = (detail.seed ?? detail.request.seed) != null;
  const cannot = verdict !== null && !verdict.reproducible;
  return (
    <div className="lineage-actions">
      <div className="detail__actions">
        <Button
          variant="primary"
          icon="reuse"
          disabled={!seeded}
          title={seeded ? 'Open Generate with everything from this run, seed locked' : 'This run has no seed'}
          onClick={() => openGenerate('branch')}
        >
          Branch from seed
        </Button>
        <Button
          variant="secondary"
          disabled={!seeded}
          title="Same seed: change one thing (a prompt word, a variable, strength, steps, guidance or the style)"
          onClick={() => openGenerate('vary')}
        >
          Vary
        </Button>
        <Button
          variant="secondary"
          icon="refresh"
          title="Same everything, a new seed"
          onClick={() => void derive('generation.reroll')}
        >
          Reroll
        </Button>
        <Button
          variant="secondary"
          disabled={verdict === null || cannot}
          aria-describedby={cannot ? whyId : undefined}
          title="Same provider, model, seed and parameters"
          onClick={() => void derive('generation.reproduce')}
        >
          Reproduce exactly
        </Button>
        <Button
          variant="ghost"
          icon="trash"
          onClick={() => trash.move({ runIds: [detail.id], outputIds: [] }, closeRun)}
        >
          Move to trash
        </Button>
      </div>
      <TrashQuestionBar flow={trash} />
      {cannot && (
        <div className="notice notice--warning notice--tight" id={whyId}>
          <span>
            <strong>Cannot reproduce exactly.</strong> {verdict.reasons.join(' ')}
          </span>
        </div>
      )}
      {error && <ErrorCard compact error={readableError(error)} />}
    </div>
  );
}

function RunLink({ run, onOpen }: { run: RunSummary; onOpen(id: number): void }) {
  return (
    <button type="button" className="lineage__link" onClick={() => onOpen(run.id)}>
      Run {run.id}
      <span className="lineage__prompt">{run.prompt}</span>
    </button>
  );
}

export function RunLineage({ detail }: { detail: RunDetail }) {
  const openRun = useAppStore((s) => s.openRun);
  const providers = useCatalogStore((s) => s.providers);
  const [lineage, setLineage] = useState<Lineage | null>(null);
  const headingId = useId();

  useEffect(() => {
    let live = true;
    void api.call('runs.lineage', { id: detail.id }).then((result) => {
      if (live && result.ok) setLineage(result.value);
    });
    return () => {
      live = false;
    };
  }, [detail]);

  if (!lineage || (lineage.parent === null && lineage.children.length === 0)) return null;
  // Provider and model are shown by their names, never their ids.
  const shown = (d: RequestDifference, side: 'parent' | 'child') => {
    if (d.field === 'provider') return providerName(providers, d[side]);
    if (d.field === 'model') {
      const provider = side === 'child' ? detail.provider : (lineage.parent?.provider ?? '');
      return d[side] ? modelName(providers, provider, d[side]) : 'default';
    }
    return d[side];
  };
  return (
    <section className="lineage" aria-labelledby={headingId}>
      <h3 className="detail__h3" id={headingId}>
        Lineage
      </h3>
      {lineage.parent && (
        <p className="lineage__row">
          {DERIVATION_LABEL[detail.derivation ?? 'branch']} of{' '}
          <RunLink run={lineage.parent} onOpen={openRun} />
        </p>
      )}
      {lineage.parent && lineage.differences.length > 0 && (
        <dl className="lineage__diff" aria-label="Differs from parent">
          {lineage.differences.map((d) => (
            <div key={d.label} className="lineage__diff-row">
              <dt>{d.label}</dt>
              <dd>
                <del>{shown(d, 'parent')}</del> → <ins>{shown(d, 'child')}</ins>
              </dd>
            </div>
          ))}
        </dl>
      )}
      {lineage.parent && lineage.differences.length === 0 && (
        <p className="muted lineage__row">Same settings as its parent.</p>
      )}
      {lineage.children.length > 0 && (
        <>
          <p className="lineage__row muted">Made from this run</p>
          <ul className="lineage__children">
            {lineage.children.map((child) => (
              <li key={child.id}>
                <span className="lineage__kind">{DERIVATION_LABEL[child.derivation ?? 'branch']}</span>
                <RunLink run={child} onOpen={openRun} />
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
