// The import dialog's report: a folder the core reads can finish before `imports.start` answers, while its
// progress events are not yet known as ours; the dialog still ends on the finished report.
import { describe, expect, it, vi } from 'vitest';

vi.mock('../api', () => ({
  api: {
    call: async (method: string) => {
      if (method === 'imports.start')
        return { ok: true, value: { id: 'imp-1', state: 'running', processed: 0 } };
      if (method === 'imports.get') return { ok: true, value: { id: 'imp-1', state: 'done', processed: 5 } };
      return { ok: false, error: { code: 'internal', message: method } };
    },
    on: () => () => {},
  },
}));

describe('the import store', () => {
  it('ends on the finished report when the import finished before the start call answered', async () => {
    const { useImportsStore } = await import('./store');
    useImportsStore.setState({ picked: [], folderPath: '/photos', midjourney: '' });
    await useImportsStore.getState().start();
    expect(useImportsStore.getState().report).toMatchObject({ state: 'done', processed: 5 });
  });
});
