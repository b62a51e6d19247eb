// Forms place the main process's issues by their paths, never by parsing the sentence.
import { describe, expect, it, vi } from 'vitest';
import { SERVER_SLOTS } from '../../shared/limits';
import { issuesByField, issuesByItem } from '../lib/errors';

describe('issues beside their fields', () => {
  it('a route refusal puts each chain issue beside its step, by index', () => {
    const { items, rest } = issuesByItem(
      [
        { path: ['chain', 1, 'model'], message: 'PB has no model "nope".' },
        { path: ['taskType'], message: 'must be one of the task types' },
      ],
      'chain',
    );
    expect([...items]).toEqual([[1, 'PB has no model "nope".']]);
    expect(rest).toEqual([{ path: ['taskType'], message: 'must be one of the task types' }]);
  });

  it('a server refusal shows each issue under its box, the rest in the card', () => {
    const { fields, rest } = issuesByField(
      [
        { path: ['url'], message: 'must start with http:// or https://' },
        { path: ['workflow', 'nodes', '3'], message: 'is not a node' },
        { path: ['workflow'], message: 'has no output' },
        { path: ['kind'], message: 'must be a1111 or comfyui' },
      ],
      ['url', 'label', 'slots', 'basicAuth', 'workflow'] as const,
    );
    expect(fields).toEqual({
      url: 'URL must start with http:// or https://.',
      workflow: 'Workflow is not a node. Workflow has no output.',
    });
    expect(rest).toEqual([{ path: ['kind'], message: 'must be a1111 or comfyui' }]);
  });
});

describe('adding a local server', () => {
  it('is checked with the call’s own schema, each refused field in the form’s words', async () => {
    vi.doMock('../api', () => ({
      api: { call: () => Promise.resolve({ ok: true, value: {} }), on: () => () => {} },
    }));
    const { serverInputProblems } = await import('./local/AddServerForm');
    expect(serverInputProblems({ kind: 'a1111', url: 'http://127.0.0.1:7860', slots: 2 })).toEqual({});
    expect(
      serverInputProblems({
        kind: 'a1111',
        url: 'ftp://host',
        slots: SERVER_SLOTS.max + 1,
        basicAuth: 'nopassword',
      }),
    ).toEqual({
      url: 'Give the address like http://127.0.0.1:7860.',
      slots: 'Slots are a whole number from 1 to 16.',
      basicAuth: 'Write it as user:password.',
    });
    expect(serverInputProblems({ kind: 'a1111', url: 'http://h', slots: Number.NaN }).slots).toBeDefined();
  });
});
