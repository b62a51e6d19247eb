import type { LocalServer } from '../../../shared/domain';
import { AppError } from '../../../shared/result';
import { settingsPath } from '../../../shared/settings-tabs';
import type { EventBus } from '../events';
import type { Clock, FetchLike, Logger } from '../ports';
import type { Catalog } from '../providers/catalog';
import { providerExcerpt, secretsOfCall } from '../providers/redact';
import type { LocalServerTarget, ProviderAdapter, ServerInspection } from '../providers/types';
import type { LocalServerKind, LocalServersRepo, ServerHealth, StoredServer } from '../store';
import type { Vault } from '../vault/vault';

const KIND_NAMES: Record<LocalServerKind, string> = { a1111: 'A1111/Forge', comfyui: 'ComfyUI' };
const INSPECT_TIMEOUT_MS = 10_000;

/** A slot on one server, held while a request runs there. */
export interface ServerLease {
  target: LocalServerTarget;
  url: string;
  label: string;
  release(): void;
}

export interface NewLocalServer {
  kind: LocalServerKind;
  url: string;
  label?: string;
  slots: number;
  basicAuth?: string;
  workflow?: Record<string, unknown>;
}

/**
 * Local GPU servers (A1111/Forge, ComfyUI): stored settings, health checks, and a pool per kind that
 * places each request on the healthy enabled server with the most free slots.
 */
export interface LocalPool {
  list(): LocalServer[];
  add(server: NewLocalServer): Promise<LocalServer>;
  update(change: { id: number; label?: string; slots?: number; enabled?: boolean }): LocalServer;
  remove(id: number): boolean;
  check(id: number): Promise<LocalServer>;
  checkAll(): Promise<void>;
  /** Starts the periodic health check (an unref'd timer, so it never keeps the process alive). */
  start(): void;
  stop(): Promise<void>;
  /** Whether any enabled server of this kind exists (healthy or not): without one, the kind can never run. */
  hasEnabled(kind: LocalServerKind): boolean;
  /** Why no request of this kind can be placed now, or null when one can (perhaps after waiting). */
  unavailableReason(kind: LocalServerKind): string | null;
  /**
   * A slot on the best server not in `exclude`, waiting in order while all are busy; null when no
   * eligible server is left. Rejects with the signal's reason when aborted while waiting.
   */
  lease(
    kind: LocalServerKind,
    exclude: ReadonlySet<number>,
    signal: AbortSignal,
  ): Promise<ServerLease | null>;
  /** A request found the server down: it leaves the pool until a health check finds it up again. */
  markDown(id: number, state: 'unreachable' | 'error', message: string): void;
  inFlight(kind: LocalServerKind): number;
}

interface Waiter {
  kind: LocalServerKind;
  exclude: ReadonlySet<number>;
  resolve(lease: ServerLease | null): void;
}

export function createLocalPool(deps: {
  repo: LocalServersRepo;
  vault: Vault;
  adapters: Record<string, ProviderAdapter>;
  catalog: Catalog;
  fetch: FetchLike;
  clock: Clock;
  log: Logger;
  events: EventBus;
  intervalMs: number;
}): LocalPool {
  const { repo, vault, clock, log, events } = deps;
  let servers = repo.list();
  const busy = new Map<number, number>();
  // Browser mode: basic-auth secrets live in memory only, like session keys.
  const sessionAuth = new Map<number, string>();
  const waiters: Waiter[] = [];
  const checks = new Set<AbortController>();
  let timer: NodeJS.Timeout | null = null;

  const reload = () => {
    servers = repo.list();
  };
  const used = (id: number) => busy.get(id) ?? 0;

  function view(server: StoredServer): LocalServer {
    return {
      id: server.id,
      kind: server.kind,
      label: server.label,
      url: server.url,
      slots: server.slots,
      enabled: server.enabled,
      health: server.health,
      inFlight: used(server.id),
    };
  }

  function find(id: number): StoredServer {
    const server = servers.find((s) => s.id === id);
    if (!server) throw new AppError('not_found', `There is no local server ${id}.`);
    return server;
  }

  const eligible = (server: StoredServer, kind: LocalServerKind, exclude: ReadonlySet<number>) =>
    server.kind === kind &&
    server.enabled &&
    (server.health.state === 'healthy' || server.health.state === 'unknown') &&
    !exclude.has(server.id);

  /** The eligible server with the most free slots (healthy before unchecked), or why there is none. */
  function pick(kind: LocalServerKind, exclude: ReadonlySet<number>): StoredServer | 'busy' | null {
    let best: StoredServer | null = null;
    let anyEligible = false;
    for (const server of servers) {
      if (!eligible(server, kind, exclude)) continue;
      anyEligible = true;
      const free = server.slots - used(server.id);
      if (free <= 0) continue;
      if (
        best === null ||
        free > best.slots - used(best.id) ||
        (free === best.slots - used(best.id) &&
          server.health.state === 'healthy' &&
          best.health.state !== 'healthy')
      ) {
        best = server;
      }
    }
    if (best) return best;
    return anyEligible ? 'busy' : null;
  }

  function openAuth(server: StoredServer): string | null {
    if (server.basicAuthSealed !== null) {
      try {
        return vault.open(server.basicAuthSealed);
      } catch (error) {
        log.warn('local server credentials could not be unsealed', {
          server: server.id,
          error: error instanceof Error ? error.message : String(error),
        });
        return null;
      }
    }
    return sessionAuth.get(server.id) ?? null;
  }

  function leaseOn(server: StoredServer): ServerLease {
    busy.set(server.id, used(server.id) + 1);
    let released = false;
    return {
      target: { id: server.id, basicAuth: openAuth(server), workflow: server.workflow },
      url: server.url.replace(/\/+$/, ''),
      label: server.label,
      release() {
        if (released) return;
        released = true;
        busy.set(server.id, used(server.id) - 1);
        serveWaiters();
      },
    };
  }

  /** Hands freed slots to waiters in order; a waiter with no eligible server left gets null. */
  function serveWaiters(): void {
    for (let i = 0; i < waiters.length; ) {
      const waiter = waiters[i]!;
      const choice = pick(waiter.kind, waiter.exclude);
      if (choice === 'busy') {
        i += 1;
        continue;
      }
      waiters.splice(i, 1);
      waiter.resolve(choice === null ? null : leaseOn(choice));
    }
  }

  function setHealth(id: number, health: ServerHealth): void {
    repo.setHealth(id, health);
    reload();
    serveWaiters();
    events.emit('localServers.changed', { id });
  }

  async function inspect(server: StoredServer): Promise<ServerHealth> {
    const adapter = deps.adapters[server.kind];
    const provider = deps.catalog.providers.find((p) => p.id === server.kind);
    const checkedAt = clock.now();
    if (!adapter?.inspect || !provider) {
      return {
        state: 'unknown',
        message: `This version of Atelier cannot talk to ${KIND_NAMES[server.kind]} servers yet.`,
        checkedAt,
        models: server.health.models,
        loras: server.health.loras,
      };
    }
    const controller = new AbortController();
    const timeout = setTimeout(
      () => controller.abort(new Error('health check timed out')),
      INSPECT_TIMEOUT_MS,
    );
    timeout.unref();
    checks.add(controller);
    const basicAuth = openAuth(server);
    let result: ServerInspection;
    try {
      result = await adapter.inspect({
        provider,
        apiKey: null,
        endpoint: server.url.replace(/\/+$/, ''),
        server: { id: server.id, basicAuth, workflow: server.workflow },
        signal: controller.signal,
        fetch: deps.fetch,
        clock,
      });
    } catch (error) {
      // inspect must not throw; if it does, the server is reported, not the app.
      result = {
        state: 'error',
        message: `The health check failed: ${error instanceof Error ? error.message : String(error)}`,
        models: [],
        loras: [],
      };
    } finally {
      clearTimeout(timeout);
      checks.delete(controller);
    }
    const secrets = secretsOfCall({ apiKey: null, server: { basicAuth } });
    const said = result.message === null ? null : providerExcerpt(result.message, secrets);
    return { ...result, message: said, checkedAt: clock.now() };
  }

  async function check(id: number): Promise<LocalServer> {
    const server = find(id);
    const health = await inspect(server);
    if (!servers.some((s) => s.id === id)) throw new AppError('not_found', `There is no local server ${id}.`);
    setHealth(id, health);
    return view(find(id));
  }

  async function checkAll(): Promise<void> {
    await Promise.all(
      servers
        .filter((s) => s.enabled)
        .map((s) =>
          check(s.id).catch((error: unknown) => {
            if (!(error instanceof AppError)) throw error; // Removed meanwhile: nothing to report.
          }),
        ),
    );
  }

  return {
    list: () => servers.map(view),

    async add({ kind, url, label, slots, basicAuth, workflow }) {
      let sealed: Uint8Array | null = null;
      if (basicAuth !== undefined && vault.persistent) {
        const reason = vault.unavailableReason();
        if (reason !== null) {
          throw new AppError('key_storage_unavailable', `The server's password was not saved: ${reason}`);
        }
        sealed = vault.seal(basicAuth);
      }
      const id = repo.add({
        kind,
        label: label ?? `${KIND_NAMES[kind]} at ${new URL(url).host}`,
        url: url.replace(/\/+$/, ''),
        slots,
        basicAuthSealed: sealed,
        workflow: workflow ?? null,
        now: clock.now(),
      });
      if (basicAuth !== undefined && !vault.persistent) sessionAuth.set(id, basicAuth);
      reload();
      events.emit('localServers.changed', { id });
      return check(id);
    },

    update({ id, label, slots, enabled }) {
      if (!repo.update(id, { label, slots, enabled, now: clock.now() })) {
        throw new AppError('not_found', `There is no local server ${id}.`);
      }
      reload();
      serveWaiters();
      events.emit('localServers.changed', { id });
      return view(find(id));
    },

    remove(id) {
      const removed = repo.remove(id);
      if (removed) {
        sessionAuth.delete(id);
        reload();
        serveWaiters();
        events.emit('localServers.changed', { id });
      }
      return removed;
    },

    check,

    checkAll,

    start() {
      if (timer !== null || deps.intervalMs <= 0) return;
      timer = setInterval(() => {
        checkAll().catch((error: unknown) =>
          log.error('local server health check failed', {
            error: error instanceof Error ? error.message : String(error),
          }),
        );
      }, deps.intervalMs);
      timer.unref();
    },

    async stop() {
      if (timer !== null) clearInterval(timer);
      timer = null;
      for (const controller of checks) controller.abort(new Error('Atelier is shutting down'));
      for (const waiter of waiters.splice(0)) waiter.resolve(null);
    },

    hasEnabled: (kind) => servers.some((s) => s.kind === kind && s.enabled),

    unavailableReason(kind) {
      const ofKind = servers.filter((s) => s.kind === kind);
      if (ofKind.length === 0) {
        return `no ${KIND_NAMES[kind]} server has been added (${settingsPath('local')})`;
      }
      if (!ofKind.some((s) => s.enabled)) return `every ${KIND_NAMES[kind]} server is disabled`;
      if (pick(kind, new Set()) === null) {
        return `no ${KIND_NAMES[kind]} server is healthy (last check: ${ofKind.map((s) => `${s.label}: ${s.health.message ?? s.health.state}`).join('; ')})`;
      }
      return null;
    },

    lease(kind, exclude, signal) {
      if (signal.aborted) return Promise.reject(signal.reason);
      const choice = pick(kind, exclude);
      if (choice === null) return Promise.resolve(null);
      if (choice !== 'busy' && !waiters.some((w) => w.kind === kind)) return Promise.resolve(leaseOn(choice));
      return new Promise((resolve, reject) => {
        const waiter: Waiter = {
          kind,
          exclude,
          resolve(lease) {
            signal.removeEventListener('abort', onAbort);
            resolve(lease);
          },
        };
        const onAbort = () => {
          const at = waiters.indexOf(waiter);
          if (at >= 0) waiters.splice(at, 1);
          reject(signal.reason);
        };
        waiters.push(waiter);
        signal.addEventListener('abort', onAbort, { once: true });
        serveWaiters();
      });
    },

    markDown(id, state, message) {
      const server = servers.find((s) => s.id === id);
      if (!server) return;
      setHealth(id, { ...server.health, state, message, checkedAt: clock.now() });
    },

    inFlight(kind) {
      return servers.filter((s) => s.kind === kind).reduce((sum, s) => sum + used(s.id), 0);
    },
  };
}

export function isLocalKind(id: string): id is LocalServerKind {
  return id === 'a1111' || id === 'comfyui';
}
