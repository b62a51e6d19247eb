import { useEffect, useId, useState } from 'react';
import type { LocalServer } from '../../../shared/domain';
import { SERVER_SLOTS } from '../../../shared/limits';
import { useLocalServersStore } from '../../app/local-servers';
import { Badge, type BadgeTone, Button, Checkbox, ErrorCard } from '../../components';
import { readableError } from '../../lib/errors';
import { formatRelative } from '../../lib/format';

export const KIND_LABEL: Record<LocalServer['kind'], string> = { a1111: 'A1111 / Forge', comfyui: 'ComfyUI' };

const HEALTH: Record<LocalServer['health']['state'], { label: string; tone: BadgeTone }> = {
  unknown: { label: 'Not checked yet', tone: 'neutral' },
  healthy: { label: 'Healthy', tone: 'success' },
  unreachable: { label: 'Unreachable', tone: 'danger' },
  error: { label: 'Error', tone: 'warning' },
};

const ACTION_TITLE = {
  check: 'The server could not be checked',
  update: 'The change was not saved',
  remove: 'The server was not removed',
} as const;

function plural(n: number, one: string, many: string) {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/** One local server: where it is, whether it answers, what it offers, and how busy it is. */
export function ServerCard({ server, now }: { server: LocalServer; now: number }) {
  const titleId = useId();
  const slotsId = useId();
  const busy = useLocalServersStore((s) => s.busy[server.id]);
  const failure = useLocalServersStore((s) => s.errors[server.id]);
  const { update, remove, check } = useLocalServersStore.getState();
  const [slotsText, setSlotsText] = useState(String(server.slots));
  const [confirming, setConfirming] = useState(false);
  useEffect(() => setSlotsText(String(server.slots)), [server.slots]);

  const health = HEALTH[server.health.state];
  const { models, loras } = server.health;

  function commitSlots() {
    const n = Number(slotsText);
    if (!Number.isInteger(n) || n < SERVER_SLOTS.min || n > SERVER_SLOTS.max) {
      setSlotsText(String(server.slots));
      return;
    }
    if (n !== server.slots) void update({ id: server.id, slots: n });
  }

  return (
    <section className={server.enabled ? 'server' : 'server is-disabled'} aria-labelledby={titleId}>
      <header className="server__head">
        <div className="server__who">
          <h3 className="server__name" id={titleId}>
            {server.label}
          </h3>
          <Badge>{KIND_LABEL[server.kind]}</Badge>
          {!server.enabled && <Badge tone="neutral">Off</Badge>}
        </div>
        <Checkbox
          className="server__enabled"
          label="Enabled"
          checked={server.enabled}
          disabled={busy !== undefined}
          onChange={(enabled) => void update({ id: server.id, enabled })}
        />
      </header>
      <code className="server__url">{server.url}</code>

      <div className="server__grid">
        <div className="server__cell">
          <span className="pcard__label">Health</span>
          <span className="server__health">
            <Badge tone={health.tone}>{health.label}</Badge>
            {server.health.checkedAt !== null && (
              <span className="pcard__sub">checked {formatRelative(server.health.checkedAt, now)}</span>
            )}
          </span>
          {server.health.message && (
            <span className="pcard__sub server__message">{server.health.message}</span>
          )}
        </div>
        <div className="server__cell">
          <span className="pcard__label">Offers</span>
          {models.length + loras.length === 0 ? (
            <span className="pcard__sub">
              {server.health.state === 'healthy' ? 'No models reported' : '—'}
            </span>
          ) : (
            <details className="server__models">
              <summary className="server__models-summary">
                {plural(models.length, 'checkpoint', 'checkpoints')}
                {server.kind === 'a1111' ? ` · ${plural(loras.length, 'LoRA', 'LoRAs')}` : ''}
              </summary>
              <ul>
                {models.map((m) => (
                  <li key={`m-${m}`}>{m}</li>
                ))}
                {loras.map((l) => (
                  <li key={`l-${l}`} className="server__lora">
                    {l} <span className="muted">LoRA</span>
                  </li>
                ))}
              </ul>
            </details>
          )}
        </div>
        <div className="server__cell">
          <label className="pcard__label" htmlFor={slotsId}>
            Slots
          </label>
          <div className="server__slots">
            <input
              id={slotsId}
              className="input input--sm input--number"
              type="number"
              min={SERVER_SLOTS.min}
              max={SERVER_SLOTS.max}
              value={slotsText}
              onChange={(event) => setSlotsText(event.target.value)}
              onBlur={commitSlots}
              onKeyDown={(event) => {
                if (event.key === 'Enter') {
                  event.preventDefault();
                  commitSlots();
                }
              }}
            />
            <span className="pcard__sub">
              {server.inFlight} in flight of {server.slots}
            </span>
          </div>
        </div>
      </div>

      {failure && (
        <ErrorCard compact error={readableError(failure.error, server.label, ACTION_TITLE[failure.action])} />
      )}

      <div className="server__actions">
        <Button
          size="sm"
          icon="refresh"
          busy={busy === 'check'}
          disabled={busy !== undefined && busy !== 'check'}
          onClick={() => void check(server.id)}
        >
          Check now
        </Button>
        {confirming ? (
          <>
            <span className="server__confirm">Remove {server.label}? Past runs keep their record.</span>
            <Button
              size="sm"
              variant="danger"
              busy={busy === 'remove'}
              onClick={() => void remove(server.id)}
            >
              Remove server
            </Button>
            <Button size="sm" variant="ghost" onClick={() => setConfirming(false)}>
              Keep
            </Button>
          </>
        ) : (
          <Button
            size="sm"
            variant="ghost"
            icon="trash"
            disabled={busy !== undefined}
            onClick={() => setConfirming(true)}
          >
            Remove
          </Button>
        )}
      </div>
    </section>
  );
}
