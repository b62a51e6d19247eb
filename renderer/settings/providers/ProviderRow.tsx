import { useId } from 'react';
import type { ProviderInfo, ProviderStatus } from '../../../shared/domain';
import { useAppStore } from '../../app/store';
import { Badge, Button } from '../../components';
import { formatSpend } from '../../lib/format';

/** A provider not in use yet: one line saying why, and the way to change that. */
export function ProviderRow({ status, info }: { status: ProviderStatus; info: ProviderInfo | undefined }) {
  const nameId = useId();
  const go = useAppStore((s) => s.go);
  const name = info?.name ?? status.provider;
  const coming = info !== undefined && !info.implemented;
  const spent = status.spend.monthUsd > 0;
  return (
    <section className="prow" aria-labelledby={nameId}>
      <h3 className="prow__name" id={nameId}>
        {name}
      </h3>
      {info?.kind === 'local' && <Badge>Local</Badge>}
      {coming ? (
        <span className="prow__state">In a later version</span>
      ) : status.key === 'no_server' ? (
        <>
          <Badge tone="neutral">No server</Badge>
          <span className="prow__state">Skipped in routes until a server is added.</span>
          <Button
            size="sm"
            variant="ghost"
            icon="server"
            className="prow__action"
            onClick={() => go('settings', { tab: 'local' })}
          >
            Add server
          </Button>
        </>
      ) : (
        <>
          <Badge tone="neutral">No key</Badge>
          <span className="prow__state">Skipped in routes until a key is added.</span>
          {spent && (
            <span className="prow__state">
              {formatSpend(status.spend.monthUsd, status.spend.approx)} this month
            </span>
          )}
          <Button
            size="sm"
            variant="ghost"
            icon="key"
            className="prow__action"
            onClick={() => go('settings', { focusProvider: status.provider })}
          >
            Add key
          </Button>
        </>
      )}
    </section>
  );
}
