import { useEffect, useId, useRef, useState } from 'react';
import type { NegativeGroup } from '../../../shared/library-contract';
import type { AppErrorShape } from '../../../shared/result';
import type { FailureMode } from '../../../shared/review-contract';
import { api } from '../../api';
import { useCatalogStore } from '../../app/catalog';
import { Badge, Button, ErrorCard, Icon, Select, type SelectOption, Spinner } from '../../components';
import { readableError } from '../../lib/errors';
import {
  checkDrafts,
  DESCRIPTION_MAX,
  type DraftMode,
  fromDrafts,
  LABEL_MAX,
  type MitigationKind,
  MODES_MAX,
  type ModeField,
  newModeKey,
  placeIssues,
  sameAsSaved,
  toDrafts,
} from './modes-draft';
import './failure-modes.css';

const KIND_OPTIONS: SelectOption[] = [
  { value: 'none', label: 'No mitigation' },
  { value: 'negativeGroup', label: 'Add a negative group' },
  { value: 'provider', label: 'Switch to a provider' },
];

type Message = { kind: 'saved' } | { kind: 'reset' } | { kind: 'error'; error: AppErrorShape };
type FocusTarget = { key: number; control: 'up' | 'down' | 'remove' | 'label' } | { control: 'add' };

/**
 * Settings → Review: the failure-mode catalog reviewers reject with, in the reject menu's order. Each reason
 * can carry a mitigation, a negative group of the library or a provider, that "Apply mitigation to next
 * Branch" puts in the next request.
 */
export function FailureModesPanel() {
  const providers = useCatalogStore((s) => s.providers);
  const [saved, setSaved] = useState<FailureMode[] | null>(null);
  const [drafts, setDrafts] = useState<DraftMode[]>([]);
  const [groups, setGroups] = useState<NegativeGroup[] | null>(null);
  const [loadError, setLoadError] = useState<AppErrorShape | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const [busy, setBusy] = useState<'saving' | 'resetting' | null>(null);
  const [confirmReset, setConfirmReset] = useState(false);
  const [tried, setTried] = useState(false);
  const listRef = useRef<HTMLOListElement>(null);
  const addRef = useRef<HTMLButtonElement>(null);
  const pendingFocus = useRef<FocusTarget | null>(null);
  const titleId = useId();

  useEffect(() => {
    void api.call('review.modes', {}).then((result) => {
      if (!result.ok) return setLoadError(result.error);
      setSaved(result.value.modes);
      setDrafts(toDrafts(result.value.modes));
    });
    void api.call('negatives.list', {}).then((result) => {
      if (result.ok) setGroups(result.value.groups);
      else setLoadError(result.error);
    });
  }, []);

  // Keyboard users keep their place: focus follows the reason that moved, or lands next to what was removed.
  useEffect(() => {
    const target = pendingFocus.current;
    if (!target) return;
    pendingFocus.current = null;
    if (target.control === 'add') return addRef.current?.focus();
    const item = listRef.current?.querySelector<HTMLElement>(`[data-mode="${target.key}"]`);
    const wanted = item?.querySelector<HTMLElement>(`[data-control="${target.control}"]`);
    const element =
      wanted && !(wanted as HTMLButtonElement).disabled
        ? wanted
        : item?.querySelector<HTMLElement>('[data-control="label"]');
    element?.focus();
  });

  if (!saved) {
    return (
      <section className="settings__section" aria-labelledby={titleId}>
        <h2 className="settings__h2" id={titleId}>
          Failure modes
        </h2>
        {loadError ? <ErrorCard compact error={readableError(loadError)} /> : <Spinner size={16} />}
      </section>
    );
  }

  const dirty = !sameAsSaved(drafts, saved);
  const check = checkDrafts(
    drafts,
    groups ? groups.map((g) => g.slug) : null,
    providers.length > 0 ? providers.map((p) => p.id) : null,
  );
  const server =
    message?.kind === 'error' && message.error.code === 'invalid_input' && message.error.issues
      ? placeIssues(message.error.issues, drafts)
      : null;
  const blocked = check.general !== null || check.modes.size > 0;

  const edit = (fn: (d: DraftMode[]) => DraftMode[]) => {
    setDrafts(fn);
    if (message) setMessage(null);
  };
  const patch = (key: number, change: Partial<DraftMode>) =>
    edit((d) => d.map((m) => (m.key === key ? { ...m, ...change } : m)));

  function move(index: number, delta: -1 | 1, control: 'up' | 'down') {
    const to = index + delta;
    if (to < 0 || to >= drafts.length) return;
    pendingFocus.current = { key: drafts[index]!.key, control };
    edit((d) => {
      const next = [...d];
      const [mode] = next.splice(index, 1);
      next.splice(to, 0, mode!);
      return next;
    });
  }

  function remove(index: number) {
    const next = drafts[index + 1] ?? drafts[index - 1];
    pendingFocus.current = next ? { key: next.key, control: 'remove' } : { control: 'add' };
    edit((d) => d.filter((_, i) => i !== index));
  }

  function add() {
    const key = newModeKey();
    pendingFocus.current = { key, control: 'label' };
    edit((d) => [...d, { key, id: '', label: '', description: '', kind: 'none', group: '', provider: '' }]);
  }

  async function save() {
    setTried(true);
    if (blocked) return;
    setBusy('saving');
    setMessage(null);
    const result = await api.call('review.saveModes', { modes: fromDrafts(drafts) });
    setBusy(null);
    if (!result.ok) return setMessage({ kind: 'error', error: result.error });
    setSaved(result.value.modes);
    setDrafts(toDrafts(result.value.modes));
    setTried(false);
    setMessage({ kind: 'saved' });
  }

  async function reset() {
    setBusy('resetting');
    setMessage(null);
    const result = await api.call('review.resetModes', {});
    setBusy(null);
    setConfirmReset(false);
    if (!result.ok) return setMessage({ kind: 'error', error: result.error });
    setSaved(result.value.modes);
    setDrafts(toDrafts(result.value.modes));
    setTried(false);
    setMessage({ kind: 'reset' });
  }

  const groupOptions = (current: string): SelectOption[] => [
    { value: '', label: 'Choose a negative group…', disabled: true },
    ...(groups ?? []).map((g) => ({ value: g.slug, label: g.label })),
    ...(current && groups && !groups.some((g) => g.slug === current)
      ? [{ value: current, label: 'A group no longer in the library' }]
      : []),
  ];
  const providerOptions = (current: string): SelectOption[] => [
    { value: '', label: 'Choose a provider…', disabled: true },
    ...providers.map((p) => ({ value: p.id, label: p.name })),
    ...(current && providers.length > 0 && !providers.some((p) => p.id === current)
      ? [{ value: current, label: 'A provider not in this version' }]
      : []),
  ];

  return (
    <section className="settings__section settings__section--wide" aria-labelledby={titleId}>
      <h2 className="settings__h2" id={titleId}>
        Failure modes
        {dirty && (
          <Badge tone="warning" className="modes__badge">
            Unsaved
          </Badge>
        )}
      </h2>
      <p className="settings__intro">
        The reasons a reviewer rejects an image with (X in Review), in the order of the reject menu. A reason
        can carry a mitigation: <strong>Apply mitigation to next Branch</strong> adds its negative group to
        the next request, or sends it to the provider you name.
      </p>
      {loadError && <ErrorCard compact error={readableError(loadError)} />}

      <ol className="modes" aria-label="Failure modes" ref={listRef}>
        {drafts.map((mode, index) => {
          // Something missing (a name, a group to choose) shows once Save was pressed; the rest at once.
          const all = check.modes.get(mode.key) ?? {};
          const local = tried
            ? all
            : {
                ...all,
                ...(mode.label.trim() === '' ? { label: undefined } : {}),
                ...(mode.kind === 'negativeGroup' && !mode.group ? { group: undefined } : {}),
                ...(mode.kind === 'provider' && !mode.provider ? { provider: undefined } : {}),
              };
          const problems: Partial<Record<ModeField, string>> = { ...local, ...server?.modes.get(mode.key) };
          const hasProblem = Object.values(problems).some(Boolean);
          const n = index + 1;
          return (
            <li
              key={mode.key}
              data-mode={mode.key}
              className={hasProblem ? 'modes__item has-error' : 'modes__item'}
            >
              <span className="modes__num" aria-hidden="true">
                {n}
              </span>
              <div className="modes__fields">
                <div className="modes__row">
                  <label className="modes__field">
                    <span className="field__label">Name</span>
                    <input
                      className="input input--sm"
                      data-control="label"
                      value={mode.label}
                      maxLength={LABEL_MAX + 20}
                      placeholder="e.g. Extra fingers"
                      aria-label={`Name of reason ${n}`}
                      aria-invalid={problems.label ? true : undefined}
                      onChange={(event) => patch(mode.key, { label: event.target.value })}
                    />
                    {problems.label && <span className="field__error">{problems.label}</span>}
                  </label>
                  <div className="modes__field">
                    <span className="field__label" aria-hidden="true">
                      Mitigation
                    </span>
                    <Select
                      className="modes__kind"
                      aria-label={`Mitigation of reason ${n}`}
                      value={mode.kind}
                      options={KIND_OPTIONS}
                      onChange={(event) => patch(mode.key, { kind: event.target.value as MitigationKind })}
                    />
                  </div>
                  {mode.kind === 'negativeGroup' && (
                    <div className="modes__field">
                      <span className="field__label" aria-hidden="true">
                        Negative group
                      </span>
                      <Select
                        aria-label={`Negative group of reason ${n}`}
                        aria-invalid={problems.group ? true : undefined}
                        value={mode.group}
                        options={groupOptions(mode.group)}
                        onChange={(event) => patch(mode.key, { group: event.target.value })}
                      />
                      {problems.group && <span className="field__error">{problems.group}</span>}
                    </div>
                  )}
                  {mode.kind === 'provider' && (
                    <div className="modes__field">
                      <span className="field__label" aria-hidden="true">
                        Provider
                      </span>
                      <Select
                        aria-label={`Provider of reason ${n}`}
                        aria-invalid={problems.provider ? true : undefined}
                        value={mode.provider}
                        options={providerOptions(mode.provider)}
                        onChange={(event) => patch(mode.key, { provider: event.target.value })}
                      />
                      {problems.provider && <span className="field__error">{problems.provider}</span>}
                    </div>
                  )}
                </div>
                <label className="modes__field">
                  <span className="field__label">Description</span>
                  <input
                    className="input input--sm"
                    value={mode.description}
                    maxLength={DESCRIPTION_MAX + 50}
                    placeholder="What a reviewer sees that calls for this reason"
                    aria-label={`Description of reason ${n}`}
                    aria-invalid={problems.description ? true : undefined}
                    onChange={(event) => patch(mode.key, { description: event.target.value })}
                  />
                  {problems.description && <span className="field__error">{problems.description}</span>}
                </label>
              </div>
              <div className="modes__moves">
                <Button
                  size="sm"
                  variant="ghost"
                  icon="arrowUp"
                  aria-label={`Move reason ${n} up`}
                  title="Move up"
                  data-control="up"
                  disabled={index === 0}
                  onClick={() => move(index, -1, 'up')}
                />
                <Button
                  size="sm"
                  variant="ghost"
                  icon="arrowDown"
                  aria-label={`Move reason ${n} down`}
                  title="Move down"
                  data-control="down"
                  disabled={index === drafts.length - 1}
                  onClick={() => move(index, 1, 'down')}
                />
                <Button
                  size="sm"
                  variant="ghost"
                  icon="trash"
                  aria-label={`Remove reason ${n}`}
                  title="Remove (images rejected with it keep its name)"
                  data-control="remove"
                  className="modes__remove"
                  onClick={() => remove(index)}
                />
              </div>
            </li>
          );
        })}
      </ol>

      <div className="modes__add">
        <Button
          ref={addRef}
          size="sm"
          icon="plus"
          disabled={drafts.length >= MODES_MAX}
          title={drafts.length >= MODES_MAX ? `At most ${MODES_MAX} reasons` : undefined}
          onClick={add}
        >
          Add a reason
        </Button>
      </div>

      {(tried || drafts.length === 0) && check.general && (
        <p className="field__error" role="alert">
          {check.general}
        </p>
      )}
      {server && server.rest.length > 0 && (
        <p className="field__error" role="alert">
          {server.rest.join(' ')}
        </p>
      )}
      {message?.kind === 'error' && message.error.code !== 'invalid_input' && (
        <ErrorCard compact error={readableError(message.error, undefined, 'The list was not saved')} />
      )}
      {message?.kind === 'error' && message.error.code === 'invalid_input' && !message.error.issues && (
        <ErrorCard compact error={readableError(message.error, undefined, 'The list was not saved')} />
      )}

      {confirmReset && (
        <div className="notice notice--warning notice--tight modes__confirm" role="alert">
          <Icon name="warning" size={14} className="notice__icon" />
          <span>
            Replace this list with the reasons Atelier ships with? Your names, descriptions and mitigations
            are lost; images rejected with a removed reason keep its name.
          </span>
          <span className="modes__confirm-actions">
            <Button size="sm" variant="danger" busy={busy === 'resetting'} onClick={() => void reset()}>
              Reset the list
            </Button>
            <Button size="sm" variant="ghost" onClick={() => setConfirmReset(false)}>
              Keep my list
            </Button>
          </span>
        </div>
      )}

      <div className="route__foot modes__foot">
        <span className="route__status" aria-live="polite">
          {message?.kind === 'saved' && (
            <span className="ok-text">
              <Icon name="check" size={14} /> Saved. Review offers these reasons now.
            </span>
          )}
          {message?.kind === 'reset' && <span className="ok-text">Back to the shipped list.</span>}
        </span>
        {dirty && (
          <Button
            size="sm"
            variant="ghost"
            onClick={() => {
              setDrafts(toDrafts(saved));
              setTried(false);
              setMessage(null);
            }}
          >
            Discard changes
          </Button>
        )}
        <Button
          size="sm"
          disabled={busy !== null}
          title="Go back to the failure modes Atelier ships with"
          onClick={() => setConfirmReset(true)}
        >
          Reset to the shipped list
        </Button>
        <Button
          size="sm"
          variant="primary"
          busy={busy === 'saving'}
          disabled={!dirty || busy !== null}
          onClick={() => void save()}
        >
          Save list
        </Button>
      </div>
    </section>
  );
}
