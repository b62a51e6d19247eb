// `npm run bench`: speed, reported against baselines measured in the same process. Not part of `npm test`.
import { benchBatches } from './batches.bench';
import { benchDispatch } from './dispatch.bench';
import { benchExport } from './export.bench';
import { benchGalleryBrowser } from './gallery-browser.bench';
import { benchHistory } from './history.bench';
import { benchIngest } from './ingest.bench';
import { benchLibrary } from './library.bench';
import { benchMetadataImport } from './metadata-import.bench';
import { benchMetadataOut } from './metadata-out.bench';
import { benchQuality } from './quality.bench';
import { benchQualityModels } from './quality-models.bench';
import { benchReferences } from './references.bench';
import { type BenchRow, printTable } from './report';
import { benchStore } from './store.bench';

const suites: Array<[string, () => Promise<BenchRow[]>]> = [
  ['Store and history', benchStore],
  ['History search', benchHistory],
  ['Image ingest', benchIngest],
  ['Dispatcher', benchDispatch],
  ['Reference library', benchReferences],
  ['Style library', benchLibrary],
  ['Metadata import', benchMetadataImport],
  ['Metadata out', benchMetadataOut],
  ['Export', benchExport],
  ['Batches', benchBatches],
  ['Quality gate', benchQuality],
  ['Quality models', benchQualityModels],
  // Last: it needs the build (`npm run build`) and says so, after the others have run.
  ['History in the browser', benchGalleryBrowser],
];
const only = process.argv.slice(2);
let missed = 0;
for (const [title, run] of suites) {
  if (
    only.length > 0 &&
    !only.some((o) => title.toLowerCase().includes(o.toLowerCase().replaceAll('-', ' ')))
  )
    continue;
  const rows = await run();
  missed += rows.filter((r) => r.ok === false).length;
  printTable(title, rows);
}
process.stdout.write(`\n${missed === 0 ? 'All goals met.' : `${missed} goal(s) missed.`}\n`);
