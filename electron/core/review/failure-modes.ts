import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AppError, describeZodError, type ErrorIssue, zodIssues } from '../../../shared/result';
import { FailureMode, type RetiredFailureMode } from '../../../shared/review-contract';
import { findShipped } from '../resources';
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
  /** Each problem with the path of its field (`['modes', 2, 'mitigation', 'group']`), for Settings to place. */
  readonly issues: ErrorIssue[];
  constructor(message: string, issues: ErrorIssue[] = []) {
    super(message);
    this.name = 'FailureModeCatalogError';
    this.issues = issues;
  }
}

const pathText = (path: ErrorIssue['path']) =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');

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
  if (!parsed.success)
    throw new FailureModeCatalogError(
      `${source}: ${describeZodError(parsed.error)}`,
      zodIssues(parsed.error),
    );
  const problems: ErrorIssue[] = [];
  const seen = new Set<string>();
  const labels = new Set<string>();
  parsed.data.modes.forEach((mode, i) => {
    if (seen.has(mode.id))
      problems.push({ path: ['modes', i, 'id'], message: `"${mode.id}" is listed twice` });
    seen.add(mode.id);
    // Two reasons a reviewer cannot tell apart in the reject menu.
    const label = mode.label.toLowerCase();
    if (labels.has(label))
      problems.push({ path: ['modes', i, 'label'], message: `"${mode.label}" is used by another reason` });
    labels.add(label);
    const m = mode.mitigation;
    if (m?.kind === 'negativeGroup' && !targets.negativeGroups.includes(m.group)) {
      problems.push({
        path: ['modes', i, 'mitigation', 'group'],
        message: `there is no negative group "${m.group}"`,
      });
    }
    if (m?.kind === 'provider' && !targets.providers.includes(m.provider)) {
      problems.push({
        path: ['modes', i, 'mitigation', 'provider'],
        message: `there is no provider "${m.provider}"`,
      });
    }
  });
  if (problems.length > 0) {
    const text = problems.map((p) => `${pathText(p.path)}: ${p.message}`).join('; ');
    throw new FailureModeCatalogError(`${source}: ${text}`, problems);
  }
  return parsed.data.modes;
}

export function findFailureModes(): string {
  return findShipped('failure-modes.json');
}

export function loadFailureModes(targets: MitigationTargets, file = findFailureModes()): FailureMode[] {
  return parseFailureModes(JSON.parse(readFileSync(file, 'utf8')), targets, path.basename(file));
}

/** Where Settings → Review keeps an edited list. */
export const FAILURE_MODES_SETTING = 'review.failureModes';
/** The label of every reason ever in effect, by id: a rejection keeps a readable reason after its mode is removed. */
export const FAILURE_MODE_LABELS_SETTING = 'review.failureModeLabels';

const Labels = z.record(z.string(), z.string());

/** The catalog in effect, and the reasons outputs may still carry that it no longer lists. */
export interface FailureModesInEffect {
  modes: FailureMode[];
  retired: RetiredFailureMode[];
}

/**
 * The failure modes in effect: the edited list stored in settings, else the shipped one. An edited list is
 * checked with the same rules as the shipped file, against the negative groups the library holds now (a
 * group the designer made counts) and every provider (the field names the problem: `modes[2].mitigation.group`).
 */
export function createFailureModeBook(deps: {
  shipped: FailureMode[];
  /** What an edited list may name, read when it is saved. */
  targets: () => MitigationTargets;
  settings: Pick<SettingsRepo, 'get' | 'set'>;
  now: () => number;
}) {
  const stored = () => deps.settings.get(FAILURE_MODES_SETTING, z.array(FailureMode).nullable(), null);
  const labels = () => deps.settings.get(FAILURE_MODE_LABELS_SETTING, Labels, {});
  function inEffect(modes: FailureMode[]): FailureModesInEffect {
    const current = new Set(modes.map((m) => m.id));
    const known: Record<string, string> = {};
    for (const m of deps.shipped) known[m.id] = m.label;
    Object.assign(known, labels());
    const retired = Object.entries(known)
      .filter(([id]) => !current.has(id))
      .map(([id, label]) => ({ id, label }));
    return { modes, retired };
  }
  return {
    modes: (): FailureMode[] => stored() ?? deps.shipped,
    inEffect: (): FailureModesInEffect => inEffect(stored() ?? deps.shipped),
    save(modes: FailureMode[] | null): FailureModesInEffect {
      if (modes !== null) {
        try {
          parseFailureModes({ version: 1, modes }, deps.targets(), 'edited list');
        } catch (error) {
          if (!(error instanceof FailureModeCatalogError)) throw error;
          throw new AppError('invalid_input', error.message.replace(/^edited list: /, ''), {
            issues: error.issues,
          });
        }
      }
      // The labels of what was in effect and of what will be: rejections made with either stay readable.
      const known = labels();
      for (const m of [...(stored() ?? deps.shipped), ...(modes ?? deps.shipped)]) known[m.id] = m.label;
      const now = deps.now();
      deps.settings.set(FAILURE_MODE_LABELS_SETTING, known, now);
      deps.settings.set(FAILURE_MODES_SETTING, modes, now);
      return inEffect(modes ?? deps.shipped);
    },
  };
}
