import { type ChangeEvent, type FormEvent, useId, useRef, useState } from 'react';
import { calls } from '../../../shared/contract';
import type { LocalServer } from '../../../shared/domain';
import { SERVER_SLOTS } from '../../../shared/limits';
import { zodIssues } from '../../../shared/result';
import { useLocalServersStore } from '../../app/local-servers';
import { Button, ErrorCard, Field, Icon, SegmentedControl } from '../../components';
import { issueSentence, issuesByField, readableError } from '../../lib/errors';
import { KIND_LABEL } from './ServerCard';

type Kind = LocalServer['kind'];

const DEFAULT_URL: Record<Kind, string> = {
  a1111: 'http://127.0.0.1:7860',
  comfyui: 'http://127.0.0.1:8188',
};

type FieldKey = 'url' | 'label' | 'slots' | 'basicAuth' | 'workflow';

const FIELD_KEYS: readonly FieldKey[] = ['url', 'label', 'slots', 'basicAuth', 'workflow'];

/** The form's own words for a field the schema refuses; the others say the schema's, labelled. */
const FORM_WORDS: Partial<Record<FieldKey, string>> = {
  url: 'Give the address like http://127.0.0.1:7860.',
  slots: `Slots are a whole number from ${SERVER_SLOTS.min} to ${SERVER_SLOTS.max}.`,
  basicAuth: 'Write it as user:password.',
};

/**
 * What is wrong with a server to add, per field, checked with the call's own schema before it is sent;
 * each refused field gets the form's words. Empty when the main process will take it.
 */
export function serverInputProblems(input: Record<string, unknown>): Partial<Record<FieldKey, string>> {
  const checked = calls['localServers.add'].input.safeParse(input);
  const problems: Partial<Record<FieldKey, string>> = {};
  for (const issue of checked.success ? [] : zodIssues(checked.error)) {
    const field = FIELD_KEYS.find((key) => key === issue.path[0]);
    if (field && problems[field] === undefined) problems[field] = FORM_WORDS[field] ?? issueSentence(issue);
  }
  return problems;
}

/** Connect an A1111/Forge (started with --api) or ComfyUI server on this machine or the network. */
export function AddServerForm() {
  const adding = useLocalServersStore((s) => s.adding);
  const addError = useLocalServersStore((s) => s.addError);
  const { add, clearAddError } = useLocalServersStore.getState();
  const kindLabelId = useId();
  const fileRef = useRef<HTMLInputElement>(null);
  const [kind, setKind] = useState<Kind>('a1111');
  const [url, setUrl] = useState('');
  const [label, setLabel] = useState('');
  const [slots, setSlots] = useState('1');
  const [auth, setAuth] = useState('');
  const [workflow, setWorkflow] = useState<{
    name: string;
    json: Record<string, unknown>;
    nodes: number;
  } | null>(null);
  const [local, setLocal] = useState<Partial<Record<FieldKey, string>>>({});
  const [added, setAdded] = useState<string | null>(null);

  // invalid_input carries issues by path (`['url']`): each shows under its box, the rest in the card.
  const server =
    addError?.code === 'invalid_input' && addError.issues ? issuesByField(addError.issues, FIELD_KEYS) : null;
  const errorOf = (key: FieldKey) => local[key] ?? server?.fields[key] ?? null;

  function touched(key: FieldKey) {
    setLocal(({ [key]: _gone, ...rest }) => rest);
    setAdded(null);
    if (addError) clearAddError();
  }

  async function onFile(event: ChangeEvent<HTMLInputElement>) {
    touched('workflow');
    const file = event.target.files?.[0];
    if (!file) return;
    try {
      const json: unknown = JSON.parse(await file.text());
      if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('not an object');
      setWorkflow({
        name: file.name,
        json: json as Record<string, unknown>,
        nodes: Object.keys(json).length,
      });
    } catch {
      setWorkflow(null);
      setLocal((l) => ({
        ...l,
        workflow: `${file.name} is not a JSON workflow. Export it with "Save (API format)".`,
      }));
      if (fileRef.current) fileRef.current.value = '';
    }
  }

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    const address = url.trim() || DEFAULT_URL[kind];
    const input = {
      kind,
      url: address,
      slots: slots.trim() === '' ? Number.NaN : Number(slots),
      ...(label.trim() ? { label: label.trim() } : {}),
      ...(kind === 'a1111' && auth ? { basicAuth: auth } : {}),
      ...(kind === 'comfyui' && workflow ? { workflow: workflow.json } : {}),
    };
    const problems = serverInputProblems(input);
    setLocal(problems);
    if (Object.keys(problems).length > 0) return;
    const ok = await add(input);
    if (ok) {
      setAdded(label.trim() || address);
      setUrl('');
      setLabel('');
      setSlots('1');
      setAuth('');
      setWorkflow(null);
      if (fileRef.current) fileRef.current.value = '';
    }
  }

  return (
    <form className="add-server" onSubmit={onSubmit} aria-labelledby="add-server-title" noValidate>
      <h3 className="add-server__title" id="add-server-title">
        Add a server
      </h3>
      <div className="field">
        <span className="field__label" id={kindLabelId}>
          Kind
        </span>
        <SegmentedControl<Kind>
          labelledBy={kindLabelId}
          value={kind}
          onChange={(value) => {
            setKind(value);
            touched('url');
          }}
          options={(['a1111', 'comfyui'] as const).map((value) => ({ value, label: KIND_LABEL[value] }))}
        />
      </div>
      <div className="field-row add-server__row">
        <Field
          label="URL"
          error={errorOf('url')}
          hint={
            kind === 'a1111'
              ? 'Start it with --api (and --listen to reach it from another machine).'
              : 'ComfyUI listens on port 8188 by default.'
          }
        >
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              className="input"
              type="url"
              autoComplete="off"
              spellCheck={false}
              placeholder={DEFAULT_URL[kind]}
              value={url}
              aria-describedby={describedBy}
              aria-invalid={invalid || undefined}
              onChange={(event) => {
                setUrl(event.target.value);
                touched('url');
              }}
            />
          )}
        </Field>
        <Field label="Label" error={errorOf('label')} hint="Optional, e.g. Studio 4090.">
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              className="input"
              maxLength={60}
              value={label}
              aria-describedby={describedBy}
              aria-invalid={invalid || undefined}
              onChange={(event) => {
                setLabel(event.target.value);
                touched('label');
              }}
            />
          )}
        </Field>
      </div>
      <div className="field-row add-server__row">
        <Field label="Slots" error={errorOf('slots')} hint="Jobs sent at once; 1 per GPU is safest.">
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              className="input input--number"
              type="number"
              min={SERVER_SLOTS.min}
              max={SERVER_SLOTS.max}
              value={slots}
              aria-describedby={describedBy}
              aria-invalid={invalid || undefined}
              onChange={(event) => {
                setSlots(event.target.value);
                touched('slots');
              }}
            />
          )}
        </Field>
        {kind === 'a1111' ? (
          <Field
            label="Sign-in (optional)"
            error={errorOf('basicAuth')}
            hint="user:password, if started with --api-auth. Stored sealed; never shown again."
          >
            {({ id, describedBy, invalid }) => (
              <input
                id={id}
                className="input"
                type="password"
                autoComplete="new-password"
                spellCheck={false}
                placeholder="user:password"
                value={auth}
                aria-describedby={describedBy}
                aria-invalid={invalid || undefined}
                onChange={(event) => {
                  setAuth(event.target.value);
                  touched('basicAuth');
                }}
              />
            )}
          </Field>
        ) : (
          <Field
            label="Workflow (optional)"
            error={errorOf('workflow')}
            hint="API-format JSON with Atelier's bindings; the built-in txt2img/img2img workflow otherwise."
          >
            {({ id, describedBy, invalid }) => (
              <div className="file-pick">
                <input
                  ref={fileRef}
                  id={id}
                  className="file-pick__input"
                  type="file"
                  accept="application/json,.json"
                  aria-describedby={describedBy}
                  aria-invalid={invalid || undefined}
                  onChange={(event) => void onFile(event)}
                />
                {workflow && (
                  <span className="file-pick__chosen">
                    <Icon name="check" size={12} /> {workflow.name} · {workflow.nodes} nodes
                  </span>
                )}
              </div>
            )}
          </Field>
        )}
      </div>
      {addError && !(server && server.rest.length === 0) && (
        <ErrorCard
          compact
          error={readableError(
            server ? { ...addError, issues: server.rest } : addError,
            undefined,
            'The server was not added',
          )}
        />
      )}
      <div className="add-server__foot">
        <span aria-live="polite">
          {added && (
            <span className="ok-text">
              <Icon name="check" size={14} /> Added {added}. Atelier checks it now.
            </span>
          )}
        </span>
        <Button type="submit" variant="primary" icon="plus" busy={adding}>
          Add server
        </Button>
      </div>
    </form>
  );
}
