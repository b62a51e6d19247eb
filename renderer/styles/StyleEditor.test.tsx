// @vitest-environment happy-dom
// "Generate with this style" hands Generate the style's template, which loads after the style itself: the
// action waits for it (a click in between used to start Generate without the template's fields).
import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { libraryCalls, StyleDetail, TemplateFields } from '../../shared/library-contract';
import { type Answer, answerWith, fail, heldAnswer, ok, resetApi } from '../../test/support/renderer-api';
import { handle, type UseStyle } from '../app/actions';
import { emptyStyle } from './model';

vi.mock('../api', async () => ({ api: (await import('../../test/support/renderer-api')).stubApi }));

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const host = document.createElement('div');
document.body.append(host);
const root = createRoot(host);
afterEach(() => {
  act(() => root.render(null));
  resetApi();
});

const template = TemplateFields.parse({
  name: 'Product shot',
  description: '',
  segments: { subject: '{{subject}}', environment: 'at {{angle}}', technical: '', style: '', negative: '' },
  variables: [
    { name: 'subject', kind: 'text', maxLength: 120, required: true },
    { name: 'angle', kind: 'enum', values: ['three-quarter', 'top-down'], required: true },
  ],
});

const templateAnswer = libraryCalls['templates.get'].output.parse({
  summary: { id: 9, name: 'Product shot', description: '', latestVersionId: 90, version: 1, updatedAt: 0 },
  latest: { versionId: 90, templateId: 9, version: 1, createdAt: 0, note: 'created', fields: template },
  versions: [],
});

const style = StyleDetail.parse({
  id: 4,
  name: 'Photoreal product',
  owner: 'Studio',
  description: '',
  tags: [],
  status: 'approved',
  deprecatedOn: null,
  latestVersionId: 41,
  version: 1,
  updatedAt: 0,
  cover: null,
  builtin: true,
  latest: {
    versionId: 41,
    styleId: 4,
    version: 1,
    createdAt: 0,
    note: 'created',
    fields: { ...emptyStyle(), name: 'Photoreal product', templateId: 9 },
    previews: [],
  },
  versions: [],
});

function generateButton(): HTMLButtonElement {
  const button = [...host.querySelectorAll('button')].find(
    (b) => b.textContent === 'Generate with this style',
  );
  if (!button) throw new Error('no "Generate with this style" button');
  return button;
}

async function openStyle(templateAnswer: ReturnType<typeof heldAnswer<Answer>>) {
  answerWith((name) => {
    if (name === 'styles.get') return ok(style);
    if (name === 'templates.get') return templateAnswer.promise;
    if (name.endsWith('.list')) return ok({ items: [], groups: [] });
    return fail('internal', `not in this test: ${name}`);
  });
  const { StyleEditor } = await import('./StyleEditor');
  const { useStylesStore } = await import('./store');
  await act(async () => {
    void useStylesStore.getState().open(4);
  });
  await act(async () => root.render(<StyleEditor />));
}

describe('"Generate with this style"', () => {
  it("waits for the style's template, then hands it to Generate with its fields", async () => {
    const sent: UseStyle[] = [];
    const stop = handle('generate.useStyle', (payload) => sent.push(payload));
    const held = heldAnswer();
    await openStyle(held);
    expect(generateButton().disabled).toBe(true);
    expect(generateButton().title).toBe("Loading the style's template…");
    await act(async () => generateButton().click());
    expect(sent).toHaveLength(0);

    await act(async () => {
      held.release(ok(templateAnswer));
      await held.promise;
    });
    expect(generateButton().disabled).toBe(false);
    await act(async () => generateButton().click());
    expect(sent).toHaveLength(1);
    expect(sent[0]?.template).toMatchObject({ versionId: 90, name: 'Product shot' });
    expect(sent[0]?.template?.fields.variables.map((v) => v.name)).toEqual(['subject', 'angle']);
    stop();
  });

  it('says so when the template cannot be loaded, and sends nothing', async () => {
    const held = heldAnswer();
    await openStyle(held);
    await act(async () => {
      held.release(fail('not_found', 'no template 9'));
      await held.promise;
    });
    expect(generateButton().disabled).toBe(true);
    expect(generateButton().title).toBe("The style's template could not be loaded");
  });
});
