import { describe, expect, it } from 'vitest';
import { reasonText } from '../../lib/failure-modes';
import {
  checkDrafts,
  type DraftMode,
  fromDrafts,
  idFromLabel,
  placeIssues,
  sameAsSaved,
  toDrafts,
} from './modes-draft';

const saved = [
  {
    id: 'anatomy',
    label: 'Anatomy',
    description: 'Hands',
    mitigation: { kind: 'negativeGroup' as const, group: 'anatomy' },
  },
  {
    id: 'typography',
    label: 'Poor typography',
    description: '',
    mitigation: { kind: 'provider' as const, provider: 'ideogram' },
  },
];
const draft = (more: Partial<DraftMode>): DraftMode => ({
  key: 99,
  id: '',
  label: 'New',
  description: '',
  kind: 'none',
  group: '',
  provider: '',
  ...more,
});

describe('failure-mode drafts', () => {
  it('round-trips the saved list and notices an edit or a move', () => {
    const drafts = toDrafts(saved);
    expect(fromDrafts(drafts)).toEqual(saved);
    expect(sameAsSaved(drafts, saved)).toBe(true);
    expect(sameAsSaved([drafts[1]!, drafts[0]!], saved)).toBe(false);
    expect(sameAsSaved([{ ...drafts[0]!, kind: 'none' }, drafts[1]!], saved)).toBe(false);
  });

  it('a new reason gets an id from its name, unique in the list', () => {
    expect(idFromLabel('Bad hands!', new Set())).toBe('bad-hands');
    expect(idFromLabel('Café  crème', new Set(['cafe-creme']))).toBe('cafe-creme-2');
    expect(idFromLabel('!!!', new Set())).toBe('reason');
    const made = fromDrafts([
      ...toDrafts(saved),
      draft({ label: ' Anatomy ', key: 5 }),
      draft({ label: 'x' }),
    ]);
    expect(made.map((m) => m.id)).toEqual(['anatomy', 'typography', 'anatomy-2', 'x']);
    expect(made[2]!.label).toBe('Anatomy');
  });

  it('names what blocks saving, by reason and field', () => {
    const drafts = [
      draft({ key: 1, label: '' }),
      draft({ key: 2, label: 'Anatomy' }),
      draft({ key: 3, label: 'anatomy', kind: 'negativeGroup', group: '' }),
      draft({ key: 4, label: 'Gone', kind: 'negativeGroup', group: 'deleted' }),
      draft({ key: 5, label: 'Route', kind: 'provider', provider: '' }),
      draft({ key: 6, label: 'Fine', kind: 'provider', provider: 'ideogram', description: 'y'.repeat(301) }),
    ];
    const { general, modes } = checkDrafts(drafts, ['anatomy'], ['ideogram']);
    expect(general).toBeNull();
    expect(Object.fromEntries(modes)).toEqual({
      1: { label: 'Give the reason a name.' },
      3: { label: 'Another reason has this name.', group: 'Choose the negative group to add.' },
      4: { group: 'This negative group is no longer in the library.' },
      5: { provider: 'Choose the provider to switch to.' },
      6: { description: 'A description is at most 300 characters.' },
    });
    expect(checkDrafts([], [], []).general).toMatch(/at least one reason/);
  });

  it("places the main process's issues beside the reason and field they name", () => {
    const drafts = toDrafts(saved);
    const placed = placeIssues(
      [
        { path: ['modes', 1, 'mitigation', 'provider'], message: 'there is no provider "nobody"' },
        { path: ['modes', 0, 'label'], message: 'too long' },
        { path: ['modes'], message: 'must keep at least one reason' },
      ],
      drafts,
    );
    expect(placed.modes.get(drafts[1]!.key)).toEqual({ provider: 'There is no provider "nobody".' });
    expect(placed.modes.get(drafts[0]!.key)).toEqual({ label: 'Too long.' });
    expect(placed.rest).toEqual(['Must keep at least one reason.']);
  });

  it('a rejection whose reason was removed still reads by its last label', () => {
    expect(reasonText('anatomy', saved, [])).toEqual({ label: 'Anatomy', removed: false });
    expect(reasonText('hands', saved, [{ id: 'hands', label: 'Bad hands' }])).toEqual({
      label: 'Bad hands',
      removed: true,
    });
    expect(reasonText('zzz', saved, [])).toEqual({ label: 'A reason no longer listed', removed: true });
  });
});
