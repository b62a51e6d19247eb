import { REFERENCE_STRENGTH } from '../../../shared/constants';
import type { GenerationRequest } from '../../../shared/domain';
import {
  LibrarySettings,
  type NegativeArtifact,
  NegativeGroup,
  type RenderedPrompt,
  SAMPLE_SUBJECT,
  type StyleDetail,
  type StyleFields,
  type StyleSummary,
  type StyleVersion,
  type TemplateFields,
  type TemplateSummary,
  type TemplateValues,
  type TemplateVersion,
  type VersionDiff,
} from '../../../shared/library-contract';
import { NEGATIVE_PROMPT_MAX_CHARS, PROMPT_MAX_CHARS } from '../../../shared/limits';
import type { ReferenceStyleUse } from '../../../shared/references-contract';
import { AppError, fieldError } from '../../../shared/result';
import { settingsPath } from '../../../shared/settings-tabs';
import type { EventBus } from '../events';
import type { Clock } from '../ports';
import { type Catalog, resolveModel } from '../providers/catalog';
import type { LibraryRepo, SettingsRepo, StyleListing, StyleRow, VersionRow } from '../store';
import {
  checkBannedTerms,
  checkBannedValues,
  composeSegments,
  positivePrompt,
  renderForProvider,
  styleOptions,
  validateTemplate,
} from './render';
import { parseStoredStyleFields, parseStoredTemplateFields } from './stored-fields';

const SETTINGS_KEY = 'library.settings';
const DEFAULT_SETTINGS: LibrarySettings = { bannedTerms: [], approvedOnly: false };

export interface PreparedRequest {
  request: GenerationRequest;
  styleVersionId: number | null;
  templateVersionId: number | null;
  warnings: string[];
  /**
   * The request as the designer made it, with the template's values as they were rendered (the typed
   * subject and the defaults filled in); null for a plain request. Reuse and Branch start from it.
   */
  requested: GenerationRequest | null;
}

export interface StyleLibraryDeps {
  repo: LibraryRepo;
  settings: SettingsRepo;
  catalog: Catalog;
  clock: Clock;
  events: EventBus;
  /** Provider ids with an adapter (the live view renders for these). */
  implemented: () => readonly string[];
}

/** The runs that preview one style version, before they are routed: one request per seed. */
export interface PreviewPlan {
  versionId: number;
  styleId: number;
  /** Fixed by default, so previews of two versions compare like for like. */
  seeds: number[];
  /** The request of the first seed; each preview takes its own seed. */
  request: GenerationRequest;
}

export type StyleLibrary = ReturnType<typeof createStyleLibrary>;

function parseStyleFields(row: VersionRow): StyleFields {
  return parseStoredStyleFields(row.fields);
}
function parseTemplateFields(row: VersionRow): TemplateFields {
  return parseStoredTemplateFields(row.fields);
}

function listingOf(fields: StyleFields): StyleListing {
  return {
    name: fields.name,
    owner: fields.owner,
    description: fields.description,
    tags: fields.tags,
    status: fields.status,
    deprecatedOn: fields.deprecatedOn,
  };
}

/** Field-by-field changes between two versions' fields (JSON equality). */
export function diffFields(before: Record<string, unknown>, after: Record<string, unknown>) {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return keys
    .filter((k) => JSON.stringify(before[k] ?? null) !== JSON.stringify(after[k] ?? null))
    .map((field) => ({ field, before: before[field] ?? null, after: after[field] ?? null }));
}

/** Words of a search box, lowercased; everything else is dropped so it never becomes query syntax. */
export function searchWords(query: string | undefined): string[] {
  if (!query) return [];
  return (
    query
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  ).slice(0, 8);
}

export function createStyleLibrary(deps: StyleLibraryDeps) {
  const { repo, clock, events, catalog } = deps;
  const changed = (kind: 'style' | 'template' | 'negatives' | 'settings' | 'previews', id: number | null) =>
    events.emit('library.changed', { kind, id });

  function settings(): LibrarySettings {
    return deps.settings.get(SETTINGS_KEY, LibrarySettings, DEFAULT_SETTINGS);
  }

  function styleRow(id: number): StyleRow {
    const row = repo.style(id);
    if (!row) throw new AppError('not_found', `There is no style ${id}.`);
    return row;
  }
  function styleVersionRow(versionId: number): VersionRow {
    const row = repo.styleVersion(versionId);
    if (!row) throw new AppError('not_found', `There is no style version ${versionId}.`);
    return row;
  }
  function templateVersionRow(versionId: number): VersionRow {
    const row = repo.templateVersion(versionId);
    if (!row) throw new AppError('not_found', `There is no template version ${versionId}.`);
    return row;
  }

  function summary(row: StyleRow): StyleSummary {
    return {
      id: row.id,
      name: row.name,
      owner: row.owner,
      description: row.description,
      tags: row.tags,
      status: row.status,
      deprecatedOn: row.deprecatedOn,
      latestVersionId: row.latestVersionId,
      version: row.version,
      updatedAt: row.updatedAt,
      cover: row.cover,
      builtin: row.builtin,
    };
  }

  function version(row: VersionRow): StyleVersion {
    return {
      versionId: row.id,
      styleId: row.ownerId,
      version: row.version,
      createdAt: row.createdAt,
      note: row.note,
      fields: parseStyleFields(row),
      previews: repo.previews(row.id),
    };
  }

  function detail(id: number): StyleDetail {
    const row = styleRow(id);
    const versions = repo.styleVersions(id);
    const latest = versions.find((v) => v.id === row.latestVersionId) ?? styleVersionRow(row.latestVersionId);
    return {
      ...summary(row),
      latest: version(latest),
      versions: versions.map((v) => ({
        versionId: v.id,
        version: v.version,
        createdAt: v.createdAt,
        note: v.note,
        status: parseStyleFields(v).status,
      })),
    };
  }

  /** Refuses a name another style already has (names are unique case-insensitively). */
  function assertStyleName(name: string, self: number | null): void {
    const other = repo.styleByName(name);
    if (other && other.id !== self) {
      throw new AppError('conflict', `fields.name: a style named "${other.name}" already exists.`);
    }
  }

  function checkStyleRefs(fields: StyleFields): void {
    if (fields.templateId !== null && !repo.template(fields.templateId)) {
      throw fieldError(['fields', 'templateId'], `there is no template ${fields.templateId}.`);
    }
    if (fields.successorId !== null && !repo.style(fields.successorId)) {
      throw fieldError(['fields', 'successorId'], `there is no style ${fields.successorId}.`);
    }
  }

  function createStyle(fields: StyleFields, note = 'created', builtin = false): number {
    assertStyleName(fields.name, null);
    checkStyleRefs(fields);
    const { id } = repo.transaction(() =>
      repo.createStyle(listingOf(fields), JSON.stringify(fields), { now: clock.now(), note, builtin }),
    );
    changed('style', id);
    return id;
  }

  function saveStyleVersion(
    id: number,
    fields: StyleFields,
    note: string,
    baseVersionId?: number,
  ): StyleDetail {
    const row = styleRow(id);
    if (baseVersionId !== undefined && baseVersionId !== row.latestVersionId) {
      throw new AppError(
        'conflict',
        `This style was saved as v${row.version} since you opened it; reload it and apply your changes again.`,
      );
    }
    assertStyleName(fields.name, id);
    checkStyleRefs(fields);
    repo.transaction(() =>
      repo.addStyleVersion(id, listingOf(fields), JSON.stringify(fields), clock.now(), note),
    );
    changed('style', id);
    return detail(id);
  }

  function templateDetail(id: number) {
    const row = repo.template(id);
    if (!row) throw new AppError('not_found', `There is no template ${id}.`);
    const versions = repo.templateVersions(id);
    const latest =
      versions.find((v) => v.id === row.latestVersionId) ?? templateVersionRow(row.latestVersionId);
    return {
      summary: templateSummary(row),
      latest: templateVersion(latest),
      versions: versions.map((v) => ({
        versionId: v.id,
        version: v.version,
        createdAt: v.createdAt,
        note: v.note,
      })),
    };
  }
  function templateSummary(row: NonNullable<ReturnType<LibraryRepo['template']>>): TemplateSummary {
    return {
      id: row.id,
      name: row.name,
      description: row.description,
      latestVersionId: row.latestVersionId,
      version: row.version,
      updatedAt: row.updatedAt,
    };
  }
  function templateVersion(row: VersionRow): TemplateVersion {
    return {
      versionId: row.id,
      templateId: row.ownerId,
      version: row.version,
      createdAt: row.createdAt,
      note: row.note,
      fields: parseTemplateFields(row),
    };
  }

  function createTemplate(fields: TemplateFields, note = 'created'): TemplateVersion {
    validateTemplate(fields);
    if (repo.templateByName(fields.name)) {
      throw new AppError('conflict', `fields.name: a template named "${fields.name}" already exists.`);
    }
    const { versionId } = repo.transaction(() =>
      repo.createTemplate(fields.name, fields.description, JSON.stringify(fields), {
        now: clock.now(),
        note,
      }),
    );
    const created = templateVersion(templateVersionRow(versionId));
    changed('template', created.templateId);
    return created;
  }

  function saveTemplateVersion(id: number, fields: TemplateFields, note: string, baseVersionId?: number) {
    const row = repo.template(id);
    if (!row) throw new AppError('not_found', `There is no template ${id}.`);
    if (baseVersionId !== undefined && baseVersionId !== row.latestVersionId) {
      throw new AppError(
        'conflict',
        `This template was saved as v${row.version} since you opened it; reload it.`,
      );
    }
    validateTemplate(fields);
    const other = repo.templateByName(fields.name);
    if (other && other.id !== id) {
      throw new AppError('conflict', `fields.name: a template named "${other.name}" already exists.`);
    }
    const versionId = repo.transaction(() =>
      repo.addTemplateVersion(id, fields.name, fields.description, JSON.stringify(fields), clock.now(), note),
    );
    changed('template', id);
    return templateVersion(templateVersionRow(versionId));
  }

  function negatives(): NegativeGroup[] {
    return repo.negativeGroups().map((g) => NegativeGroup.parse({ ...g }));
  }

  interface Sources {
    style: StyleFields | null;
    template: TemplateFields | null;
    values: TemplateValues;
    prompt: string;
    negativePrompt: string;
  }

  function compose(sources: Sources): ReturnType<typeof composeSegments> {
    const result = composeSegments({ ...sources, negatives: negatives() });
    const { bannedTerms } = settings();
    // Every value as rendered, the typed subject and the defaults included.
    if (sources.template) checkBannedValues(sources.template, result.values, bannedTerms);
    checkBannedTerms(result.segments, bannedTerms);
    return result;
  }

  /** The template a style uses when the request names none. */
  function templateOfStyle(style: StyleFields | null): { fields: TemplateFields; versionId: number } | null {
    if (!style || style.templateId === null) return null;
    const row = repo.template(style.templateId);
    if (!row) return null;
    return {
      fields: parseTemplateFields(templateVersionRow(row.latestVersionId)),
      versionId: row.latestVersionId,
    };
  }

  /**
   * Renders a request's style and template into prompt, negative and options before dispatch; checks the
   * banned terms and the approval setting. The returned request no longer names the style or template
   * (their exact version ids travel beside it), so a retry replays exactly what was sent.
   */
  function prepare(request: GenerationRequest): PreparedRequest {
    if (!request.style && !request.template) {
      // A plain request is sent as written; only the banned terms apply.
      checkBannedTerms(
        { subject: request.prompt, environment: '', technical: '', style: '', negative: '' },
        settings().bannedTerms,
      );
      return { request, styleVersionId: null, templateVersionId: null, warnings: [], requested: null };
    }
    const warnings: string[] = [];
    let style: StyleFields | null = null;
    let styleVersionId: number | null = null;
    if (request.style) {
      const row = styleVersionRow(request.style.versionId);
      style = parseStyleFields(row);
      styleVersionId = row.id;
      const { approvedOnly } = settings();
      const label = `${style.name} v${row.version}`;
      if (style.status === 'deprecated') {
        const successor = style.successorId === null ? null : repo.style(style.successorId);
        warnings.push(
          `The style ${label} is deprecated${style.deprecatedOn ? ` (since ${style.deprecatedOn})` : ''}${successor ? `; use ${successor.name} instead` : ''}.`,
        );
      } else if (style.status === 'draft' && approvedOnly) {
        throw fieldError(
          ['style'],
          `${label} is a draft and ${settingsPath('library')} allows approved styles only. Approve it first.`,
          { fix: 'library', details: { styleVersionId } },
        );
      }
    }
    let template: TemplateFields | null = null;
    let templateVersionId: number | null = null;
    let values: TemplateValues = {};
    if (request.template) {
      const row = templateVersionRow(request.template.versionId);
      template = parseTemplateFields(row);
      templateVersionId = row.id;
      values = request.template.values;
    } else {
      // A style renders with its own template (as the editor's live view does); the prompt is its subject.
      const own = templateOfStyle(style);
      if (own) {
        template = own.fields;
        templateVersionId = own.versionId;
      }
    }
    const composed = compose({
      style,
      template,
      values,
      prompt: request.prompt,
      negativePrompt: request.negativePrompt,
    });
    warnings.push(...composed.warnings);
    const { style: _style, template: _template, ...rest } = request;
    const prepared: GenerationRequest = {
      ...rest,
      prompt: positivePrompt(composed.segments),
      negativePrompt: composed.segments.negative,
    };
    if (style) {
      const extra = styleOptions(style);
      const merged: Record<string, Record<string, unknown>> = { ...extra };
      // The request's own options win over the style's.
      for (const [provider, opts] of Object.entries(request.options ?? {})) {
        merged[provider] = { ...extra[provider], ...opts };
      }
      if (Object.keys(merged).length > 0) prepared.options = merged;
      if (prepared.steps === undefined && style.defaults.steps !== undefined)
        prepared.steps = style.defaults.steps;
      if (prepared.guidance === undefined && style.defaults.guidance !== undefined) {
        prepared.guidance = style.defaults.guidance;
      }
      if (style.preferredRoute !== null && request.taskType === 'default' && request.provider === undefined) {
        prepared.taskType = style.preferredRoute;
      }
      // A style's references are never added here: the request carries the one it uses, so the form
      // shows it and it can be removed (Generate and previews attach the style's first one explicitly).
    }
    if (prepared.prompt.length > PROMPT_MAX_CHARS) {
      throw fieldError(
        ['prompt'],
        `the rendered prompt is ${prepared.prompt.length} characters; at most ${PROMPT_MAX_CHARS}.`,
      );
    }
    if (prepared.negativePrompt.length > NEGATIVE_PROMPT_MAX_CHARS) {
      prepared.negativePrompt = prepared.negativePrompt.slice(0, NEGATIVE_PROMPT_MAX_CHARS);
      warnings.push(
        `The combined negative prompt was cut to ${NEGATIVE_PROMPT_MAX_CHARS.toLocaleString('en-US')} characters.`,
      );
    }
    const { style: _s, template: _t, ...asMade } = request;
    const requested: GenerationRequest = {
      ...asMade,
      ...(request.style ? { style: request.style } : {}),
      ...(template && templateVersionId !== null
        ? { template: { versionId: templateVersionId, values: composed.values } }
        : {}),
    };
    return { request: prepared, styleVersionId, templateVersionId, warnings, requested };
  }

  function render(input: {
    style?: { versionId: number } | { fields: StyleFields };
    template?: { versionId: number } | { fields: TemplateFields };
    values: TemplateValues;
    prompt: string;
    negativePrompt: string;
    providers?: string[];
    targets?: { provider: string; model?: string }[];
  }): { renders: RenderedPrompt[] } {
    const style = input.style
      ? 'fields' in input.style
        ? input.style.fields
        : parseStyleFields(styleVersionRow(input.style.versionId))
      : null;
    const template = input.template
      ? 'fields' in input.template
        ? input.template.fields
        : parseTemplateFields(templateVersionRow(input.template.versionId))
      : (templateOfStyle(style)?.fields ?? null);
    const { segments, warnings } = compose({
      style,
      template,
      values: input.values,
      prompt: input.prompt,
      negativePrompt: input.negativePrompt,
    });
    const targets: { provider: string; model?: string }[] =
      input.targets ?? (input.providers ?? deps.implemented()).map((provider) => ({ provider }));
    const renders = targets.map((target) => {
      const { provider, model } = resolveModel(catalog, target.provider, target.model);
      const r = renderForProvider(segments, style, provider, model);
      return {
        provider: provider.id,
        model: model.id,
        ...r,
        segments,
        warnings: [...warnings, ...r.warnings],
      };
    });
    return { renders };
  }

  function previewPlan(input: {
    versionId: number;
    count: number;
    seeds?: number[];
    subject?: string;
  }): PreviewPlan {
    const row = styleVersionRow(input.versionId);
    const style = parseStyleFields(row);
    // Fixed seeds by default, so previews of two versions compare like for like.
    const seeds = Array.from({ length: input.count }, (_, i) => input.seeds?.[i] ?? 1000 + i * 7919);
    const template = templateOfStyle(style);
    const attached = style.referencePaths[0];
    const request: GenerationRequest = {
      // The subject: the template's subject variable, or the whole prompt without a template.
      prompt: input.subject?.trim() || SAMPLE_SUBJECT,
      negativePrompt: '',
      aspectRatio: style.defaults.aspectRatio ?? '1:1',
      seed: seeds[0] ?? null,
      count: 1,
      quality: style.defaults.quality ?? 'draft',
      taskType: style.preferredRoute ?? 'default',
      fresh: false,
      style: { versionId: row.id },
      ...(template ? { template: { versionId: template.versionId, values: {} } } : {}),
      // The style's own reference, stated in the request like any other (never added behind its back).
      ...(attached !== undefined
        ? { reference: { path: attached, strength: REFERENCE_STRENGTH.default } }
        : {}),
    };
    return { versionId: row.id, styleId: row.ownerId, seeds, request };
  }

  function diffStyles(fromVersionId: number, toVersionId: number): VersionDiff {
    const a = styleVersionRow(fromVersionId);
    const b = styleVersionRow(toVersionId);
    if (a.ownerId !== b.ownerId)
      throw fieldError(['toVersionId'], 'both versions must belong to the same style.');
    return {
      from: { versionId: a.id, version: a.version },
      to: { versionId: b.id, version: b.version },
      changes: diffFields(parseStyleFields(a), parseStyleFields(b)),
    };
  }

  function diffTemplates(fromVersionId: number, toVersionId: number): VersionDiff {
    const a = templateVersionRow(fromVersionId);
    const b = templateVersionRow(toVersionId);
    if (a.ownerId !== b.ownerId)
      throw fieldError(['toVersionId'], 'both versions must belong to the same template.');
    const fa = parseTemplateFields(a);
    const fb = parseTemplateFields(b);
    // Segments diff one by one: "more cinematic" touches the style vector alone.
    const flat = (f: TemplateFields) => ({
      name: f.name,
      description: f.description,
      ...Object.fromEntries(Object.entries(f.segments).map(([k, v]) => [`segments.${k}`, v])),
      variables: f.variables,
    });
    return {
      from: { versionId: a.id, version: a.version },
      to: { versionId: b.id, version: b.version },
      changes: diffFields(flat(fa), flat(fb)),
    };
  }

  return {
    settings,
    setSettings(next: LibrarySettings): LibrarySettings {
      deps.settings.set(SETTINGS_KEY, next, clock.now());
      changed('settings', null);
      return settings();
    },
    list(input: {
      query?: string;
      tag?: string;
      status?: string;
      owner?: string;
      offset: number;
      limit: number;
    }) {
      const { rows, total } = repo.listStyles({
        words: searchWords(input.query),
        tag: input.tag,
        status: input.status,
        owner: input.owner,
        offset: input.offset,
        limit: input.limit,
      });
      const next = input.offset + rows.length;
      return { items: rows.map(summary), total, nextOffset: next < total ? next : null };
    },
    facets: () => repo.facets(),
    get: detail,
    getVersion: (versionId: number) => version(styleVersionRow(versionId)),
    create(fields: StyleFields): StyleDetail {
      return detail(createStyle(fields));
    },
    /** Used by the starter loader and pack import. */
    createStyle,
    update(id: number, fields: StyleFields, note?: string, baseVersionId?: number): StyleDetail {
      return saveStyleVersion(id, fields, note ?? 'edited', baseVersionId);
    },
    setStatus(
      id: number,
      status: StyleFields['status'],
      deprecatedOn?: string | null,
      successorId?: number | null,
    ): StyleDetail {
      const row = styleRow(id);
      const fields = parseStyleFields(styleVersionRow(row.latestVersionId));
      if (successorId === id) throw fieldError(['successorId'], 'a style cannot succeed itself.');
      const next: StyleFields = {
        ...fields,
        status,
        deprecatedOn: status === 'deprecated' ? (deprecatedOn ?? fields.deprecatedOn) : null,
        successorId: status === 'deprecated' ? (successorId ?? fields.successorId) : null,
      };
      return saveStyleVersion(id, next, status === 'approved' ? 'approved' : `status: ${status}`);
    },
    diff: diffStyles,
    revert(id: number, toVersionId: number): StyleDetail {
      const target = styleVersionRow(toVersionId);
      if (target.ownerId !== id)
        throw fieldError(['toVersionId'], `version ${toVersionId} is not of style ${id}.`);
      return saveStyleVersion(id, parseStyleFields(target), `reverted to v${target.version}`);
    },
    previewPlan,
    /** Records one preview run of a style version (the style's grid shows it). */
    addPreview(versionId: number, preview: { runId: number; seed: number; provider: string | null }): void {
      repo.addPreview(versionId, preview, clock.now());
    },

    templates: () => ({ items: repo.templates().map(templateSummary) }),
    template: templateDetail,
    templateVersion: (versionId: number) => templateVersion(templateVersionRow(versionId)),
    createTemplate,
    updateTemplate: (id: number, fields: TemplateFields, note?: string, baseVersionId?: number) =>
      saveTemplateVersion(id, fields, note ?? 'edited', baseVersionId),
    diffTemplates,
    revertTemplate(id: number, toVersionId: number): TemplateVersion {
      const target = templateVersionRow(toVersionId);
      if (target.ownerId !== id)
        throw fieldError(['toVersionId'], `version ${toVersionId} is not of template ${id}.`);
      return saveTemplateVersion(id, parseTemplateFields(target), `reverted to v${target.version}`);
    },

    negatives,
    saveNegative(group: {
      slug: string;
      artifact: NegativeArtifact;
      label: string;
      terms: string[];
    }): NegativeGroup {
      const existing = repo.negativeGroup(group.slug);
      repo.saveNegativeGroup({ ...group, builtin: existing?.builtin ?? false }, clock.now());
      changed('negatives', null);
      const saved = repo.negativeGroup(group.slug);
      if (!saved) throw new AppError('internal', 'The negative group was not saved.');
      return NegativeGroup.parse(saved);
    },

    prepare,
    /** Styles whose latest version attaches one of `paths` (a reference's stripped copy or original). */
    stylesUsing(paths: readonly string[]): ReferenceStyleUse[] {
      const wanted = new Set(paths);
      const uses: ReferenceStyleUse[] = [];
      const { rows } = repo.listStyles({ words: [], offset: 0, limit: 100_000 });
      for (const row of rows) {
        const version = repo.styleVersion(row.latestVersionId);
        if (!version) continue;
        if (parseStyleFields(version).referencePaths.some((p) => wanted.has(p))) {
          uses.push({ styleId: row.id, name: row.name, version: version.version });
        }
      }
      return uses.sort((a, b) => a.name.localeCompare(b.name));
    },
    /** Records on a run the versions it used (inside the run's creating transaction). */
    link(runId: number, prepared: PreparedRequest): void {
      if (
        prepared.styleVersionId === null &&
        prepared.templateVersionId === null &&
        prepared.warnings.length === 0 &&
        prepared.requested === null
      ) {
        return;
      }
      repo.linkRun(runId, prepared);
    },
    runLinks: (runId: number) => repo.runLinks(runId),
    copyLink: (fromRunId: number, toRunId: number) => repo.copyRunLink(fromRunId, toRunId),
    changed,
    render,
    repo,
  };
}
