import type { RunDetail } from '../../shared/domain';
import { IMPORT_SOURCE_NAMES } from '../../shared/import-sources';
import { cachedText, runFacts } from '../lib/attempts';
import { Badge } from './Badge';

/** "cached (from run 12, no charge)" and "content-policy fall-through allowed by route", where they apply. */
export function RunFactBadges({ detail }: { detail: RunDetail }) {
  const facts = runFacts(detail);
  return (
    <>
      {detail.source && (
        <Badge tone="info" icon="download">
          {detail.source === 'plain' ? 'imported' : `imported from ${IMPORT_SOURCE_NAMES[detail.source]}`}
        </Badge>
      )}
      {facts.cachedFrom !== undefined && (
        <Badge tone="info" icon="database">
          {cachedText(facts.cachedFrom)}
        </Badge>
      )}
      {facts.contentFallthrough && (
        <Badge tone="warning" icon="shield">
          content-policy fall-through allowed by route
        </Badge>
      )}
    </>
  );
}
