// @vitest-environment happy-dom
// A slot shows its placeholder until its feature fills it, then the filler; emptied, the placeholder again.
import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { afterEach, describe, expect, it } from 'vitest';
import { fill, Slot } from './slots';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const host = document.createElement('div');
document.body.append(host);
const root = createRoot(host);
afterEach(() => act(() => root.render(null)));

describe('Slot', () => {
  it('holds the placeholder until the feature fills the slot', () => {
    act(() => root.render(<Slot name="history.actions" placeholder={<span>reserved</span>} />));
    expect(host.textContent).toBe('reserved');
    let empty = () => {};
    act(() => {
      empty = fill('history.actions', () => <button type="button">Import…</button>);
    });
    expect(host.textContent).toBe('Import…');
    act(() => empty());
    expect(host.textContent).toBe('reserved');
  });

  it('renders nothing without a placeholder or a filler', () => {
    act(() => root.render(<Slot name="run.imported" runId={1} />));
    expect(host.innerHTML).toBe('');
  });
});
