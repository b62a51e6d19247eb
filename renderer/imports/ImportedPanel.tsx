// A run's dialog, for an imported image: where it came from, every parameter its file held (the raw
// metadata too), and *Reproduce on…* a ComfyUI server (the graph as it is), an A1111 server, or a route.

import { useEffect } from 'react';
import type { ImportedParameters } from '../../shared/import-contract';
import { IMPORT_SOURCE_NAMES } from '../../shared/import-sources';
import { useLocalServersStore } from '../app/local-servers';
import { Button, ErrorCard } from '../components';
import { readableError } from '../lib/errors';
import { useRunImportStore } from './store';

function parameterRows(p: ImportedParameters): Array<[string, string]> {
  const rows: Array<[string, string | null | undefined]> = [
    ['Made with', p.tool ?? IMPORT_SOURCE_NAMES[p.source]],
    ['Seed', p.seed],
    ['Steps', p.steps?.toString()],
    ['CFG', p.cfg?.toString()],
    ['Sampler', p.sampler],
    ['Scheduler', p.scheduler],
    ['Size', p.width && p.height ? `${p.width} × ${p.height}` : null],
    ['Model', p.model ? [p.model.name, p.model.hash && `(${p.model.hash})`].filter(Boolean).join(' ') : null],
    ['VAE', p.vae?.name],
    [
      'LoRAs',
      p.loras
        .map((l) => `${l.name}${l.weight === null ? '' : ` × ${l.weight}`}${l.hash ? ` (${l.hash})` : ''}`)
        .join(', ') || null,
    ],
    [
      'Hires fix',
      p.hires
        ? [
            p.hires.upscale && `${p.hires.upscale}×`,
            p.hires.upscaler,
            p.hires.steps && `${p.hires.steps} steps`,
            p.hires.denoise !== null && `denoise ${p.hires.denoise}`,
          ]
            .filter(Boolean)
            .join(', ')
        : null,
    ],
    ['ADetailer', p.adetailer.map((a) => a.model).join(', ') || null],
    [
      'Other samplers',
      p.otherSamplers
        .map((s) => `${s.classType} (${s.steps ?? '?'} steps, seed ${s.seed ?? '?'})`)
        .join('; ') || null,
    ],
  ];
  if (p.midjourney) {
    const m = p.midjourney;
    rows.push(
      ['Aspect ratio', m.aspectRatio],
      ['Stylize', m.stylize?.toString()],
      ['Chaos', m.chaos?.toString()],
      ['Version', m.niji ? `Niji ${m.niji}` : m.version],
      ['Style references', m.sref.join(' ') || null],
      ['Character references', m.cref.join(' ') || null],
    );
  }
  return rows.filter((row): row is [string, string] => typeof row[1] === 'string' && row[1] !== '');
}

export function ImportedPanel({ runId }: { runId: number }) {
  const { imported, error, reproducing, reproduced, load, reproduce } = useRunImportStore();
  const servers = useLocalServersStore((s) => s.servers);
  useEffect(() => {
    void load(runId);
  }, [runId, load]);
  if (!imported) return error ? <ErrorCard error={readableError(error)} compact /> : null;
  const hasComfy = servers.some((s) => s.kind === 'comfyui' && s.enabled);
  const hasA1111 = servers.some((s) => s.kind === 'a1111' && s.enabled);
  const p = imported.parameters;
  return (
    <section className="imported" aria-label="Imported image">
      <p className="imported__origin">
        Made outside Atelier
        {imported.source === 'plain' ? '' : ` with ${IMPORT_SOURCE_NAMES[imported.source]}`}; imported from{' '}
        <span className="imported__file">{imported.fileName}</span>.
      </p>
      {(imported.reproduce.comfyuiGraph || imported.reproduce.a1111 || imported.reproduce.atelier) && (
        <fieldset className="imported__actions">
          <legend className="imported__label">Reproduce on</legend>
          {imported.reproduce.comfyuiGraph && (
            <Button
              size="sm"
              busy={reproducing === 'comfyui'}
              disabled={!hasComfy}
              title={
                hasComfy
                  ? 'Send the file’s own ComfyUI graph, unchanged'
                  : 'Add a ComfyUI server in Settings → Local GPU first'
              }
              onClick={() => void reproduce('comfyui')}
            >
              ComfyUI (graph as it is)
            </Button>
          )}
          {imported.reproduce.a1111 && (
            <Button
              size="sm"
              busy={reproducing === 'a1111'}
              disabled={!hasA1111}
              title={
                hasA1111
                  ? 'Send its parameters to your A1111/Forge server'
                  : 'Add an A1111/Forge server in Settings → Local GPU first'
              }
              onClick={() => void reproduce('a1111')}
            >
              AUTOMATIC1111 / Forge
            </Button>
          )}
          {imported.reproduce.atelier && (
            <Button
              size="sm"
              variant="ghost"
              busy={reproducing === 'route'}
              onClick={() => void reproduce('route')}
            >
              Closest Atelier request
            </Button>
          )}
        </fieldset>
      )}
      {reproduced !== null && (
        <p className="imported__queued" role="status">
          Queued as run {reproduced}; it appears in History when it is done.
        </p>
      )}
      {error && <ErrorCard error={readableError(error)} compact />}
      {p ? (
        <dl className="kv imported__params">
          {parameterRows(p).map(([label, value]) => (
            <div key={label} className="kv__row">
              <dt>{label}</dt>
              <dd className="kv__prose">{value}</dd>
            </div>
          ))}
        </dl>
      ) : (
        <p className="imported__none">This file carries no generation parameters.</p>
      )}
      {p && p.warnings.length > 0 && (
        <ul className="imported__warnings" aria-label="What could not be read">
          {p.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      {Object.keys(imported.raw).length > 0 && (
        <details className="imported__raw">
          <summary>Metadata as the file holds it</summary>
          {Object.entries(imported.raw).map(([key, value]) => (
            <div key={key} className="imported__raw-field">
              <span className="imported__raw-key">{key}</span>
              <pre className="imported__raw-value">{value}</pre>
            </div>
          ))}
        </details>
      )}
    </section>
  );
}
