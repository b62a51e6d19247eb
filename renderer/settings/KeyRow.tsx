import { type FormEvent, useEffect, useId, useRef } from 'react';
import type { KeyStorageInfo, ProviderInfo } from '../../shared/domain';
import { Badge, Button, ErrorCard, Icon } from '../components';
import { readableError } from '../lib/errors';
import { formatRelative, KEY_SOURCE_LABEL } from '../lib/format';
import { useSettingsStore } from './store';

const ACTION_TITLES = {
  save: 'The key was not saved',
  test: 'The key could not be tested',
  remove: 'The key was not removed',
} as const;

/** One provider's key: paste and save, see it masked with where it lives, test it, remove it. */
export function KeyRow({
  provider,
  storage,
  focusOnMount,
}: {
  provider: ProviderInfo;
  storage: KeyStorageInfo | null;
  focusOnMount: boolean;
}) {
  const nameId = useId();
  const inputId = useId();
  const hintId = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  const rowRef = useRef<HTMLFieldSetElement>(null);
  const draft = useSettingsStore((s) => s.drafts[provider.id] ?? '');
  const busy = useSettingsStore((s) => s.busy[provider.id] ?? null);
  const message = useSettingsStore((s) => s.messages[provider.id]);
  const { setDraft, save, test, remove } = useSettingsStore.getState();
  const key = provider.key;
  const canStore = storage?.canStore ?? true;

  useEffect(() => {
    if (!focusOnMount) return;
    rowRef.current?.scrollIntoView({ block: 'center' });
    inputRef.current?.focus();
  }, [focusOnMount]);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    await save(provider.id);
  }

  const lastTest = key?.lastTest;
  return (
    <fieldset className={key ? 'key-row has-key' : 'key-row'} aria-labelledby={nameId} ref={rowRef}>
      <div className="key-row__head">
        <div className="key-row__who">
          <h3 className="key-row__name" id={nameId}>
            {provider.name}
          </h3>
          {provider.kind === 'local' && <Badge>Local</Badge>}
          {!provider.implemented && <Badge tone="neutral">Coming</Badge>}
        </div>
        {key ? (
          <div className="key-row__status">
            <span className="key-row__mask" title="Only the last four characters are ever shown">
              •••• {key.last4}
            </span>
            <Badge tone={key.source === 'stored' ? 'success' : key.source === 'session' ? 'warning' : 'info'}>
              {KEY_SOURCE_LABEL[key.source]}
            </Badge>
          </div>
        ) : (
          <span className="key-row__none">No key</span>
        )}
      </div>

      <form className="key-row__form" onSubmit={onSubmit}>
        <label className="key-row__label" htmlFor={inputId}>
          {provider.name} API key
        </label>
        <div className="key-row__controls">
          <input
            ref={inputRef}
            id={inputId}
            className="input"
            type="password"
            autoComplete="off"
            spellCheck={false}
            placeholder={key ? 'Paste a new key to replace the saved one' : 'Paste your key'}
            value={draft}
            disabled={!canStore}
            aria-describedby={!canStore ? hintId : undefined}
            onChange={(event) => setDraft(provider.id, event.target.value)}
          />
          <Button
            type="submit"
            variant={key ? 'secondary' : 'primary'}
            busy={busy === 'saving'}
            disabled={!canStore}
          >
            Save key
          </Button>
          {key && (
            <>
              <Button
                icon="shield"
                busy={busy === 'testing'}
                disabled={!provider.implemented || busy !== null}
                title={
                  provider.implemented ? `Send a tiny request to ${provider.name} with this key` : undefined
                }
                onClick={() => void test(provider.id)}
              >
                Test
              </Button>
              <Button
                variant="danger"
                busy={busy === 'removing'}
                disabled={key.source === 'environment' || busy !== null}
                title={
                  key.source === 'environment'
                    ? 'Set outside Atelier: unset the environment variable to remove it'
                    : undefined
                }
                onClick={() => void remove(provider.id)}
              >
                Remove
              </Button>
            </>
          )}
        </div>
        {!canStore && (
          <p className="key-row__hint" id={hintId}>
            {storage?.description}
          </p>
        )}
      </form>

      <div className="key-row__foot">
        <div className="key-row__message" aria-live="polite">
          {message?.kind === 'saved' && (
            <span className="ok-text">
              <Icon name="check" size={14} /> Key saved.
              {provider.implemented ? ' Use Test to check it with the provider.' : ''}
            </span>
          )}
          {message?.kind === 'removed' && <span className="muted">Key removed.</span>}
          {message?.kind === 'test' && message.ok && (
            <span className="ok-text">
              <Icon name="check" size={14} /> {message.message || `${provider.name} accepted the key.`}
            </span>
          )}
          {!message && lastTest && (
            <span className={lastTest.ok ? 'muted' : 'warn-text'}>
              Last test {formatRelative(lastTest.at)}: {lastTest.ok ? 'the key works' : lastTest.message}
            </span>
          )}
        </div>
        {message?.kind === 'test' && !message.ok && (
          <ErrorCard
            compact
            error={readableError({ code: message.outcome, message: message.message }, provider.name)}
          />
        )}
        {message?.kind === 'error' && (
          <ErrorCard
            compact
            error={readableError(message.error, provider.name, ACTION_TITLES[message.action])}
          />
        )}
        {provider.keyUrl && !key && (
          <a className="key-row__get" href={provider.keyUrl} target="_blank" rel="noreferrer noopener">
            Get a key from {provider.name} <Icon name="arrowRight" size={12} />
          </a>
        )}
      </div>
    </fieldset>
  );
}
