// The style library: every style's summary held here (search and filters are instant and work offline),
// the style open in the editor with its unsaved draft, and its template.

import { create } from 'zustand';
import type { CallOutput } from '../../shared/contract';
import type {
  NegativeGroup,
  StyleDetail,
  StyleFields,
  StyleStatus,
  StyleSummary,
  TemplateFields,
  TemplateSummary,
  TemplateValues,
} from '../../shared/library-contract';
import type { AppErrorShape, Result } from '../../shared/result';
import { api } from '../api';
import { emptyStyle, emptyTemplate, matchesQuery, sameJson } from './model';

export type EditorPane = 'edit' | 'versions' | 'previews';

interface StylesState {
  status: 'idle' | 'loading' | 'ready' | 'error';
  items: StyleSummary[];
  error: AppErrorShape | null;
  query: string;
  tags: string[];
  statusFilter: StyleStatus | '';
  owner: string;
  templates: TemplateSummary[];
  negatives: NegativeGroup[];

  /** The style open in the editor; 'new' for one not saved yet. */
  openId: number | 'new' | null;
  detail: StyleDetail | null;
  detailError: AppErrorShape | null;
  pane: EditorPane;
  draft: StyleFields;
  /** The template being edited with the style (null: the style renders the request's prompt as subject). */
  template: TemplateFields | null;
  templateBase: TemplateFields | null;
  templateVersionId: number | null;
  values: TemplateValues;
  /** A subject for the live view when the style has no template. */
  sampleSubject: string;
  saving: boolean;
  saveError: AppErrorShape | null;
  /** A line after an action ("Saved as version 3"); cleared on the next edit. */
  notice: string | null;

  load(): Promise<void>;
  loadSide(): Promise<void>;
  setQuery(query: string): void;
  toggleTag(tag: string): void;
  setStatusFilter(status: StyleStatus | ''): void;
  setOwner(owner: string): void;
  clearFilters(): void;

  open(id: number): Promise<void>;
  openNew(): void;
  close(): void;
  setPane(pane: EditorPane): void;
  setDraft(patch: Partial<StyleFields>): void;
  chooseTemplate(id: number | 'new' | null): Promise<void>;
  setTemplate(patch: Partial<TemplateFields>): void;
  setValue(name: string, value: string | number): void;
  setSampleSubject(text: string): void;
  save(note?: string): Promise<boolean>;
  setStatus(status: StyleStatus, deprecatedOn?: string | null, successorId?: number | null): Promise<boolean>;
  revert(toVersionId: number): Promise<boolean>;
  /** Reloads the open style (after an event). */
  refreshOpen(): Promise<void>;
  isDirty(): boolean;
}

let loadSeq = 0;

function put(items: StyleSummary[], detail: StyleDetail): StyleSummary[] {
  const { latest: _l, versions: _v, ...summary } = detail;
  const known = items.some((item) => item.id === summary.id);
  return known ? items.map((item) => (item.id === summary.id ? summary : item)) : [summary, ...items];
}

export const useStylesStore = create<StylesState>()((set, get) => {
  function applyDetail(detail: StyleDetail, notice: string | null = null) {
    set((state) => ({
      detail,
      detailError: null,
      openId: detail.id,
      draft: detail.latest.fields,
      items: put(state.items, detail),
      notice,
      saveError: null,
    }));
  }

  async function loadTemplate(id: number) {
    const result = await api.call('templates.get', { id });
    if (!result.ok) {
      set({ saveError: result.error });
      return;
    }
    set({
      template: result.value.latest.fields,
      templateBase: result.value.latest.fields,
      templateVersionId: result.value.latest.versionId,
      values: defaultValues(result.value.latest.fields),
    });
  }

  return {
    status: 'idle',
    items: [],
    error: null,
    query: '',
    tags: [],
    statusFilter: '',
    owner: '',
    templates: [],
    negatives: [],
    openId: null,
    detail: null,
    detailError: null,
    pane: 'edit',
    draft: emptyStyle(),
    template: null,
    templateBase: null,
    templateVersionId: null,
    values: {},
    sampleSubject: 'a ceramic teapot on a linen tablecloth',
    saving: false,
    saveError: null,
    notice: null,

    async load() {
      const seq = ++loadSeq;
      if (get().status !== 'ready') set({ status: 'loading' });
      // The whole library is held here (summaries only), so search and filters never wait on the network.
      const items: StyleSummary[] = [];
      let offset: number | null = 0;
      while (offset !== null) {
        const result: Result<CallOutput<'styles.list'>> = await api.call('styles.list', {
          offset,
          limit: 500,
        });
        if (seq !== loadSeq) return;
        if (!result.ok) {
          set({ status: get().items.length > 0 ? 'ready' : 'error', error: result.error });
          return;
        }
        items.push(...result.value.items);
        offset = result.value.nextOffset;
      }
      set({ status: 'ready', error: null, items });
    },

    async loadSide() {
      const [templates, negatives] = await Promise.all([
        api.call('templates.list', {}),
        api.call('negatives.list', {}),
      ]);
      set({
        ...(templates.ok ? { templates: templates.value.items } : {}),
        ...(negatives.ok ? { negatives: negatives.value.groups } : {}),
      });
    },

    setQuery(query) {
      set({ query });
    },
    toggleTag(tag) {
      set((state) => ({
        tags: state.tags.includes(tag) ? state.tags.filter((t) => t !== tag) : [...state.tags, tag],
      }));
    },
    setStatusFilter(statusFilter) {
      set({ statusFilter });
    },
    setOwner(owner) {
      set({ owner });
    },
    clearFilters() {
      set({ query: '', tags: [], statusFilter: '', owner: '' });
    },

    async open(id) {
      set({
        openId: id,
        detail: null,
        detailError: null,
        pane: 'edit',
        template: null,
        templateBase: null,
        templateVersionId: null,
        values: {},
        notice: null,
        saveError: null,
      });
      void get().loadSide();
      const result = await api.call('styles.get', { id });
      if (get().openId !== id) return;
      if (!result.ok) {
        set({ detailError: result.error });
        return;
      }
      applyDetail(result.value);
      const templateId = result.value.latest.fields.templateId;
      if (templateId !== null) await loadTemplate(templateId);
    },

    openNew() {
      const template = emptyTemplate();
      set({
        openId: 'new',
        detail: null,
        detailError: null,
        pane: 'edit',
        draft: emptyStyle(),
        template,
        templateBase: null,
        templateVersionId: null,
        values: defaultValues(template),
        notice: null,
        saveError: null,
      });
      void get().loadSide();
    },

    close() {
      set({ openId: null, detail: null, detailError: null, notice: null, saveError: null });
    },

    setPane(pane) {
      set({ pane });
    },

    setDraft(patch) {
      set((state) => ({ draft: { ...state.draft, ...patch }, notice: null, saveError: null }));
    },

    async chooseTemplate(id) {
      if (id === null) {
        set((state) => ({
          draft: { ...state.draft, templateId: null },
          template: null,
          templateBase: null,
          templateVersionId: null,
          values: {},
        }));
        return;
      }
      if (id === 'new') {
        const template = emptyTemplate(get().draft.name ? `${get().draft.name} template` : '');
        set((state) => ({
          draft: { ...state.draft, templateId: null },
          template,
          templateBase: null,
          templateVersionId: null,
          values: defaultValues(template),
        }));
        return;
      }
      set((state) => ({ draft: { ...state.draft, templateId: id } }));
      await loadTemplate(id);
    },

    setTemplate(patch) {
      set((state) =>
        state.template ? { template: { ...state.template, ...patch }, notice: null, saveError: null } : state,
      );
    },

    setValue(name, value) {
      set((state) => ({ values: { ...state.values, [name]: value } }));
    },

    setSampleSubject(sampleSubject) {
      set({ sampleSubject });
    },

    isDirty() {
      const { openId, detail, draft, template, templateBase } = get();
      if (openId === 'new') return true;
      if (!detail) return false;
      return (
        !sameJson(draft, detail.latest.fields) || (template !== null && !sameJson(template, templateBase))
      );
    },

    async save(note) {
      const state = get();
      if (state.saving) return false;
      set({ saving: true, saveError: null, notice: null });
      let draft = state.draft;
      // The template is saved first (its own immutable version), so the style points at it.
      if (state.template && (state.templateBase === null || !sameJson(state.template, state.templateBase))) {
        const template = {
          ...state.template,
          name: state.template.name.trim() || `${draft.name.trim() || 'Style'} template`,
        };
        const saved =
          draft.templateId === null
            ? await api.call('templates.create', { fields: template })
            : await api.call('templates.update', {
                id: draft.templateId,
                fields: template,
                ...(state.templateVersionId ? { baseVersionId: state.templateVersionId } : {}),
              });
        if (!saved.ok) {
          set({ saving: false, saveError: saved.error });
          return false;
        }
        draft = { ...draft, templateId: saved.value.templateId };
        set({
          template: saved.value.fields,
          templateBase: saved.value.fields,
          templateVersionId: saved.value.versionId,
          draft,
        });
        void get().loadSide();
      }
      const result =
        state.openId === 'new' || state.detail === null
          ? await api.call('styles.create', { fields: draft })
          : sameJson(draft, state.detail.latest.fields)
            ? null
            : await api.call('styles.update', {
                id: state.detail.id,
                fields: draft,
                baseVersionId: state.detail.latestVersionId,
                ...(note ? { note } : {}),
              });
      if (result === null) {
        set({ saving: false, notice: 'Template saved; the style itself is unchanged.' });
        return true;
      }
      if (!result.ok) {
        set({ saving: false, saveError: result.error });
        return false;
      }
      set({ saving: false });
      applyDetail(
        result.value,
        state.openId === 'new' ? 'Style created as version 1.' : `Saved as version ${result.value.version}.`,
      );
      return true;
    },

    async setStatus(status, deprecatedOn, successorId) {
      const { detail } = get();
      if (!detail) return false;
      set({ saving: true, saveError: null });
      const result = await api.call('styles.setStatus', {
        id: detail.id,
        status,
        ...(deprecatedOn !== undefined ? { deprecatedOn } : {}),
        ...(successorId !== undefined ? { successorId } : {}),
      });
      set({ saving: false });
      if (!result.ok) {
        set({ saveError: result.error });
        return false;
      }
      const label =
        status === 'approved' ? 'Approved' : status === 'deprecated' ? 'Deprecated' : 'Back to draft';
      applyDetail(result.value, `${label}: version ${result.value.version}.`);
      return true;
    },

    async revert(toVersionId) {
      const { detail } = get();
      if (!detail) return false;
      set({ saving: true, saveError: null });
      const result = await api.call('styles.revert', { id: detail.id, toVersionId });
      set({ saving: false });
      if (!result.ok) {
        set({ saveError: result.error });
        return false;
      }
      applyDetail(result.value, `Reverted: saved as version ${result.value.version}.`);
      const templateId = result.value.latest.fields.templateId;
      if (templateId !== null) await loadTemplate(templateId);
      return true;
    },

    async refreshOpen() {
      const { openId, detail } = get();
      if (typeof openId !== 'number' || !detail) return;
      const result = await api.call('styles.get', { id: openId });
      if (!result.ok || get().openId !== openId) return;
      // Versions only grow: an answer older than the style on screen was asked before a save that has since
      // landed, and would put the earlier version back in the editor.
      if (result.value.latestVersionId < (get().detail?.latestVersionId ?? 0)) return;
      if (get().isDirty()) {
        // Keep the user's unsaved edits; only the history and previews refresh.
        set((state) => ({ detail: result.value, items: put(state.items, result.value) }));
      } else {
        applyDetail(result.value, get().notice);
      }
    },
  };
});

export function defaultValues(template: TemplateFields): TemplateValues {
  const values: TemplateValues = {};
  for (const variable of template.variables) {
    if (variable.default !== undefined) values[variable.name] = variable.default;
    else if (variable.kind === 'enum') values[variable.name] = variable.values[0] ?? '';
    else if (variable.kind === 'number') values[variable.name] = variable.min;
    else values[variable.name] = variable.name === 'subject' ? 'a ceramic teapot' : '';
  }
  return values;
}

/** The grid's items: filters combine with AND, instantly, from memory. */
export function visibleStyles(
  items: StyleSummary[],
  filters: { query: string; tags: string[]; statusFilter: StyleStatus | ''; owner: string },
): StyleSummary[] {
  return items.filter(
    (item) =>
      (filters.statusFilter === '' || item.status === filters.statusFilter) &&
      (filters.owner === '' || item.owner === filters.owner) &&
      filters.tags.every((tag) => item.tags.includes(tag)) &&
      matchesQuery(item, filters.query),
  );
}
