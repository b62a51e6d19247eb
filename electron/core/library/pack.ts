import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { z } from 'zod';
import { MAX_PACK_FILE_BYTES } from '../../../shared/body-limits';
import {
  NegativeArtifact,
  NegativeSlug,
  type PackImportReport,
  StyleFields,
  TemplateFields,
} from '../../../shared/library-contract';
import { AppError, describeZodError } from '../../../shared/result';
import type { MediaStore } from '../media';
import { writeFileAtomic } from '../media';
import type { Clock } from '../ports';
import type { ReferenceService } from '../references';
import type { LibraryRepo, StyleListing } from '../store';
import { validateTemplate } from './render';
import { parseStoredStyleFields } from './stored-fields';

/**
 * A style pack is ONE JSON file (`*.atelier-style.json`): the style's versions, the template it uses,
 * the negative groups it names, and its preview and reference images as base64 keyed by SHA-256.
 * Plain JSON keeps it diffable and needs no archive code; every field and image is checked on import.
 */
export const PACK_FORMAT = 'atelier.style-pack';
export const PACK_EXTENSION = '.atelier-style.json';
export const MAX_PACK_BYTES = MAX_PACK_FILE_BYTES;
export const MAX_PACK_IMAGE_BYTES = 20 * 1024 * 1024;
export const MAX_PACK_IMAGE_PIXELS = 40_000_000;
const MAX_PACK_IMAGES = 200;

const Sha = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 hex digest');
const Uid = z.string().regex(/^[A-Za-z0-9-]{8,64}$/, 'must be an id');

const PackVersion = z.strictObject({
  version: z.number().int().positive(),
  createdAt: z.number().int().nonnegative(),
  note: z.string().max(200),
  /** templateId, successorId and referencePaths are local; they travel as templateUid, successorName, references. */
  fields: StyleFields,
  templateUid: Uid.nullable(),
  successorName: z.string().max(80).nullable(),
  references: z.array(Sha).max(16),
  previews: z
    .array(
      z.strictObject({
        seed: z.number().int().nonnegative().nullable(),
        provider: z.string().max(40).nullable(),
        image: Sha,
      }),
    )
    .max(12),
});

export const StylePack = z.strictObject({
  format: z.literal(PACK_FORMAT),
  formatVersion: z.literal(1),
  exportedAt: z.string().max(40),
  app: z.string().max(80),
  style: z.strictObject({
    uid: Uid,
    name: z.string().min(1).max(80),
    versions: z.array(PackVersion).min(1).max(500),
  }),
  templates: z.array(z.strictObject({ uid: Uid, fields: TemplateFields })).max(16),
  negativeGroups: z
    .array(
      z.strictObject({
        slug: NegativeSlug,
        artifact: NegativeArtifact,
        label: z.string().min(1).max(80),
        terms: z.array(z.string().min(1).max(120)).max(200),
      }),
    )
    .max(64),
  images: z
    .record(
      Sha,
      z.strictObject({
        format: z.enum(['png', 'jpeg', 'webp']),
        dataBase64: z
          .string()
          .max(Math.ceil((MAX_PACK_IMAGE_BYTES * 4) / 3) + 4, 'the image is larger than 20 MB'),
      }),
    )
    .refine((images) => Object.keys(images).length <= MAX_PACK_IMAGES, `at most ${MAX_PACK_IMAGES} images`),
});
export type StylePack = z.infer<typeof StylePack>;

export interface PackDeps {
  repo: LibraryRepo;
  media: MediaStore;
  dataDir: string;
  clock: Clock;
  appVersion: string;
  /** The references library: a pack's attached references are imported there (stripped), not into media/. */
  references?: Pick<ReferenceService, 'importBytes'>;
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

function slugify(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'style'
  );
}

const FORMAT_OF: Record<string, 'png' | 'jpeg' | 'webp'> = {
  png: 'png',
  jpeg: 'jpeg',
  jpg: 'jpeg',
  webp: 'webp',
};

/** Writes one pack under `<dataDir>/exports/`; returns the data-relative path. */
export async function exportStylePack(
  deps: PackDeps,
  styleId: number,
  which: 'latest' | 'all',
): Promise<{ path: string; bytes: number; fileName: string }> {
  const { repo } = deps;
  const style = repo.style(styleId);
  if (!style) throw new AppError('not_found', `There is no style ${styleId}.`);
  const rows = repo.styleVersions(styleId).filter((v) => which === 'all' || v.id === style.latestVersionId);
  rows.sort((a, b) => a.version - b.version);

  const images: StylePack['images'] = {};
  async function addImage(relative: string): Promise<string | null> {
    let bytes: Buffer;
    try {
      bytes = await readFile(deps.media.absolutePath(relative));
    } catch {
      return null; // A file removed from disk: the pack goes without it.
    }
    const format = FORMAT_OF[path.extname(relative).slice(1).toLowerCase()];
    if (!format) return null;
    const sha = createHash('sha256').update(bytes).digest('hex');
    images[sha] ??= { format, dataBase64: bytes.toString('base64') };
    return sha;
  }

  const templates = new Map<number, StylePack['templates'][number]>();
  const slugs = new Set<string>();
  const versions: StylePack['style']['versions'] = [];
  for (const row of rows) {
    const fields = parseStoredStyleFields(row.fields);
    let templateUid: string | null = null;
    if (fields.templateId !== null) {
      const template = repo.template(fields.templateId);
      const latest = template ? repo.templateVersion(template.latestVersionId) : null;
      if (template && latest) {
        templateUid = template.uid;
        templates.set(template.id, {
          uid: template.uid,
          fields: TemplateFields.parse(JSON.parse(latest.fields)),
        });
      }
    }
    for (const slug of fields.negativeGroups) slugs.add(slug);
    const references: string[] = [];
    for (const reference of fields.referencePaths) {
      const sha = await addImage(reference);
      if (sha) references.push(sha);
    }
    const previews: StylePack['style']['versions'][number]['previews'] = [];
    for (const preview of repo.previews(row.id)) {
      if (!preview.path) continue;
      const sha = await addImage(preview.path);
      if (sha) previews.push({ seed: preview.seed, provider: preview.provider, image: sha });
    }
    const successor = fields.successorId === null ? null : repo.style(fields.successorId);
    versions.push({
      version: row.version,
      createdAt: row.createdAt,
      note: row.note,
      fields: { ...fields, templateId: null, successorId: null, referencePaths: [] },
      templateUid,
      successorName: successor?.name ?? null,
      references,
      previews: previews.slice(0, 12),
    });
  }
  const negativeGroups = [...slugs]
    .map((slug) => repo.negativeGroup(slug))
    .filter((g) => g !== null)
    .map((g) => ({
      slug: g.slug,
      artifact: NegativeArtifact.catch('other').parse(g.artifact),
      label: g.label,
      terms: g.terms,
    }));

  const pack: StylePack = {
    format: PACK_FORMAT,
    formatVersion: 1,
    exportedAt: new Date(deps.clock.now()).toISOString(),
    app: `Atelier ${deps.appVersion}`,
    style: { uid: style.uid, name: style.name, versions },
    templates: [...templates.values()],
    negativeGroups,
    images,
  };
  const text = JSON.stringify(pack);
  const fileName = `${slugify(style.name)}-v${style.version}${which === 'all' ? '-all' : ''}-${deps.clock.now()}${PACK_EXTENSION}`;
  const relative = `exports/${fileName}`;
  await writeFileAtomic(path.join(deps.dataDir, relative), text);
  return { path: relative, bytes: Buffer.byteLength(text), fileName };
}

/** Decodes every image fully (truncation included) within the pixel limit, and checks its digest. */
async function checkImage(sha: string, image: { format: string; dataBase64: string }): Promise<Buffer> {
  const bytes = Buffer.from(image.dataBase64, 'base64');
  const label = `images.${sha.slice(0, 12)}…`;
  if (bytes.byteLength > MAX_PACK_IMAGE_BYTES) {
    throw new AppError('invalid_input', `${label}: the image is larger than 20 MB.`);
  }
  if (createHash('sha256').update(bytes).digest('hex') !== sha) {
    throw new AppError(
      'invalid_input',
      `${label}: the image does not match its digest (the pack is damaged).`,
    );
  }
  try {
    const meta = await sharp(bytes, {
      limitInputPixels: MAX_PACK_IMAGE_PIXELS,
      failOn: 'warning',
    }).metadata();
    const actual = meta.format;
    if (actual !== image.format)
      throw new Error(`it is ${meta.format ?? 'no known format'}, not ${image.format}`);
    const pixels = (meta.width ?? 0) * (meta.height ?? 0);
    if (pixels > MAX_PACK_IMAGE_PIXELS)
      throw new Error(`it has ${pixels} pixels, more than ${MAX_PACK_IMAGE_PIXELS}`);
    await sharp(bytes, { limitInputPixels: MAX_PACK_IMAGE_PIXELS, failOn: 'warning' })
      .resize(64, 64, { fit: 'inside' })
      .toBuffer();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new AppError('invalid_input', `${label}: the image cannot be used (${reason}).`);
  }
  return bytes;
}

function freeName(taken: (name: string) => boolean, base: string): string {
  for (let i = 1; i < 1000; i++) {
    const suffix = i === 1 ? ' (imported)' : ` (imported ${i})`;
    const name = `${base.slice(0, 80 - suffix.length)}${suffix}`;
    if (!taken(name)) return name;
  }
  throw new AppError('conflict', `No free name for "${base}".`);
}

/** Validates the whole pack and every image first; only then writes images and one database transaction. */
export async function importStylePack(
  deps: PackDeps,
  input: { fileName: string; dataBase64: string },
): Promise<PackImportReport> {
  const { repo, clock } = deps;
  const raw = Buffer.from(input.dataBase64, 'base64');
  if (raw.byteLength === 0) throw new AppError('invalid_input', `${input.fileName}: the file is empty.`);
  if (raw.byteLength > MAX_PACK_BYTES)
    throw new AppError('invalid_input', `${input.fileName}: the pack is larger than 64 MB.`);
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new AppError('invalid_input', `${input.fileName}: this is not an Atelier style pack (not JSON).`);
  }
  const parsed = StylePack.safeParse(json);
  if (!parsed.success) {
    throw new AppError('invalid_input', `${input.fileName}: ${describeZodError(parsed.error)}`);
  }
  const pack = parsed.data;
  for (const template of pack.templates) validateTemplate(template.fields);
  const templateUids = new Set(pack.templates.map((t) => t.uid));
  const used = new Set<string>();
  for (const v of pack.style.versions) {
    if (v.templateUid !== null && !templateUids.has(v.templateUid)) {
      throw new AppError(
        'invalid_input',
        `${input.fileName}: version ${v.version} names a template the pack lacks.`,
      );
    }
    for (const sha of [...v.references, ...v.previews.map((p) => p.image)]) {
      if (!pack.images[sha]) {
        throw new AppError(
          'invalid_input',
          `${input.fileName}: version ${v.version} names an image the pack lacks.`,
        );
      }
      used.add(sha);
    }
  }
  const referenceShas = new Set(pack.style.versions.flatMap((v) => v.references));
  const previewShas = new Set(pack.style.versions.flatMap((v) => v.previews.map((p) => p.image)));
  const checked = new Map<string, Buffer>();
  for (const sha of used) {
    const image = pack.images[sha];
    if (image) checked.set(sha, await checkImage(sha, image));
  }

  // Every check passed: store the images (content-addressed, so a repeat import writes nothing new).
  const stored = new Map<string, { path: string; thumbPath: string; width: number; height: number }>();
  for (const [sha, bytes] of checked) {
    if (previewShas.has(sha) || !deps.references) stored.set(sha, await deps.media.ingest(bytes));
  }
  // Attached references go through the references library, so they are listed there and styles point at the stripped copy.
  const warnings: string[] = [];
  const referencePathOf = new Map<string, string>();
  for (const sha of referenceShas) {
    const bytes = checked.get(sha);
    if (!bytes) continue;
    if (!deps.references) {
      const local = stored.get(sha);
      if (local) referencePathOf.set(sha, local.path);
      continue;
    }
    const name = `${pack.style.name} reference ${sha.slice(0, 8)}.${pack.images[sha]?.format ?? 'png'}`;
    const result = await deps.references.importBytes(name, bytes);
    if (result.status === 'refused') {
      warnings.push(`A reference of "${pack.style.name}" was not imported: ${result.message}`);
      continue;
    }
    referencePathOf.set(sha, result.reference.path);
  }

  const now = clock.now();
  return repo.transaction(() => {
    const report: PackImportReport = {
      styles: [],
      templates: [],
      negativeGroups: [],
      images: checked.size,
      warnings,
    };

    const slugMap = new Map<string, string>();
    for (const group of pack.negativeGroups) {
      const existing = repo.negativeGroup(group.slug);
      if (!existing) {
        repo.saveNegativeGroup({ ...group, builtin: false }, now);
        report.negativeGroups.push({ slug: group.slug, action: 'created' });
        slugMap.set(group.slug, group.slug);
      } else if (JSON.stringify(existing.terms) === JSON.stringify(group.terms)) {
        report.negativeGroups.push({ slug: group.slug, action: 'unchanged' });
        slugMap.set(group.slug, group.slug);
      } else {
        // Never overwrite the local group: the pack's terms come in under a new slug.
        let slug = '';
        for (let i = 2; ; i++) {
          slug = `${group.slug.slice(0, 40)}-${i}`;
          const other = repo.negativeGroup(slug);
          if (!other) break;
          if (JSON.stringify(other.terms) === JSON.stringify(group.terms)) break;
        }
        if (!repo.negativeGroup(slug)) repo.saveNegativeGroup({ ...group, slug, builtin: false }, now);
        report.negativeGroups.push({ slug, action: 'renamed' });
        slugMap.set(group.slug, slug);
      }
    }

    const templateMap = new Map<string, number>();
    for (const template of pack.templates) {
      const fieldsText = JSON.stringify(template.fields);
      const byUid = repo.templateByUid(template.uid);
      if (byUid) {
        const latest = repo.templateVersion(byUid.latestVersionId);
        if (latest && latest.fields === fieldsText) {
          report.templates.push({
            packName: template.fields.name,
            templateId: byUid.id,
            name: byUid.name,
            action: 'unchanged',
          });
        } else {
          const fields = { ...template.fields, name: byUid.name };
          repo.addTemplateVersion(
            byUid.id,
            byUid.name,
            fields.description,
            JSON.stringify(fields),
            now,
            `imported from ${input.fileName}`,
          );
          report.templates.push({
            packName: template.fields.name,
            templateId: byUid.id,
            name: byUid.name,
            action: 'new_version',
          });
        }
        templateMap.set(template.uid, byUid.id);
        continue;
      }
      const taken = repo.templateByName(template.fields.name) !== null;
      const name = taken
        ? freeName((n) => repo.templateByName(n) !== null, template.fields.name)
        : template.fields.name;
      const fields = { ...template.fields, name };
      const { id } = repo.createTemplate(name, fields.description, JSON.stringify(fields), {
        now,
        note: `imported from ${input.fileName}`,
        uid: template.uid,
      });
      report.templates.push({
        packName: template.fields.name,
        templateId: id,
        name,
        action: taken ? 'renamed' : 'created',
      });
      templateMap.set(template.uid, id);
    }

    const localFields = (v: StylePack['style']['versions'][number], name: string): StyleFields => {
      const successor = v.successorName === null ? null : repo.styleByName(v.successorName);
      if (v.successorName !== null && !successor) {
        warnings.push(
          `Version ${v.version}: the successor "${v.successorName}" is not in this library; it was left empty.`,
        );
      }
      return {
        ...v.fields,
        name,
        templateId: v.templateUid === null ? null : (templateMap.get(v.templateUid) ?? null),
        successorId: successor?.id ?? null,
        negativeGroups: v.fields.negativeGroups.map((slug) => slugMap.get(slug) ?? slug),
        referencePaths: v.references.flatMap((sha) => {
          const local = referencePathOf.get(sha);
          return local === undefined ? [] : [local];
        }),
      };
    };
    const addPreviews = (versionId: number, v: StylePack['style']['versions'][number]) => {
      for (const preview of v.previews) {
        const image = stored.get(preview.image);
        if (!image) continue;
        repo.addPreview(
          versionId,
          { runId: null, seed: preview.seed, provider: preview.provider, ...image },
          now,
        );
      }
    };

    const note = `imported from ${input.fileName}`;
    const sameLineage = repo.styleByUid(pack.style.uid);
    const versionIds: number[] = [];
    let action: 'created' | 'new_version' | 'renamed';
    let styleId: number;
    let name: string;
    if (sameLineage) {
      // The same style (by its id across installations): the pack's versions come after the local ones.
      action = 'new_version';
      styleId = sameLineage.id;
      name = sameLineage.name;
      const known = new Set(
        repo
          .styleVersions(styleId)
          .map((r) => JSON.stringify({ ...parseStoredStyleFields(r.fields), name: null })),
      );
      for (const v of pack.style.versions) {
        const fields = localFields(v, name);
        const key = JSON.stringify({ ...fields, name: null });
        if (known.has(key)) continue;
        known.add(key);
        const id = repo.addStyleVersion(
          styleId,
          listingOf(fields),
          JSON.stringify(fields),
          now,
          `${note} (v${v.version})`,
        );
        addPreviews(id, v);
        versionIds.push(id);
      }
      if (versionIds.length === 0)
        warnings.push(`"${name}" already has every version in this pack; nothing was added.`);
    } else {
      const taken = repo.styleByName(pack.style.name) !== null;
      action = taken ? 'renamed' : 'created';
      name = taken ? freeName((n) => repo.styleByName(n) !== null, pack.style.name) : pack.style.name;
      const [first, ...rest] = pack.style.versions;
      if (!first) throw new AppError('invalid_input', 'The pack has no versions.');
      const firstFields = localFields(first, name);
      const created = repo.createStyle(listingOf(firstFields), JSON.stringify(firstFields), {
        now,
        note: `${note} (v${first.version})`,
        // A renamed copy is a separate style: it gets its own lineage.
        ...(taken ? {} : { uid: pack.style.uid }),
      });
      styleId = created.id;
      addPreviews(created.versionId, first);
      versionIds.push(created.versionId);
      for (const v of rest) {
        const fields = localFields(v, name);
        const id = repo.addStyleVersion(
          styleId,
          listingOf(fields),
          JSON.stringify(fields),
          now,
          `${note} (v${v.version})`,
        );
        addPreviews(id, v);
        versionIds.push(id);
      }
    }
    report.styles.push({ packName: pack.style.name, styleId, name, action, versionIds });
    return report;
  });
}
