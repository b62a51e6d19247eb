// The failure-mode catalog: the shipped file loads, and a file that names a group or provider that does
// not exist (or lists a reason twice, or misses a label) is refused with where the problem sits.
import { describe, expect, it } from 'vitest';
import { readStarterLibrary } from '../library/starter';
import { loadCatalog } from '../providers/catalog';
import { loadFailureModes, parseFailureModes } from './failure-modes';

const targets = { negativeGroups: ['anatomy', 'blur'], providers: ['ideogram'] };
const mode = (more: Record<string, unknown> = {}) => ({
  id: 'anatomy',
  label: 'Anatomy',
  mitigation: { kind: 'negativeGroup', group: 'anatomy' },
  ...more,
});

describe('failure-mode catalog', () => {
  it('the shipped catalog is valid against the starter negative groups and the shipped providers', () => {
    const modes = loadFailureModes({
      negativeGroups: readStarterLibrary().negatives.map((n) => n.slug),
      providers: loadCatalog().providers.map((p) => p.id),
    });
    expect(modes.map((m) => m.id)).toEqual(
      expect.arrayContaining([
        'mangled-text',
        'anatomy',
        'style-drift',
        'artifacts',
        'off-brief',
        'low-resolution',
        'wrong-aspect',
        'logo-gibberish',
      ]),
    );
    expect(modes.every((m) => m.mitigation !== null)).toBe(true);
  });

  it('parses a good file', () => {
    expect(parseFailureModes({ version: 1, modes: [mode()] }, targets)).toEqual([
      {
        id: 'anatomy',
        label: 'Anatomy',
        description: '',
        mitigation: { kind: 'negativeGroup', group: 'anatomy' },
      },
    ]);
  });

  it.each([
    [
      { version: 1, modes: [mode({ mitigation: { kind: 'negativeGroup', group: 'hands' } })] },
      /modes\[0\]\.mitigation\.group: there is no negative group "hands"/,
    ],
    [
      { version: 1, modes: [mode({ mitigation: { kind: 'provider', provider: 'nope' } })] },
      /modes\[0\]\.mitigation\.provider: there is no provider "nope"/,
    ],
    [{ version: 1, modes: [mode(), mode({ label: 'Again' })] }, /modes\[1\]\.id: "anatomy" is listed twice/],
    [{ version: 1, modes: [mode({ label: '' })] }, /modes\.0\.label/],
    [{ version: 1, modes: [mode({ mitigation: { kind: 'route' } })] }, /modes\.0\.mitigation\.kind/],
    [{ version: 2, modes: [mode()] }, /version/],
  ])('refuses %j', (data, message) => {
    expect(() => parseFailureModes(data, targets)).toThrow(message);
  });
});
