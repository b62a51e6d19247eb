import { z } from 'zod';
import type { Logger } from '../ports';
import type { LibraryDatabase } from './db';
import { createJsonColumns } from './json-column';

export type LocalServerKind = 'a1111' | 'comfyui';
export type HealthState = 'unknown' | 'healthy' | 'unreachable' | 'error';

export interface ServerHealth {
  state: HealthState;
  message: string | null;
  checkedAt: number | null;
  models: string[];
  loras: string[];
}

/** A local GPU server as stored; the basic-auth secret only as the blob the OS vault sealed. */
export interface StoredServer {
  id: number;
  kind: LocalServerKind;
  label: string;
  url: string;
  slots: number;
  enabled: boolean;
  basicAuthSealed: Buffer | null;
  workflow: Record<string, unknown> | null;
  health: ServerHealth;
  createdAt: number;
  updatedAt: number;
}

export interface LocalServersRepo {
  add(server: {
    kind: LocalServerKind;
    label: string;
    url: string;
    slots: number;
    basicAuthSealed: Uint8Array | null;
    workflow: Record<string, unknown> | null;
    now: number;
  }): number;
  /** False when there is no such server. */
  update(id: number, change: { label?: string; slots?: number; enabled?: boolean; now: number }): boolean;
  remove(id: number): boolean;
  get(id: number): StoredServer | null;
  list(): StoredServer[];
  setHealth(id: number, health: ServerHealth): void;
}

interface ServerRow {
  id: number;
  kind: LocalServerKind;
  label: string;
  url: string;
  slots: number;
  enabled: number;
  basic_auth_sealed: Buffer | null;
  workflow: string | null;
  health_state: HealthState;
  health_message: string | null;
  checked_at: number | null;
  models: string;
  loras: string;
  created_at: number;
  updated_at: number;
}

const Workflow = z.record(z.string(), z.unknown());
const Strings = z.array(z.string());
type HealthLists = Pick<ServerHealth, 'models' | 'loras'>;

/**
 * A server whose stored workflow is refused is left as it is: `list` skips it and `get` throws
 * `StoredDataError`. Its model and LoRA lists are only the last health check's answer, rewritten by the next
 * one, so a refused list reads as empty (logged) rather than hide the server.
 */
export function createLocalServersRepo(db: LibraryDatabase, log: Logger): LocalServersRepo {
  const json = createJsonColumns(log);
  const at = (row: ServerRow, column: string) => ({ table: 'local_servers', column, id: row.id });
  const healthLists = (row: ServerRow): HealthLists => ({
    models: json.readOr(Strings, row.models, at(row, 'models'), []),
    loras: json.readOr(Strings, row.loras, at(row, 'loras'), []),
  });
  const listed = (row: ServerRow): StoredServer[] => {
    if (row.workflow === null) return [toServer(row, null, healthLists(row))];
    const workflow = json.read(Workflow, row.workflow, at(row, 'workflow'));
    return workflow.ok ? [toServer(row, workflow.value, healthLists(row))] : [];
  };
  const one = (row: ServerRow): StoredServer =>
    toServer(
      row,
      row.workflow === null ? null : json.require(Workflow, row.workflow, at(row, 'workflow')),
      healthLists(row),
    );
  const insert = db.prepare<{
    kind: string;
    label: string;
    url: string;
    slots: number;
    sealed: Buffer | null;
    workflow: string | null;
    now: number;
  }>(
    `INSERT INTO local_servers (kind, label, url, slots, basic_auth_sealed, workflow, created_at, updated_at)
     VALUES (@kind, @label, @url, @slots, @sealed, @workflow, @now, @now)`,
  );
  const update = db.prepare<{
    id: number;
    label: string | null;
    slots: number | null;
    enabled: number | null;
    now: number;
  }>(
    `UPDATE local_servers SET label = coalesce(@label, label), slots = coalesce(@slots, slots),
       enabled = coalesce(@enabled, enabled), updated_at = @now
     WHERE id = @id`,
  );
  const remove = db.prepare<[number]>('DELETE FROM local_servers WHERE id = ?');
  const selectOne = db.prepare<[number], ServerRow>('SELECT * FROM local_servers WHERE id = ?');
  const selectAll = db.prepare<[], ServerRow>('SELECT * FROM local_servers ORDER BY id');
  const setHealth = db.prepare<{
    id: number;
    state: HealthState;
    message: string | null;
    checkedAt: number | null;
    models: string;
    loras: string;
  }>(
    `UPDATE local_servers SET health_state = @state, health_message = @message, checked_at = @checkedAt,
       models = @models, loras = @loras
     WHERE id = @id`,
  );
  return {
    add({ kind, label, url, slots, basicAuthSealed, workflow, now }) {
      const sealed =
        basicAuthSealed === null
          ? null
          : Buffer.from(basicAuthSealed.buffer, basicAuthSealed.byteOffset, basicAuthSealed.byteLength);
      const { lastInsertRowid } = insert.run({
        kind,
        label,
        url,
        slots,
        sealed,
        workflow: workflow === null ? null : JSON.stringify(workflow),
        now,
      });
      return Number(lastInsertRowid);
    },
    update(id, { label, slots, enabled, now }) {
      const changes = update.run({
        id,
        label: label ?? null,
        slots: slots ?? null,
        enabled: enabled === undefined ? null : enabled ? 1 : 0,
        now,
      }).changes;
      return changes > 0;
    },
    remove: (id) => remove.run(id).changes > 0,
    get(id) {
      const row = selectOne.get(id);
      return row ? one(row) : null;
    },
    list: () => selectAll.all().flatMap(listed),
    setHealth(id, health) {
      setHealth.run({
        id,
        state: health.state,
        message: health.message,
        checkedAt: health.checkedAt,
        models: JSON.stringify(health.models),
        loras: JSON.stringify(health.loras),
      });
    },
  };
}

function toServer(
  row: ServerRow,
  workflow: Record<string, unknown> | null,
  health: HealthLists,
): StoredServer {
  return {
    id: row.id,
    kind: row.kind,
    label: row.label,
    url: row.url,
    slots: row.slots,
    enabled: row.enabled === 1,
    basicAuthSealed: row.basic_auth_sealed,
    workflow,
    health: {
      state: row.health_state,
      message: row.health_message,
      checkedAt: row.checked_at,
      models: health.models,
      loras: health.loras,
    },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
