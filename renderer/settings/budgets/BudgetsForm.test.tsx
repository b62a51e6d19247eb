// @vitest-environment happy-dom
// Settings → Budgets: what the user types survives a late reload of the saved budgets (the tab
// reloads them each time it opens, and the answer can land after the user has started typing).
import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Budgets } from '../../../shared/domain';

const saved: Budgets = { overall: { dailyUsd: 5, monthlyUsd: null }, providers: {} };
const calls: string[] = [];
vi.mock('../../api', () => ({
  api: {
    call: async (method: string) => {
      calls.push(method);
      if (method === 'budgets.get') return { ok: true, value: structuredClone(saved) }; // a new object each time, as over the wire
      if (method === 'providers.status') return { ok: true, value: { providers: [] } };
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

function typeInto(input: HTMLInputElement, text: string) {
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
  setter.call(input, text);
  input.dispatchEvent(new Event('input', { bubbles: true }));
}

describe('the budgets form', () => {
  it('keeps typed amounts when the saved budgets arrive again, and refuses one that is not an amount', async () => {
    const { BudgetsForm } = await import('./BudgetsForm');
    const { useBudgetsStore } = await import('./store');
    await act(async () => root.render(<BudgetsForm />));
    const label = [...host.querySelectorAll('label')].find(
      (l) => l.textContent === 'Overall daily budget (USD)',
    )!;
    const daily = host.querySelector<HTMLInputElement>(`#${CSS.escape(label.htmlFor)}`)!;
    expect(daily.value).toBe('5');

    await act(async () => typeInto(daily, 'five'));
    // The tab opened again: the same budgets are loaded once more, after the typing.
    await act(async () => useBudgetsStore.getState().load());
    expect(calls.filter((c) => c === 'budgets.get').length).toBeGreaterThanOrEqual(2);
    expect(daily.value).toBe('five');

    const form = host.querySelector('form')!;
    await act(async () => form.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true })));
    expect(host.querySelector('[role="alert"]')?.textContent).toContain('not valid');
    expect(daily.getAttribute('aria-invalid')).toBe('true');
    expect(calls).not.toContain('budgets.set');
  });
});
