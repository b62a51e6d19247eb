import { type DragEvent, useEffect, useId, useRef, useState } from 'react';
import type { TaskType } from '../../../shared/constants';
import type { ProviderInfo, Route } from '../../../shared/domain';
import type { AppErrorShape } from '../../../shared/result';
import { useCatalogStore } from '../../app/catalog';
import { Badge, Button, Checkbox, ErrorCard, Icon, Select, type SelectOption } from '../../components';
import { issueSentence, issuesByItem, readableError } from '../../lib/errors';
import {
  type DraftStep,
  draftFrom,
  MAX_STEPS,
  newStepKey,
  type RouteDraft,
  useRouteEditorStore,
} from './store';

const TASK_NOTES: Record<TaskType, string> = {
  default: 'Anything without a better fit.',
  'text-heavy': 'Lettering, logos, signage: providers that keep text legible.',
  photoreal: 'Products and people: photographic texture and light.',
  draft: 'Cheap, fast explorations before a final.',
  wide: 'Panoramas, interiors, architecture: coherent wide framing.',
};

interface Check {
  /** Blocks saving. */
  general: string | null;
  /** Per step key: an error that blocks saving, or a note that does not. */
  steps: Map<number, { error?: string; note?: string }>;
}

function checkDraft(draft: RouteDraft, providers: ProviderInfo[]): Check {
  const steps = new Map<number, { error?: string; note?: string }>();
  let general: string | null = null;
  if (draft.chain.length === 0) general = 'A route needs at least one provider.';
  else if (draft.chain.length > MAX_STEPS) general = `A route has at most ${MAX_STEPS} steps.`;
  const seen = new Set<string>();
  for (const step of draft.chain) {
    const provider = providers.find((p) => p.id === step.provider);
    const model = step.model || provider?.defaultModel || '';
    const id = `${step.provider}/${model}`;
    if (!provider) steps.set(step.key, { error: `There is no provider "${step.provider}".` });
    else if (seen.has(id))
      steps.set(step.key, { error: `${provider.name} is already in the chain with this model.` });
    else if (!provider.implemented) steps.set(step.key, { note: 'Not available in this version: skipped.' });
    else if (provider.kind !== 'local' && !provider.key)
      steps.set(step.key, { note: 'No key yet: skipped until you add one.' });
    seen.add(id);
  }
  return { general, steps };
}

/** The main process's issues name paths like `['chain', 1, 'model']`: put each message beside its step. */
function serverIssues(
  error: Pick<AppErrorShape, 'message' | 'issues'>,
  chain: readonly DraftStep[],
): { general: string[]; steps: Map<number, string> } {
  const steps = new Map<number, string>();
  if (!error.issues || error.issues.length === 0) return { general: [error.message], steps };
  const { items, rest } = issuesByItem(error.issues, 'chain');
  const general = rest.map(issueSentence);
  for (const [index, message] of items) {
    const step = chain[index];
    if (step) steps.set(step.key, message);
    else general.push(message);
  }
  return { general, steps };
}

function providerOptions(providers: ProviderInfo[]): SelectOption[] {
  return providers.map((p) => ({
    value: p.id,
    label: !p.implemented
      ? `${p.name} (not available yet)`
      : p.kind === 'local' || p.key
        ? p.name
        : `${p.name} (no key)`,
  }));
}

function modelOptions(provider: ProviderInfo | undefined, current: string): SelectOption[] {
  if (!provider) return [{ value: current, label: current || 'Default model' }];
  const fallback = provider.models.find((m) => m.id === provider.defaultModel);
  return [
    { value: '', label: `Default${fallback ? ` (${fallback.name})` : ''}` },
    ...provider.models.map((m) => ({
      value: m.id,
      label: m.status === 'retired' ? `${m.name} — retired` : m.name,
      disabled: m.status === 'retired' && m.id !== current,
    })),
  ];
}

type FocusTarget = { key: number; control: 'up' | 'down' | 'remove' | 'provider' } | { control: 'add' };

/** One task type's route: an ordered chain to reorder, extend and trim, its content-policy switch, save. */
export function RouteBlock({ route }: { route: Route }) {
  const providers = useCatalogStore((s) => s.providers);
  const draft = useRouteEditorStore((s) => s.drafts[route.taskType]);
  const busy = useRouteEditorStore((s) => s.busy[route.taskType]);
  const message = useRouteEditorStore((s) => s.messages[route.taskType]);
  const { edit, save, reset, discard } = useRouteEditorStore.getState();
  const titleId = useId();
  const listRef = useRef<HTMLOListElement>(null);
  const addRef = useRef<HTMLButtonElement>(null);
  const pendingFocus = useRef<FocusTarget | null>(null);
  const [dragging, setDragging] = useState<number | null>(null);

  const working = draft ?? draftFrom(route);
  const dirty = draft !== undefined;
  const check = checkDraft(working, providers);
  const server =
    message?.kind === 'error' && message.error.code === 'invalid_input'
      ? serverIssues(message.error, working.chain)
      : null;
  const blocked = check.general !== null || [...check.steps.values()].some((s) => s.error);

  // Keyboard users keep their place: focus follows the step that moved, or lands next to what was removed.
  useEffect(() => {
    const target = pendingFocus.current;
    if (!target) return;
    pendingFocus.current = null;
    if (target.control === 'add') {
      addRef.current?.focus();
      return;
    }
    const item = listRef.current?.querySelector<HTMLElement>(`[data-step="${target.key}"]`);
    const wanted = item?.querySelector<HTMLElement>(`[data-control="${target.control}"]`);
    const fallback = item?.querySelector<HTMLElement>(
      `[data-control="${target.control === 'up' ? 'down' : target.control === 'down' ? 'up' : 'provider'}"]`,
    );
    const element = wanted && !(wanted as HTMLButtonElement).disabled ? wanted : fallback;
    element?.focus();
  });

  const change = (fn: (d: RouteDraft) => RouteDraft) => edit(route, fn);

  function move(index: number, delta: -1 | 1, control: 'up' | 'down') {
    const to = index + delta;
    if (to < 0 || to >= working.chain.length) return;
    pendingFocus.current = { key: working.chain[index]!.key, control };
    change((d) => {
      const chain = [...d.chain];
      const [step] = chain.splice(index, 1);
      chain.splice(to, 0, step!);
      return { ...d, chain };
    });
  }

  function moveTo(from: number, to: number) {
    if (from === to) return;
    change((d) => {
      const chain = [...d.chain];
      const [step] = chain.splice(from, 1);
      chain.splice(to, 0, step!);
      return { ...d, chain };
    });
  }

  function remove(index: number) {
    const next = working.chain[index + 1] ?? working.chain[index - 1];
    pendingFocus.current = next ? { key: next.key, control: 'remove' } : { control: 'add' };
    change((d) => ({ ...d, chain: d.chain.filter((_, i) => i !== index) }));
  }

  function add() {
    const used = new Set(working.chain.map((s) => s.provider));
    const pick =
      providers.find((p) => p.implemented && !used.has(p.id) && (p.key || p.kind === 'local')) ??
      providers.find((p) => p.implemented && !used.has(p.id)) ??
      providers.find((p) => !used.has(p.id)) ??
      providers[0];
    if (!pick) return;
    const key = newStepKey();
    pendingFocus.current = { key, control: 'provider' };
    change((d) => ({ ...d, chain: [...d.chain, { key, provider: pick.id, model: '' }] }));
  }

  function onDrop(event: DragEvent<HTMLLIElement>, index: number) {
    event.preventDefault();
    if (dragging !== null) moveTo(dragging, index);
    setDragging(null);
  }

  return (
    <fieldset className="route fieldset" aria-labelledby={titleId}>
      <div className="route__head">
        <div className="route__titles">
          <h3 className="route__title" id={titleId}>
            {route.label}
          </h3>
          {route.customized && <Badge tone="accent">Customized</Badge>}
          {dirty && <Badge tone="warning">Unsaved</Badge>}
        </div>
        <p className="route__note">{TASK_NOTES[route.taskType] ?? ''}</p>
      </div>

      <ol className="chain" aria-label="Chain" ref={listRef}>
        {working.chain.map((step, index) => {
          const provider = providers.find((p) => p.id === step.provider);
          const issue = check.steps.get(step.key);
          const serverError = server?.steps.get(step.key);
          const error = issue?.error ?? serverError;
          return (
            <li
              key={step.key}
              data-step={step.key}
              className={['chain__step', dragging === index ? 'is-dragging' : '', error ? 'has-error' : '']
                .filter(Boolean)
                .join(' ')}
              onDragOver={(event) => {
                if (dragging !== null) event.preventDefault();
              }}
              onDrop={(event) => onDrop(event, index)}
            >
              <span
                className="chain__grip"
                draggable
                title="Drag to reorder (or use Move up / Move down)"
                aria-hidden="true"
                onDragStart={(event) => {
                  setDragging(index);
                  event.dataTransfer.effectAllowed = 'move';
                }}
                onDragEnd={() => setDragging(null)}
              >
                <span className="chain__num">{index + 1}</span>
              </span>
              <div className="chain__controls">
                <Select
                  className="chain__provider"
                  aria-label={`Provider for step ${index + 1}`}
                  data-control="provider"
                  value={step.provider}
                  options={providerOptions(providers)}
                  onChange={(event) => {
                    const value = event.target.value;
                    change((d) => ({
                      ...d,
                      chain: d.chain.map((s) =>
                        s.key === step.key ? { ...s, provider: value, model: '' } : s,
                      ),
                    }));
                  }}
                />
                <Select
                  className="chain__model"
                  aria-label={`Model for step ${index + 1}`}
                  value={step.model}
                  options={modelOptions(provider, step.model)}
                  onChange={(event) => {
                    const value = event.target.value;
                    change((d) => ({
                      ...d,
                      chain: d.chain.map((s) => (s.key === step.key ? { ...s, model: value } : s)),
                    }));
                  }}
                />
              </div>
              <div className="chain__moves">
                <Button
                  size="sm"
                  variant="ghost"
                  icon="arrowUp"
                  aria-label="Move up"
                  title="Move up"
                  data-control="up"
                  disabled={index === 0}
                  onClick={() => move(index, -1, 'up')}
                />
                <Button
                  size="sm"
                  variant="ghost"
                  icon="arrowDown"
                  aria-label="Move down"
                  title="Move down"
                  data-control="down"
                  disabled={index === working.chain.length - 1}
                  onClick={() => move(index, 1, 'down')}
                />
                <Button
                  size="sm"
                  variant="ghost"
                  icon="trash"
                  aria-label="Remove step"
                  title="Remove step"
                  data-control="remove"
                  className="chain__remove"
                  onClick={() => remove(index)}
                />
              </div>
              {(error || issue?.note) && (
                <p className={error ? 'chain__issue chain__issue--error' : 'chain__issue'}>
                  <Icon name={error ? 'alert' : 'info'} size={12} /> {error ?? issue?.note}
                </p>
              )}
            </li>
          );
        })}
      </ol>

      <div className="route__add">
        <Button
          ref={addRef}
          size="sm"
          icon="plus"
          disabled={working.chain.length >= MAX_STEPS}
          title={working.chain.length >= MAX_STEPS ? `At most ${MAX_STEPS} steps` : undefined}
          onClick={add}
        >
          Add step
        </Button>
        {working.chain.length > 1 && (
          <span className="route__order-hint">
            Tried in order: each step runs only if the ones above could not.
          </span>
        )}
      </div>

      <Checkbox
        className="route__fallthrough"
        label="Allow falling through on content-policy blocks"
        hint="When a provider declines the prompt, the next one may accept it: the run says so, but check it against your brief."
        tone="warning"
        checked={working.allowContentFallthrough}
        onChange={(checked) => change((d) => ({ ...d, allowContentFallthrough: checked }))}
      />

      {check.general && (
        <p className="field__error" role="alert">
          {check.general}
        </p>
      )}
      {server && server.general.length > 0 && (
        <p className="field__error" role="alert">
          {server.general.join(' ')}
        </p>
      )}
      {message?.kind === 'error' && message.error.code !== 'invalid_input' && (
        <ErrorCard compact error={readableError(message.error, undefined, 'The route was not saved')} />
      )}

      <div className="route__foot">
        <span className="route__status" aria-live="polite">
          {message?.kind === 'saved' && (
            <span className="ok-text">
              <Icon name="check" size={14} /> Saved. New runs use this order.
            </span>
          )}
          {message?.kind === 'reset' && <span className="ok-text">Back to the default route.</span>}
        </span>
        {dirty && (
          <Button size="sm" variant="ghost" onClick={() => discard(route.taskType)}>
            Discard changes
          </Button>
        )}
        <Button
          size="sm"
          busy={busy === 'resetting'}
          disabled={!route.customized || busy === 'saving'}
          title={route.customized ? 'Go back to the route Atelier ships with' : 'This route is the default'}
          onClick={() => void reset(route.taskType)}
        >
          Reset to default
        </Button>
        <Button
          size="sm"
          variant="primary"
          busy={busy === 'saving'}
          disabled={!dirty || blocked || busy === 'resetting'}
          onClick={() => void save(route)}
        >
          Save route
        </Button>
      </div>
    </fieldset>
  );
}
