// Settings → Review: the failure-mode list as an editable draft, checked before it is saved, and the main
// process's refusals placed beside the field they name (`['modes', 2, 'mitigation', 'group']`).
import type { ErrorIssue } from '../../../shared/result';
import type { FailureMode } from '../../../shared/review-contract';

export type MitigationKind = 'none' | 'negativeGroup' | 'provider';

export interface DraftMode {
  /** Stable identity while reasons move, for React keys and focus. */
  key: number;
  /** The saved id; '' for a reason added here (its id is made from its label when saved). */
  id: string;
  label: string;
  description: string;
  kind: MitigationKind;
  group: string;
  provider: string;
}

/** The fields of one reason a problem can be about. */
export type ModeField = 'label' | 'description' | 'group' | 'provider';
export type ModeProblems = Map<number, Partial<Record<ModeField, string>>>;

export const LABEL_MAX = 60;
export const DESCRIPTION_MAX = 300;
export const MODES_MAX = 40;

let nextKey = 1;
export const newModeKey = () => nextKey++;

export function toDrafts(modes: readonly FailureMode[]): DraftMode[] {
  return modes.map((mode) => ({
    key: newModeKey(),
    id: mode.id,
    label: mode.label,
    description: mode.description,
    kind: mode.mitigation?.kind ?? 'none',
    group: mode.mitigation?.kind === 'negativeGroup' ? mode.mitigation.group : '',
    provider: mode.mitigation?.kind === 'provider' ? mode.mitigation.provider : '',
  }));
}

/** An id from a label: "Bad hands" → "bad-hands", made unique against the ids already taken. */
export function idFromLabel(label: string, taken: ReadonlySet<string>): string {
  const base =
    label
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 34) || 'reason';
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  return id;
}

/** The list to save: ids kept, new reasons given one from their label. */
export function fromDrafts(drafts: readonly DraftMode[]): FailureMode[] {
  const taken = new Set(drafts.map((d) => d.id).filter(Boolean));
  return drafts.map((d) => {
    let id = d.id;
    if (!id) {
      id = idFromLabel(d.label, taken);
      taken.add(id);
    }
    return {
      id,
      label: d.label.trim(),
      description: d.description.trim(),
      mitigation:
        d.kind === 'negativeGroup'
          ? { kind: 'negativeGroup', group: d.group }
          : d.kind === 'provider'
            ? { kind: 'provider', provider: d.provider }
            : null,
    };
  });
}

/** Whether the draft says the same as the saved list. */
export function sameAsSaved(drafts: readonly DraftMode[], saved: readonly FailureMode[]): boolean {
  if (drafts.length !== saved.length) return false;
  const made = fromDrafts(drafts);
  return made.every((m, i) => JSON.stringify(m) === JSON.stringify(saved[i]));
}

/**
 * What blocks saving, by reason and field, in the words shown under the field; `general` for the list
 * itself. `groups` and `providers` are the ids the library and catalog offer.
 */
export function checkDrafts(
  drafts: readonly DraftMode[],
  groups: readonly string[] | null,
  providers: readonly string[] | null,
): { general: string | null; modes: ModeProblems } {
  const modes: ModeProblems = new Map();
  const put = (key: number, field: ModeField, message: string) =>
    modes.set(key, { ...modes.get(key), [field]: message });
  const general =
    drafts.length === 0
      ? 'Keep at least one reason: a reviewer needs one to reject with.'
      : drafts.length > MODES_MAX
        ? `At most ${MODES_MAX} reasons.`
        : null;
  const labels = new Set<string>();
  for (const d of drafts) {
    const label = d.label.trim();
    if (label === '') put(d.key, 'label', 'Give the reason a name.');
    else if (label.length > LABEL_MAX) put(d.key, 'label', `A name is at most ${LABEL_MAX} characters.`);
    else if (labels.has(label.toLowerCase())) put(d.key, 'label', 'Another reason has this name.');
    labels.add(label.toLowerCase());
    if (d.description.trim().length > DESCRIPTION_MAX)
      put(d.key, 'description', `A description is at most ${DESCRIPTION_MAX} characters.`);
    if (d.kind === 'negativeGroup') {
      if (!d.group) put(d.key, 'group', 'Choose the negative group to add.');
      else if (groups && !groups.includes(d.group))
        put(d.key, 'group', 'This negative group is no longer in the library.');
    }
    if (d.kind === 'provider') {
      if (!d.provider) put(d.key, 'provider', 'Choose the provider to switch to.');
      else if (providers && !providers.includes(d.provider))
        put(d.key, 'provider', 'This provider is not in this version of Atelier.');
    }
  }
  return { general, modes };
}

const FIELD_OF: Record<string, ModeField> = {
  label: 'label',
  description: 'description',
  group: 'group',
  provider: 'provider',
  id: 'label',
};

function sentence(text: string): string {
  const t = text.trim();
  const s = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

/** The main process's issues (`['modes', 1, 'mitigation', 'provider']`) beside the field of that reason. */
export function placeIssues(
  issues: readonly ErrorIssue[],
  drafts: readonly DraftMode[],
): { modes: ModeProblems; rest: string[] } {
  const modes: ModeProblems = new Map();
  const rest: string[] = [];
  for (const issue of issues) {
    const [head, index] = issue.path;
    const field = FIELD_OF[String(issue.path.at(-1))];
    const draft = head === 'modes' && typeof index === 'number' ? drafts[index] : undefined;
    if (!draft || !field) {
      rest.push(sentence(issue.message));
      continue;
    }
    const before = modes.get(draft.key)?.[field];
    modes.set(draft.key, {
      ...modes.get(draft.key),
      [field]: before ? `${before} ${sentence(issue.message)}` : sentence(issue.message),
    });
  }
  return { modes, rest };
}
