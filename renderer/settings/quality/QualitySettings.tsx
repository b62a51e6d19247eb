import { useEffect, useState } from 'react';
import { TASK_TYPE_LABELS, TASK_TYPES, type TaskType } from '../../../shared/constants';
import {
  QUALITY_CHECK_LABELS,
  QUALITY_CHECKS,
  type QualityCheckId,
  type QualitySettings,
} from '../../../shared/quality-contract';
import type { AppErrorShape } from '../../../shared/result';
import { api } from '../../api';
import { Button, ErrorCard, ProgressBar, Spinner } from '../../components';
import { readableError } from '../../lib/errors';
import { useQualityProgressStore } from './progress-store';
import './quality.css';

const CHECK_HINTS: Record<QualityCheckId, string> = {
  size: 'Width, height or aspect ratio differs from the request (or the size the provider makes for it).',
  blank: 'Black, white or flat colour frames, or almost no detail.',
  duplicate: 'Nearly the same picture as an earlier output or a reference (perceptual hash).',
  nsfw: 'An offline classifier scores nudity and sexual content per category; the provider’s own flag, where it sends one, fails it too. Imported references are classified while it runs on any route.',
  text: 'Quoted text in the prompt is read back with offline OCR and compared letter by letter.',
};

const plural = (n: number, one: string) => `${n.toLocaleString()} ${one}${n === 1 ? '' : 's'}`;

/** "3 images and 2 references" (references only when there are some). */
function checkedWords(progress: { total: number; references: number }): string {
  const images = plural(progress.total - progress.references, 'image');
  return progress.references > 0 ? `${images} and ${plural(progress.references, 'reference')}` : images;
}

function NumberField({
  label,
  hint,
  value,
  step,
  min,
  max,
  onChange,
}: {
  label: string;
  hint: string;
  value: number;
  step: number;
  min: number;
  max: number;
  onChange: (value: number) => void;
}) {
  return (
    <label className="quality-field">
      <span className="quality-field__label">{label}</span>
      <input
        type="number"
        className="input quality-field__input"
        value={value}
        step={step}
        min={min}
        max={max}
        onChange={(e) => onChange(Number(e.target.value))}
      />
      <span className="quality-field__hint">{hint}</span>
    </label>
  );
}

/** Settings → Quality: which checks run on which route, their thresholds, and the library re-run. */
export function QualitySettingsPanel() {
  const [settings, setSettings] = useState<QualitySettings | null>(null);
  const [saved, setSaved] = useState<QualitySettings | null>(null);
  const [error, setError] = useState<AppErrorShape | null>(null);
  const [saving, setSaving] = useState(false);
  const progress = useQualityProgressStore((s) => s.progress);
  const setProgress = useQualityProgressStore.getState().set;

  useEffect(() => {
    void api.call('quality.settings', {}).then((result) => {
      if (result.ok) {
        setSettings(result.value);
        setSaved(result.value);
      } else setError(result.error);
    });
    void api.call('quality.progress', {}).then((result) => {
      if (result.ok) setProgress(result.value);
    });
  }, [setProgress]);

  if (!settings) {
    return error ? <ErrorCard compact error={readableError(error)} /> : <Spinner size={16} />;
  }
  const change = (next: Partial<QualitySettings>) => setSettings({ ...settings, ...next });
  const toggle = (check: QualityCheckId, task: TaskType, on: boolean) => {
    const current = settings.routes[check];
    const next = on ? [...new Set([...current, task])] : current.filter((t) => t !== task);
    change({ routes: { ...settings.routes, [check]: TASK_TYPES.filter((t) => next.includes(t)) } });
  };
  const dirty = JSON.stringify(settings) !== JSON.stringify(saved);

  async function save() {
    if (!settings) return;
    setSaving(true);
    const result = await api.call('quality.saveSettings', { settings });
    setSaving(false);
    if (result.ok) {
      setSettings(result.value);
      setSaved(result.value);
      setError(null);
    } else setError(result.error);
  }
  async function rerun() {
    const result = await api.call('quality.rerun', {});
    if (result.ok) setProgress(result.value);
    else setError(result.error);
  }
  async function cancel() {
    const result = await api.call('quality.cancelRerun', {});
    if (result.ok) setProgress(result.value);
  }
  const running = progress?.state === 'running';

  return (
    <>
      <section className="settings__section" aria-labelledby="quality-checks-title">
        <h2 className="settings__h2" id="quality-checks-title">
          Checks per route
        </h2>
        <p className="settings__intro">
          Every new image is checked on a background worker after it is saved; generation never waits. A
          failed check, or one that could not run (a model missing), puts the image in Review with the reason.
        </p>
        <table className="quality-matrix">
          <thead>
            <tr>
              <th scope="col">Check</th>
              {TASK_TYPES.map((task) => (
                <th scope="col" key={task}>
                  {TASK_TYPE_LABELS[task]}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {QUALITY_CHECKS.map((check) => (
              <tr key={check}>
                <th scope="row">
                  <span className="quality-matrix__name">{QUALITY_CHECK_LABELS[check]}</span>
                  <span className="quality-matrix__hint">{CHECK_HINTS[check]}</span>
                </th>
                {TASK_TYPES.map((task) => (
                  <td key={task}>
                    <input
                      type="checkbox"
                      aria-label={`${QUALITY_CHECK_LABELS[check]} on ${TASK_TYPE_LABELS[task]}`}
                      checked={settings.routes[check].includes(task)}
                      onChange={(e) => toggle(check, task, e.target.checked)}
                    />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section className="settings__section" aria-labelledby="quality-thresholds-title">
        <h2 className="settings__h2" id="quality-thresholds-title">
          Thresholds
        </h2>
        <div className="quality-fields">
          <NumberField
            label="Size tolerance (%)"
            hint="How far width, height or aspect may stray."
            value={Math.round(settings.sizeTolerance * 1000) / 10}
            step={0.5}
            min={0}
            max={50}
            onChange={(v) => change({ sizeTolerance: v / 100 })}
          />
          <NumberField
            label="Blank: least detail"
            hint="Mean channel deviation (0–255) below which a frame is blank."
            value={settings.blankMinDetail}
            step={0.5}
            min={0}
            max={128}
            onChange={(v) => change({ blankMinDetail: v })}
          />
          <NumberField
            label="Near-duplicate: bits that may differ"
            hint="Of 64 hash bits; 0 finds exact copies only."
            value={settings.duplicateMaxDistance}
            step={1}
            min={0}
            max={32}
            onChange={(v) => change({ duplicateMaxDistance: v })}
          />
          <NumberField
            label="Text: largest edit distance (%)"
            hint="Letters that may differ from the quoted text."
            value={Math.round(settings.textMaxDistance * 1000) / 10}
            step={1}
            min={0}
            max={100}
            onChange={(v) => change({ textMaxDistance: v / 100 })}
          />
          {Object.entries(settings.nsfwThresholds).map(([category, threshold]) => (
            <NumberField
              key={category}
              label={`NSFW “${category}” (%)`}
              hint="Fails at or above this probability."
              value={Math.round(threshold * 1000) / 10}
              step={1}
              min={0}
              max={100}
              onChange={(v) =>
                change({ nsfwThresholds: { ...settings.nsfwThresholds, [category]: v / 100 } })
              }
            />
          ))}
        </div>
        {error && <ErrorCard compact error={readableError(error)} />}
        <div className="quality-actions">
          <Button variant="primary" onClick={() => void save()} busy={saving} disabled={!dirty}>
            Save quality settings
          </Button>
        </div>
      </section>

      <section className="settings__section" aria-labelledby="quality-rerun-title">
        <h2 className="settings__h2" id="quality-rerun-title">
          Re-run checks on the library
        </h2>
        <p className="settings__intro">
          Checks every image already in the library again with the settings above, and every reference image
          (hashed for the near-duplicate check, classified by the NSFW model). It runs in the background; you
          can keep working.
        </p>
        {progress && progress.state !== 'idle' && (
          <div className="quality-progress">
            <ProgressBar
              label="Library re-run"
              value={progress.total === 0 ? 1 : progress.done / progress.total}
            />
            <span role="status">
              {progress.state === 'running' && `${progress.done} of ${progress.total} checked`}
              {progress.state === 'done' && `Done: ${checkedWords(progress)} checked`}
              {progress.state === 'cancelled' && `Cancelled after ${progress.done} of ${progress.total}`}
            </span>
          </div>
        )}
        <div className="quality-actions">
          {running ? (
            <Button onClick={() => void cancel()}>Cancel re-run</Button>
          ) : (
            <Button onClick={() => void rerun()}>Re-run checks on the library</Button>
          )}
        </div>
      </section>
    </>
  );
}
