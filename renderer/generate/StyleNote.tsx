import { send } from '../app/actions';
import { useAppStore } from '../app/store';
import { Badge, Button, Icon } from '../components';
import { useGenerateStore } from './store';
import { varySlot } from './vary';

/** The style (and template) this run will be rendered with, from "Generate with this style". */
export function StyleNote() {
  const style = useGenerateStore((s) => s.form.style);
  const template = useGenerateStore((s) => s.form.template);
  const clear = useGenerateStore((s) => s.clearStyle);
  const varyTarget = useGenerateStore((s) => s.varyTarget);
  const go = useAppStore((s) => s.go);
  if (!style) return null;
  const name = style.name || `Style version ${style.versionId}`;
  return (
    <section className={`style-note ${varySlot('style', varyTarget)}`} aria-label="Style">
      <Icon name="styles" size={14} className="style-note__icon" />
      <div className="style-note__text">
        <p className="style-note__name">
          {style.styleId > 0 ? (
            <button
              type="button"
              className="link"
              onClick={() => {
                go('styles');
                send('styles.open', { styleId: style.styleId });
              }}
            >
              {name}
            </button>
          ) : (
            name
          )}
          {style.version > 0 && <span className="muted"> · v{style.version}</span>}
          {style.status === 'approved' && <Badge tone="success">Approved</Badge>}
          {style.status === 'draft' && <Badge>Draft</Badge>}
          {style.status === 'deprecated' && <Badge tone="warning">Deprecated</Badge>}
        </p>
        <p className="style-note__sub">
          {template
            ? `Template ${template.name || `#${template.versionId}`}: what you write below is its subject; its other fields follow.`
            : 'Its tokens, negatives, defaults and provider presets are added to your prompt.'}
        </p>
      </div>
      <Button
        variant="ghost"
        size="sm"
        icon="close"
        aria-label="Remove style"
        title="Remove style (and its template and reference)"
        onClick={clear}
      />
    </section>
  );
}
