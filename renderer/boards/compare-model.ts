// The parameter table under Compare: one row per parameter, one column per output, and which rows differ.
// Pure: the dialog renders what this returns, and the unit test pins it.

import type { CompareItem } from '../../shared/boards-contract';
import type { ProviderInfo } from '../../shared/domain';
import { type DiffPart, diffWords } from '../lib/diff';
import { modelName, providerName } from '../lib/provider-names';

export interface CompareRow {
  key: string;
  label: string;
  /** What each column shows ("—" when the output has no value). */
  values: string[];
  /** Not every column shows the same value. */
  differs: boolean;
  /** Text rows: each column's words against the first column (the baseline when there is one). */
  words?: DiffPart[][];
}

const NONE = '—';

function show(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return NONE;
  return String(value);
}

/** A stored image path as a person reads it: the first characters of its content hash. */
function referenceLabel(path: string): string {
  const file = path.split('/').pop() ?? path;
  return `Image ${file.slice(0, 8)}`;
}

function row(key: string, label: string, values: string[]): CompareRow {
  return { key, label, values, differs: values.some((v) => v !== values[0]) };
}

function textRow(key: string, label: string, texts: string[]): CompareRow {
  const base = row(key, label, texts.map(show));
  const first = texts[0] ?? '';
  return {
    ...base,
    words: texts.map((text, i) => (i === 0 ? diffWords(first, first) : diffWords(first, text))),
  };
}

/** The rows for 2–4 outputs, in the order the columns are shown (the first is what the others are read against). */
export function compareRows(items: CompareItem[], providers: ProviderInfo[]): CompareRow[] {
  const requestOf = (item: CompareItem) => item.run.request;
  const valuesOf = (item: CompareItem) =>
    item.run.requested?.template?.values ?? item.run.request.template?.values ?? {};
  const rows: CompareRow[] = [
    textRow(
      'prompt',
      'Prompt',
      items.map((i) => requestOf(i).prompt || i.run.prompt),
    ),
    textRow(
      'negative',
      'Negative prompt',
      items.map((i) => requestOf(i).negativePrompt),
    ),
    row(
      'seed',
      'Seed',
      items.map((i) => show(i.run.seed)),
    ),
    row(
      'steps',
      'Steps',
      items.map((i) => show(requestOf(i).steps)),
    ),
    row(
      'guidance',
      'Guidance',
      items.map((i) => show(requestOf(i).guidance)),
    ),
    row(
      'size',
      'Size',
      items.map((i) => `${i.output.width} × ${i.output.height}`),
    ),
    row(
      'provider',
      'Provider',
      items.map((i) => providerName(providers, i.run.provider)),
    ),
    row(
      'model',
      'Model',
      items.map((i) => modelName(providers, i.run.provider, i.run.model)),
    ),
    row(
      'style',
      'Style',
      items.map((i) => (i.style ? `${i.style.name} v${i.style.version}` : NONE)),
    ),
    row(
      'template',
      'Template',
      items.map((i) => (i.template ? `${i.template.name} v${i.template.version}` : NONE)),
    ),
  ];
  const names = [...new Set(items.flatMap((i) => Object.keys(valuesOf(i))))].sort();
  for (const name of names) {
    const label = name.charAt(0).toUpperCase() + name.slice(1).replace(/_/g, ' ');
    rows.push(
      row(
        `var:${name}`,
        `Variable: ${label}`,
        items.map((i) => show(valuesOf(i)[name])),
      ),
    );
  }
  rows.push(
    row(
      'reference',
      'Reference',
      items.map((i) => {
        const reference = requestOf(i).reference;
        return reference ? referenceLabel(reference.path) : NONE;
      }),
    ),
    row(
      'strength',
      'Strength',
      items.map((i) => show(requestOf(i).reference?.strength)),
    ),
  );
  return rows;
}

/** Puts the baseline first (columns are read against it); the others keep their order. */
export function baselineFirst(outputIds: number[], baselineId: number | null): number[] {
  if (baselineId === null || !outputIds.includes(baselineId)) return outputIds;
  return [baselineId, ...outputIds.filter((id) => id !== baselineId)];
}
