// The export's sidecars: manifest.json and manifest.csv in the folder's root, one entry per file written.
import { stringify } from 'csv-stringify/sync';

export interface ManifestEntry {
  file: string;
  bytes: number;
  format: string;
  width: number;
  height: number;
  preset: string;
  size: string;
  runId: number;
  outputId: number;
  prompt: string;
  seed: number | null;
  provider: string;
  model: string | null;
  /** `Name v3` of the style version the run used, or null. */
  styleVersion: string | null;
  /** The batch that made the run, its item (1-based) and where the item sits (`16:9 · variant 2`); null otherwise. */
  batchId: number | null;
  batchItem: number | null;
  batchCoords: string | null;
  altText: string | null;
  /** Who approved the alt text, when. */
  altTextApprovedBy: string | null;
  /** The output's review approval: its sign-off reference and when it was approved. */
  approvalRef: string | null;
  approvedAt: string | null;
  licence: string;
}

export interface Manifest {
  exportId: string;
  createdAt: string;
  atelierVersion: string;
  metadata: string;
  files: ManifestEntry[];
}

const COLUMNS: (keyof ManifestEntry)[] = [
  'file',
  'bytes',
  'format',
  'width',
  'height',
  'preset',
  'size',
  'runId',
  'outputId',
  'prompt',
  'seed',
  'provider',
  'model',
  'styleVersion',
  'batchId',
  'batchItem',
  'batchCoords',
  'altText',
  'altTextApprovedBy',
  'approvalRef',
  'approvedAt',
  'licence',
];

export function manifestJson(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** RFC 4180 CSV with a header row; a cell starting with = + - @ is prefixed with ' so a spreadsheet never runs it. */
export function manifestCsv(manifest: Manifest): string {
  const guard = (value: unknown) => {
    if (value === null || value === undefined) return '';
    const text = String(value);
    return typeof value === 'string' && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  };
  return stringify(
    manifest.files.map((entry) => COLUMNS.map((column) => guard(entry[column]))),
    { header: true, columns: COLUMNS as string[], bom: true, record_delimiter: '\r\n' },
  );
}
