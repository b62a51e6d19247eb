// @vitest-environment happy-dom
// Settings → Files: shows the saved mode, saves a new one, and puts the old one back (with the reason) when refused.
import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { afterEach, describe, expect, it, vi } from 'vitest';

let stored = 'full';
let refuse = false;
const calls: Array<[string, unknown]> = [];
vi.mock('../../api', () => ({
  api: {
    call: async (method: string, input: { mode?: string }) => {
      calls.push([method, input]);
      if (method === 'metadata.getMode') return { ok: true, value: { mode: stored } };
      if (method === 'metadata.setMode') {
        if (refuse)
          return { ok: false, error: { code: 'internal', message: 'The library could not be written.' } };
        stored = input.mode!;
        return { ok: true, value: { mode: stored } };
      }
      return { ok: false, error: { code: 'internal', message: `unexpected ${method}` } };
    },
    on: () => () => {},
  },
}));

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const host = document.createElement('div');
document.body.append(host);
const root = createRoot(host);
afterEach(() => act(() => root.render(null)));

const radio = (label: string) =>
  [...host.querySelectorAll('label')].find((l) => l.textContent?.startsWith(label))!.querySelector('input')!;

describe('Settings → Files', () => {
  it('shows the saved mode, saves a choice, and keeps the old one when saving is refused', async () => {
    const { FilesSettingsPanel } = await import('./FilesSettings');
    await act(async () => root.render(<FilesSettingsPanel />));
    expect(radio('Parameters and provenance').checked).toBe(true);

    await act(async () => radio('Strip everything').click());
    expect(calls.at(-1)).toEqual(['metadata.setMode', { mode: 'strip' }]);
    expect(radio('Strip everything').checked).toBe(true);

    refuse = true;
    await act(async () => radio('Parameters only').click());
    expect(radio('Strip everything').checked).toBe(true);
    expect(host.textContent).toContain('The library could not be written.');
  });
});
