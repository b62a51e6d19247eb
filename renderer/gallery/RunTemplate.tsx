import { useEffect, useState } from 'react';
import { type TemplateValues, type TemplateVersion, variableLabel } from '../../shared/library-contract';
import { api } from '../api';

/** The template version a run was rendered with and the value each of its variables had. */
export function RunTemplate({ versionId, values }: { versionId: number; values: TemplateValues | null }) {
  const [version, setVersion] = useState<TemplateVersion | null>(null);
  useEffect(() => {
    let live = true;
    void api.call('templates.getVersion', { versionId }).then((result) => {
      if (live && result.ok) setVersion(result.value);
    });
    return () => {
      live = false;
    };
  }, [versionId]);
  const variables = version?.fields.variables ?? [];
  const entries = values ? Object.entries(values) : [];
  const labelOf = (name: string) => variableLabel(variables.find((v) => v.name === name) ?? { name });
  return (
    <span className="run-template">
      <span>
        {version ? version.fields.name : 'Template'}{' '}
        <span className="muted">version {version?.version ?? `#${versionId}`}</span>
      </span>
      {entries.length > 0 && (
        <dl className="run-template__values" aria-label="Template values">
          {entries.map(([name, value]) => (
            <div key={name} className="run-template__value">
              <dt>{labelOf(name)}</dt>
              <dd>{String(value)}</dd>
            </div>
          ))}
        </dl>
      )}
    </span>
  );
}
