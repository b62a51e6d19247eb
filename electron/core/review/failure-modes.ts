import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AppError, describeZodError } from '../../../shared/result';
import { FailureMode } from '../../../shared/review-contract';
import type { SettingsRepo } from '../store';

/**
 * The failure-mode catalog a reviewer rejects with (resources/failure-modes.json): each reason maps to a
 * mitigation that "Apply to next Branch" puts in the next request, a negative group from the starter
 * library or a provider to switch the route to. Validated when loaded, against the groups and providers
 * that exist, so a typo in the file stops the app at start instead of offering a mitigation that does nothing.
 */
export type { FailureMode, Mitigation } from '../../../shared/review-contract';

const CatalogFile = z.strictObject({
  version: z.literal(1),
  modes: z.array(FailureMode).min(1, 'must list at least one failure mode'),
});

export class FailureModeCatalogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FailureModeCatalogError';
  }
}

/** What the mitigations may name. */
export interface MitigationTargets {
  negativeGroups: readonly string[];
  providers: readonly string[];
}

export function parseFailureModes(
  data: unknown,
  targets: MitigationTargets,
  source = 'failure-modes.json',
): FailureMode[] {
  const parsed = CatalogFile.safeParse(data);
  if (!parsed.success) throw new FailureModeCatalogError(`${source}: ${describeZodError(parsed.error)}`);
  const problems: string[] = [];
  const seen = new Set<string>();
  parsed.data.modes.forEach((mode, i) => {
    if (seen.has(mode.id)) problems.push(`modes[${i}].id: "${mode.id}" is listed twice`);
    seen.add(mode.id);
    const m = mode.mitigation;
    if (m?.kind === 'negativeGroup' && !targets.negativeGroups.includes(m.group)) {
      problems.push(`modes[${i}].mitigation.group: there is no negative group "${m.group}"`);
    }
    if (m?.kind === 'provider' && !targets.providers.includes(m.provider)) {
      problems.push(`modes[${i}].mitigation.provider: there is no provider "${m.provider}"`);
    }
  });
  if (problems.length > 0) throw new FailureModeCatalogError(`${source}: ${problems.join('; ')}`);
  return parsed.data.modes;
}

const SHIPPED_FILE = path.join('resources', 'failure-modes.json');

/** Walks up from this module: the source tree and the bundle sit at different depths. */
export function findFailureModes(): string {
  let dir = import.meta.dirname;
  for (;;) {
    const candidate = path.join(dir, SHIPPED_FILE);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`Cannot find ${SHIPPED_FILE} above ${import.meta.dirname}.`);
    dir = parent;
  }
}

export function loadFailureModes(targets: MitigationTargets, file = findFailureModes()): FailureMode[] {
  return parseFailureModes(JSON.parse(readFileSync(file, 'utf8')), targets, path.basename(file));
}

/** Where Settings → Review keeps an edited list. */
export const FAILURE_MODES_SETTING = 'review.failureModes';

/**
 * The failure modes in effect: the edited list stored in settings, else the shipped one. An edited list is
 * checked with the same rules as the shipped file (the field names the problem: `modes[2].mitigation.group`).
 */
export function createFailureModeBook(deps: {
  shipped: FailureMode[];
  targets: MitigationTargets;
  settings: Pick<SettingsRepo, 'get' | 'set'>;
  now: () => number;
}) {
  const stored = () => deps.settings.get(FAILURE_MODES_SETTING, z.array(FailureMode).nullable(), null);
  return {
    modes: (): FailureMode[] => stored() ?? deps.shipped,
    save(modes: FailureMode[] | null): FailureMode[] {
      if (modes !== null) {
        try {
          parseFailureModes({ version: 1, modes }, deps.targets, 'edited list');
        } catch (error) {
          throw new AppError('invalid_input', (error as Error).message.replace(/^edited list: /, ''));
        }
      }
      deps.settings.set(FAILURE_MODES_SETTING, modes, deps.now());
      return modes ?? deps.shipped;
    },
  };
}
