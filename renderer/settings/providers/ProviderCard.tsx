import { useId, useState } from 'react';
import type { AttemptOutcome, ProviderInfo, ProviderStatus } from '../../../shared/domain';
import { Badge, Button, ErrorCard, Icon, Meter } from '../../components';
import { errorLabel, readableError } from '../../lib/errors';
import { formatCount, formatCountdown, formatRelative, formatSpend, formatUsd } from '../../lib/format';
import { AllowanceEditor } from './AllowanceEditor';
import { useProviderStatusStore } from './store';

/** "OpenAI said the quota is exhausted", in the words of the attempt that flagged the key. */
function flagTitle(outcome: AttemptOutcome, name: string): string {
  switch (outcome) {
    case 'quota_exhausted':
      return `${name} said the quota is exhausted`;
    case 'auth_failed':
      return `${name} rejected the key`;
    case 'rate_limited':
      return `${name} is rate-limiting this key`;
    default:
      return `${name} flagged the key (${errorLabel(outcome)})`;
  }
}

function KeyState({
  status,
  info,
  now,
}: {
  status: ProviderStatus;
  info: ProviderInfo | undefined;
  now: number;
}) {
  const name = info?.name ?? status.provider;
  switch (status.key) {
    case 'ready':
      return (
        <>
          <Badge tone="success" icon="check">
            Key ready
          </Badge>
          {info?.key && <span className="pcard__sub">•••• {info.key.last4}</span>}
        </>
      );
    case 'missing':
      return (
        <>
          <Badge tone="neutral">No key</Badge>
          <span className="pcard__sub">Skipped in routes until a key is added.</span>
        </>
      );
    case 'no_server':
      return (
        <>
          <Badge tone="neutral">No server</Badge>
          <span className="pcard__sub">Add one under Local GPU to use it in routes.</span>
        </>
      );
    case 'not_needed':
      return (
        <>
          <Badge tone="neutral">No key needed</Badge>
          <span className="pcard__sub">Runs on your own server.</span>
        </>
      );
    case 'flagged':
      return (
        <>
          <Badge tone="danger" icon="alert">
            Key flagged
          </Badge>
          {status.flag && (
            <span className="pcard__flag">
              {flagTitle(status.flag.outcome, name)} — {formatRelative(status.flag.at, now)}
              {status.flag.message && <span className="pcard__flag-detail">{status.flag.message}</span>}
            </span>
          )}
        </>
      );
  }
}

function Health({ status, now }: { status: ProviderStatus; now: number }) {
  const { breaker } = status;
  if (breaker.state === 'closed') {
    return (
      <>
        <Badge tone="success">Healthy</Badge>
        <span className="pcard__sub">
          {breaker.recentFailures === 0
            ? 'No recent failures'
            : `${breaker.recentFailures} recent ${breaker.recentFailures === 1 ? 'failure' : 'failures'}`}
        </span>
      </>
    );
  }
  if (breaker.state === 'open') {
    return (
      <>
        <Badge tone="danger" icon="pause">
          Paused
        </Badge>
        <span className="pcard__sub">
          Breaker open after {breaker.recentFailures} failures
          {breaker.openUntil !== null ? `, retrying ${formatCountdown(breaker.openUntil, now)}` : ''}
        </span>
      </>
    );
  }
  return (
    <>
      <Badge tone="warning" icon="refresh">
        Half-open
      </Badge>
      <span className="pcard__sub">Trying one request to see if it recovered</span>
    </>
  );
}

function UsageLine({
  label,
  used,
  limit,
  meterLabel,
}: {
  label: string;
  used: number;
  limit: number | null;
  meterLabel: string;
}) {
  const text = limit === null ? `${formatCount(used)}` : `${formatCount(used)} / ${formatCount(limit)}`;
  return (
    <div className="pcard__usage">
      <div className="pcard__usage-top">
        <span className="pcard__usage-label">{label}</span>
        <span className="pcard__usage-value">
          {text}
          {limit === null && <span className="pcard__nolimit"> · no limit</span>}
        </span>
      </div>
      <Meter
        value={used}
        max={limit}
        label={meterLabel}
        valueText={limit === null ? `${used}, no limit` : `${used} of ${limit}`}
      />
    </div>
  );
}

/** One provider at a glance: its key, its health, how much of its allowance and budget is used. */
export function ProviderCard({
  status,
  info,
  now,
}: {
  status: ProviderStatus;
  info: ProviderInfo | undefined;
  now: number;
}) {
  const nameId = useId();
  const allowanceId = useId();
  const [editing, setEditing] = useState(false);
  const busy = useProviderStatusStore((s) => s.busy[status.provider]);
  const message = useProviderStatusStore((s) => s.messages[status.provider]);
  const resetBreaker = useProviderStatusStore((s) => s.resetBreaker);
  const name = info?.name ?? status.provider;
  const attention =
    status.key === 'flagged' || status.breaker.state !== 'closed'
      ? 'is-attention'
      : status.key === 'missing'
        ? 'is-idle'
        : '';

  return (
    <section className={`pcard ${attention}`} aria-labelledby={nameId}>
      <header className="pcard__head">
        <div className="pcard__who">
          <h3 className="pcard__name" id={nameId}>
            {name}
          </h3>
          {info?.kind === 'local' && <Badge>Local</Badge>}
          {info && !info.implemented && <Badge tone="neutral">Coming</Badge>}
        </div>
        <div className="pcard__tools">
          {status.breaker.state !== 'closed' && (
            <Button
              size="sm"
              icon="refresh"
              busy={busy === 'reset'}
              title={`Close ${name}'s breaker now and send it requests again`}
              onClick={() => void resetBreaker(status.provider)}
            >
              Reset
            </Button>
          )}
          <Button
            size="sm"
            variant="ghost"
            icon="sliders"
            aria-expanded={editing}
            aria-controls={allowanceId}
            onClick={() => setEditing(!editing)}
          >
            Allowance
          </Button>
        </div>
      </header>

      <div className="pcard__grid">
        <div className="pcard__cell">
          <span className="pcard__label">Key</span>
          <KeyState status={status} info={info} now={now} />
        </div>
        <div className="pcard__cell">
          <span className="pcard__label">Health</span>
          <Health status={status} now={now} />
        </div>
        <div className="pcard__cell">
          <span className="pcard__label">Usage</span>
          <UsageLine
            label="Last minute"
            used={status.usage.lastMinute}
            limit={status.limits.perMinute}
            meterLabel={`${name} requests in the last minute`}
          />
          <UsageLine
            label="Today"
            used={status.usage.today}
            limit={status.limits.perDay}
            meterLabel={`${name} requests today`}
          />
          <span className="pcard__sub">
            {status.usage.inFlight} in flight
            {status.limits.concurrency !== null ? ` of ${status.limits.concurrency} at once` : ''}
          </span>
        </div>
        <div className="pcard__cell">
          <span className="pcard__label">Spend</span>
          <div className="pcard__usage">
            <div className="pcard__usage-top">
              <span className="pcard__usage-label">Today</span>
              <span className="pcard__usage-value">
                {formatSpend(status.spend.todayUsd, status.spend.approx)}
                {status.budget.dailyUsd !== null && (
                  <span className="pcard__of"> / {formatUsd(status.budget.dailyUsd)}</span>
                )}
              </span>
            </div>
            <Meter
              value={status.spend.todayUsd}
              max={status.budget.dailyUsd}
              label={`${name} spend today`}
              valueText={`${formatSpend(status.spend.todayUsd, status.spend.approx)}${status.budget.dailyUsd !== null ? ` of ${formatUsd(status.budget.dailyUsd)}` : ', no budget'}`}
            />
          </div>
          <div className="pcard__usage">
            <div className="pcard__usage-top">
              <span className="pcard__usage-label">Month</span>
              <span className="pcard__usage-value">
                {formatSpend(status.spend.monthUsd, status.spend.approx)}
                {status.budget.monthlyUsd !== null && (
                  <span className="pcard__of"> / {formatUsd(status.budget.monthlyUsd)}</span>
                )}
              </span>
            </div>
            <Meter
              value={status.spend.monthUsd}
              max={status.budget.monthlyUsd}
              label={`${name} spend this month`}
              valueText={`${formatSpend(status.spend.monthUsd, status.spend.approx)}${status.budget.monthlyUsd !== null ? ` of ${formatUsd(status.budget.monthlyUsd)}` : ', no budget'}`}
            />
          </div>
        </div>
      </div>

      {message?.kind === 'error' && message.action === 'reset' && (
        <ErrorCard compact error={readableError(message.error, name, 'The breaker was not reset')} />
      )}
      {message?.kind === 'reset' && (
        <p className="ok-text pcard__note" aria-live="polite">
          <Icon name="check" size={14} /> Breaker closed: {name} gets requests again.
        </p>
      )}
      <div id={allowanceId} hidden={!editing}>
        {editing && <AllowanceEditor status={status} providerName={name} />}
      </div>
    </section>
  );
}
