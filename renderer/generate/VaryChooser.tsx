// "What changes?": on a Generate opened from Vary, the one thing to change, picked from those that apply to
// this request and provider. Picking one opens it, focuses it and lights it; the style version is picked here.
import { useEffect, useState } from 'react';
import type { StyleVersionSummary } from '../../shared/library-contract';
import { subjectVariable, variableLabel } from '../../shared/library-contract';
import { api } from '../api';
import { capabilitiesOf, findModel, useCatalogStore } from '../app/catalog';
import { Button, Select } from '../components';
import { useGenerateStore } from './store';
import { type VaryTarget, varyOptions, varySlot, varyWarning } from './vary';

const IN_ADVANCED: ReadonlySet<VaryTarget> = new Set(['steps', 'guidance', 'strength']);

/** Focuses the chosen field's control once it is on screen. */
function focusSlot(target: VaryTarget) {
  const slot = document.querySelector<HTMLElement>(`.${varySlot(target, null).split(' ')[1]}`);
  if (!slot) return;
  slot.scrollIntoView({ block: 'center', behavior: 'smooth' });
  // The style's control is the version picker in the chooser; elsewhere the field's own box.
  const control =
    target === 'style'
      ? document.querySelector<HTMLElement>('.vary__style select')
      : slot.querySelector<HTMLElement>('textarea, input, select');
  control?.focus({ preventScroll: true });
}

function StyleVersionPicker() {
  const style = useGenerateStore((s) => s.form.style);
  const [versions, setVersions] = useState<StyleVersionSummary[] | null>(null);
  const styleId = style?.styleId ?? 0;
  useEffect(() => {
    if (styleId <= 0) return;
    let live = true;
    void api.call('styles.get', { id: styleId }).then((result) => {
      if (live && result.ok) setVersions(result.value.versions);
    });
    return () => {
      live = false;
    };
  }, [styleId]);
  if (!style || !versions) return null;
  return (
    <Select
      className="vary__style"
      aria-label="Style version"
      value={String(style.versionId)}
      options={versions.map((v) => ({
        value: String(v.versionId),
        label: `v${v.version}${v.note ? ` — ${v.note}` : ''}${v.status === 'deprecated' ? ' (deprecated)' : ''}`,
      }))}
      onChange={(event) => {
        const chosen = versions.find((v) => v.versionId === Number(event.target.value));
        if (!chosen) return;
        const { form, setField } = useGenerateStore.getState();
        if (form.style)
          setField('style', {
            ...form.style,
            versionId: chosen.versionId,
            version: chosen.version,
            status: chosen.status,
          });
      }}
    />
  );
}

export function VaryChooser() {
  const form = useGenerateStore((s) => s.form);
  const target = useGenerateStore((s) => s.varyTarget);
  const setTarget = useGenerateStore((s) => s.setVaryTarget);
  const setAdvancedOpen = useGenerateStore((s) => s.setAdvancedOpen);
  const providers = useCatalogStore((s) => s.providers);
  const caps = capabilitiesOf(form.provider ? findModel(providers, form.provider, form.model) : undefined);
  const fields = form.template?.fields ?? null;
  const subject = fields ? subjectVariable(fields) : null;
  const options = varyOptions({
    subjectLabel: subject ? variableLabel(subject) : null,
    promptHidden: fields !== null && subject === null,
    template: fields,
    hasReference: form.reference !== null,
    steps: Boolean(form.provider && caps.steps),
    guidance: Boolean(form.provider && caps.guidance),
    hasStyle: form.style !== null && form.style.styleId > 0,
  });

  // The chosen field is focused after it renders (Advanced may have just opened).
  useEffect(() => {
    if (!target) return;
    const frame = requestAnimationFrame(() => focusSlot(target));
    return () => cancelAnimationFrame(frame);
  }, [target]);

  return (
    <fieldset className="vary" aria-label="What changes?">
      <legend className="vary__title">What changes?</legend>
      <div className="vary__options">
        {options.map((option) => (
          <button
            key={option.target}
            type="button"
            className={target === option.target ? 'vary__option is-on' : 'vary__option'}
            aria-pressed={target === option.target}
            onClick={() => {
              if (IN_ADVANCED.has(option.target)) setAdvancedOpen(true);
              setTarget(option.target);
              // Choosing it again still takes the designer to it.
              if (target === option.target) focusSlot(option.target);
            }}
          >
            {option.label}
          </button>
        ))}
      </div>
      {target === 'style' && <StyleVersionPicker />}
    </fieldset>
  );
}

/** Before Generate: more than one thing differs from the parent run; go on as a variation, or as a branch. */
export function VaryWarning() {
  const changed = useGenerateStore((s) => s.varyChanged);
  const generateAnyway = useGenerateStore((s) => s.generateAnyway);
  const text = changed ? varyWarning(changed) : null;
  if (!text) return null;
  return (
    <div className="notice notice--warning notice--tight vary-warning" role="alert">
      <span>{text}</span>
      <span className="vary-warning__actions">
        <Button size="sm" variant="primary" onClick={() => void generateAnyway('vary')}>
          Generate anyway
        </Button>
        <Button size="sm" onClick={() => void generateAnyway('branch')}>
          Make it a branch
        </Button>
      </span>
    </div>
  );
}
