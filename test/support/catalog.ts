/** One provider's shipped catalog file as a catalog of its own, so a suite does not depend on other providers' entries. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Catalog, parseCatalog } from '../../electron/core/providers/catalog';

export const SHIPPED_CATALOG = path.resolve(import.meta.dirname, '../../resources/providers');

export function providerCatalog(id: string): Catalog {
  const file = path.join(SHIPPED_CATALOG, `${id}.json`);
  return parseCatalog({ version: 1, providers: [JSON.parse(readFileSync(file, 'utf8'))] }, file);
}
