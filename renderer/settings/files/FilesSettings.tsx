import { useEffect, useId, useState } from 'react';
import type { MetadataMode } from '../../../shared/metadata-contract';
import type { AppErrorShape } from '../../../shared/result';
import { api } from '../../api';
import { ErrorCard, Spinner } from '../../components';
import { readableError } from '../../lib/errors';

const MODES: { value: MetadataMode; label: string; hint: string }[] = [
  {
    value: 'full',
    label: 'Parameters and provenance',
    hint:
      'The prompt, negative, seed, size and model as AUTOMATIC1111 writes them (read by Civitai, PNG Info and prompt ' +
      "readers), plus Atelier's record: the run, every provider tried, the style and template versions, reference " +
      'hashes and the review and approval.',
  },
  {
    value: 'parameters',
    label: 'Parameters only',
    hint: "The A1111 parameters text, without Atelier's provenance record.",
  },
  {
    value: 'strip',
    label: 'Strip everything',
    hint:
      'No prompt, no parameters, no EXIF (location included), no XMP, no text chunks and no content credentials. ' +
      "The colour profile stays, so colours look the same, and so does a print JPEG's DPI.",
  },
];

/** Settings → Files: what a file carries when it leaves Atelier (download, drag out, export). */
export function FilesSettingsPanel() {
  const [mode, setMode] = useState<MetadataMode | null>(null);
  const [error, setError] = useState<AppErrorShape | null>(null);
  const [saving, setSaving] = useState(false);
  const name = useId();

  useEffect(() => {
    void api.call('metadata.getMode', {}).then((result) => {
      if (result.ok) setMode(result.value.mode);
      else setError(result.error);
    });
  }, []);

  async function choose(next: MetadataMode) {
    const before = mode;
    setMode(next);
    setSaving(true);
    const result = await api.call('metadata.setMode', { mode: next });
    setSaving(false);
    if (result.ok) {
      setMode(result.value.mode);
      setError(null);
    } else {
      setMode(before);
      setError(result.error);
    }
  }

  return (
    <section className="settings__section" aria-labelledby="files-title">
      <h2 className="settings__h2" id="files-title">
        Metadata in files you take out
      </h2>
      <p className="settings__intro">
        Applies to every file that leaves Atelier: Download, drag out and export. The library keeps each
        original untouched; the metadata is written into the copy that leaves. PNG carries it in text chunks,
        JPEG and WebP in EXIF and XMP.
      </p>
      {error && <ErrorCard compact error={readableError(error)} />}
      {mode === null ? (
        !error && <Spinner size={16} />
      ) : (
        <fieldset className="files-modes" aria-busy={saving}>
          <legend className="visually-hidden">Metadata in files you take out</legend>
          {MODES.map((option) => (
            <label key={option.value} className={`files-mode${mode === option.value ? ' is-checked' : ''}`}>
              <input
                type="radio"
                name={name}
                value={option.value}
                checked={mode === option.value}
                onChange={() => void choose(option.value)}
              />
              <span>
                <span className="files-mode__label">{option.label}</span>
                <span className="files-mode__hint">{option.hint}</span>
              </span>
            </label>
          ))}
        </fieldset>
      )}
    </section>
  );
}
