import { type FormEvent, useEffect, useState } from 'react';
import type { LibrarySettings as Settings } from '../../../shared/library-contract';
import type { AppErrorShape } from '../../../shared/result';
import { api } from '../../api';
import { Button, Checkbox, ErrorCard, Spinner, TagPill } from '../../components';
import { readableError } from '../../lib/errors';

/** Banned terms (checked on every rendered prompt) and the approved-styles-only switch. */
export function LibrarySettingsPanel() {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [error, setError] = useState<AppErrorShape | null>(null);
  const [draft, setDraft] = useState('');
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    void api.call('library.getSettings', {}).then((result) => {
      if (result.ok) setSettings(result.value);
      else setError(result.error);
    });
  }, []);

  async function save(next: Settings) {
    setSaving(true);
    const result = await api.call('library.setSettings', next);
    setSaving(false);
    if (result.ok) {
      setSettings(result.value);
      setError(null);
    } else setError(result.error);
  }

  function onAdd(event: FormEvent) {
    event.preventDefault();
    if (!settings) return;
    const terms = draft
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t && !settings.bannedTerms.some((b) => b.toLowerCase() === t.toLowerCase()));
    setDraft('');
    if (terms.length > 0) void save({ ...settings, bannedTerms: [...settings.bannedTerms, ...terms] });
  }

  return (
    <section className="settings__section" aria-labelledby="library-title">
      <h2 className="settings__h2" id="library-title">
        Style library
      </h2>
      {error && <ErrorCard compact error={readableError(error)} />}
      {!settings ? (
        !error && <Spinner size={16} />
      ) : (
        <>
          <Checkbox
            label="Approved styles only"
            hint="Generation with a draft style is refused; a deprecated style still runs, with a warning."
            checked={settings.approvedOnly}
            disabled={saving}
            onChange={(approvedOnly) => void save({ ...settings, approvedOnly })}
          />
          <h3 className="settings__h3">Banned terms</h3>
          <p className="settings__intro">
            Checked on every rendered prompt before it is sent, as whole words, in any letter case. Invisible
            characters and look-alike letters (a Cyrillic "о" for an "o") do not hide a term. A hit refuses
            the run and names the term and the segment it came from.
          </p>
          <form className="banned__add" onSubmit={onAdd}>
            <input
              className="input"
              aria-label="Banned term"
              placeholder="a term, or several separated by commas"
              maxLength={400}
              value={draft}
              onChange={(e) => setDraft(e.target.value)}
            />
            <Button type="submit" icon="plus" busy={saving} disabled={draft.trim() === ''}>
              Add
            </Button>
          </form>
          {settings.bannedTerms.length === 0 ? (
            <p className="muted">No banned terms.</p>
          ) : (
            <ul className="banned__list" aria-label="Banned terms">
              {settings.bannedTerms.map((term) => (
                <li key={term}>
                  <TagPill
                    onRemove={() =>
                      void save({ ...settings, bannedTerms: settings.bannedTerms.filter((t) => t !== term) })
                    }
                  >
                    {term}
                  </TagPill>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
