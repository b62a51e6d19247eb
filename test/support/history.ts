// For tests and the bench: a History library built from a plain description, so the expected results of any
// search can be computed from the same description (an oracle) instead of being written down by hand.

import type { LibraryDatabase } from '../../electron/core/store/db';
import type { ReviewStatus, RunStatus, TaskType } from '../../shared/domain';

export interface SeedOutput {
  rating: number;
  favorite: boolean;
  review: ReviewStatus;
  /** Board names. */
  boards: readonly string[];
  trashed: boolean;
  /** One quality check's result on it; absent: not checked yet. */
  quality?: 'pass' | 'fail' | 'not_run';
}

/** History's "Checks" filter value of a seeded output. */
export function qualityFilterOf(output: SeedOutput): 'failed' | 'not_run' | 'passed' | 'unchecked' {
  if (output.quality === undefined) return 'unchecked';
  return output.quality === 'fail' ? 'failed' : output.quality === 'pass' ? 'passed' : 'not_run';
}

export interface SeedRun {
  id: number;
  prompt: string;
  negativePrompt: string;
  provider: string;
  model: string | null;
  status: RunStatus;
  taskType: TaskType;
  createdAt: number;
  costUsd: number | null;
  durationMs: number | null;
  /** Index into SEED_STYLES / SEED_TEMPLATES and the version number (1-based). */
  style: { style: number; version: number } | null;
  template: number | null;
  reference: boolean;
  tags: readonly string[];
  outputs: readonly SeedOutput[];
  trashed: boolean;
  /** Imported runs: the tool that made them (`runs.source`); absent for runs made here. */
  source?: string | null;
}

export const SEED_STYLES = ['Gouache Dusk', 'Clean Product'] as const;
export const SEED_TEMPLATES = ['Hero banner', 'Sticker'] as const;
export const SEED_BOARDS = ['Spring brief', 'Logos', 'Empty board'] as const;

/** Ids of the rows seedLibrary inserted, by name. */
export interface SeedIds {
  styles: number[];
  /** [style][version - 1] → style_versions.id */
  styleVersions: number[][];
  templates: number[];
  templateVersions: number[];
  boards: Map<string, number>;
}

/** Inserts styles, templates, boards, runs, outputs, ratings, tags and review states as described. */
export function seedLibrary(
  db: LibraryDatabase,
  runs: readonly Omit<SeedRun, 'id'>[],
): { ids: SeedIds; runs: SeedRun[] } {
  const ids: SeedIds = {
    styles: [],
    styleVersions: [],
    templates: [],
    templateVersions: [],
    boards: new Map(),
  };
  const seeded: SeedRun[] = [];
  db.transaction(() => {
    SEED_STYLES.forEach((name, i) => {
      const styleId = Number(
        db
          .prepare(
            `INSERT INTO styles (uid, name, name_key, created_at, updated_at, version) VALUES (?, ?, ?, 1, 1, 2)`,
          )
          .run(`seed-style-${i}`, name, name.toLowerCase()).lastInsertRowid,
      );
      ids.styles.push(styleId);
      ids.styleVersions.push(
        [1, 2].map((version) =>
          Number(
            db
              .prepare(
                `INSERT INTO style_versions (style_id, version, created_at, fields) VALUES (?, ?, 1, '{}')`,
              )
              .run(styleId, version).lastInsertRowid,
          ),
        ),
      );
    });
    SEED_TEMPLATES.forEach((name, i) => {
      const templateId = Number(
        db
          .prepare(
            `INSERT INTO prompt_templates (uid, name, name_key, created_at, updated_at, version) VALUES (?, ?, ?, 1, 1, 1)`,
          )
          .run(`seed-template-${i}`, name, name.toLowerCase()).lastInsertRowid,
      );
      ids.templates.push(templateId);
      ids.templateVersions.push(
        Number(
          db
            .prepare(
              `INSERT INTO template_versions (template_id, version, created_at, fields) VALUES (?, 1, 1, '{}')`,
            )
            .run(templateId).lastInsertRowid,
        ),
      );
    });
    for (const name of SEED_BOARDS) {
      ids.boards.set(
        name,
        Number(db.prepare('INSERT INTO boards (name, created_at) VALUES (?, 1)').run(name).lastInsertRowid),
      );
    }
    const insertRun = db.prepare(
      `INSERT INTO runs (created_at, status, request, prompt, negative_prompt, provider, model, seed, count, cost_usd,
         started_at, finished_at, duration_ms, task_type, style_version_id, template_version_id, deleted_at, source)
       VALUES (@createdAt, @status, @request, @prompt, @negativePrompt, @provider, @model, 7, @count, @costUsd,
         @createdAt, @finishedAt, @durationMs, @taskType, @styleVersionId, @templateVersionId, @deletedAt, @source)`,
    );
    const insertOutput = db.prepare(
      `INSERT INTO outputs (run_id, idx, path, sha256, width, height, format, bytes, thumb_path, favorite,
         review_status, reviewed_at, deleted_at)
       VALUES (@runId, @idx, @path, @sha, 1024, 768, 'png', 100, @thumb, @favorite, @review, @reviewedAt, @deletedAt)`,
    );
    const insertRating = db.prepare('INSERT INTO ratings (output_id, rating, updated_at) VALUES (?, ?, 1)');
    const insertCheck = db.prepare(
      `INSERT INTO quality_checks (output_id, "check", result, check_version, checked_at) VALUES (?, 'blank', ?, 'blank@1', 1)`,
    );
    const flagOutput = db.prepare('UPDATE outputs SET quality_flag = 1 WHERE id = ?');
    const insertTag = db.prepare('INSERT INTO tags (name) VALUES (?) ON CONFLICT (name) DO NOTHING');
    const tagId = db.prepare('SELECT id FROM tags WHERE name = ?').pluck();
    const insertRunTag = db.prepare('INSERT INTO run_tags (run_id, tag_id) VALUES (?, ?)');
    const insertMember = db.prepare(
      'INSERT INTO board_outputs (board_id, output_id, added_at) VALUES (?, ?, 1)',
    );
    for (const run of runs) {
      const reference = run.reference
        ? { path: `references/ab/${'b'.repeat(64)}.png`, strength: 0.5 }
        : undefined;
      const request = {
        prompt: run.prompt,
        negativePrompt: run.negativePrompt,
        provider: run.provider,
        reference,
      };
      const runId = Number(
        insertRun.run({
          createdAt: run.createdAt,
          status: run.status,
          request: JSON.stringify(request),
          prompt: run.prompt,
          negativePrompt: run.negativePrompt,
          provider: run.provider,
          model: run.model,
          count: Math.max(1, run.outputs.length),
          costUsd: run.costUsd,
          finishedAt: run.durationMs === null ? null : run.createdAt + run.durationMs,
          durationMs: run.durationMs,
          taskType: run.taskType,
          styleVersionId:
            run.style === null ? null : ids.styleVersions[run.style.style]![run.style.version - 1]!,
          templateVersionId: run.template === null ? null : ids.templateVersions[run.template]!,
          deletedAt: run.trashed ? run.createdAt + 1 : null,
          source: run.source ?? null,
        }).lastInsertRowid,
      );
      run.outputs.forEach((output, idx) => {
        const sha = `${runId.toString(16)}x${idx}`.padStart(64, '0');
        const outputId = Number(
          insertOutput.run({
            runId,
            idx,
            path: `media/${sha.slice(0, 2)}/${sha}.png`,
            sha,
            thumb: `thumbs/${sha.slice(0, 2)}/${sha}.webp`,
            favorite: output.favorite ? 1 : 0,
            review: output.review,
            reviewedAt: output.review === 'pending' ? null : run.createdAt + 5,
            deletedAt: output.trashed ? run.createdAt + 2 : null,
          }).lastInsertRowid,
        );
        if (output.rating > 0) insertRating.run(outputId, output.rating);
        if (output.quality !== undefined) {
          insertCheck.run(outputId, output.quality);
          if (output.quality !== 'pass') flagOutput.run(outputId);
        }
        for (const board of output.boards) insertMember.run(ids.boards.get(board)!, outputId);
      });
      for (const tag of run.tags) {
        insertTag.run(tag);
        insertRunTag.run(runId, tagId.get(tag) as number);
      }
      seeded.push({ ...run, id: runId });
    }
  })();
  return { ids, runs: seeded };
}

/** A small deterministic generator (mulberry32), so seeded libraries are the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
