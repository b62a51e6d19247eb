import type { KeyInfo, KeySource, KeyStorageInfo, KeyTest } from '../../../shared/domain';
import { AppError } from '../../../shared/result';
import type { Clock } from '../ports';
import type { KeysRepo } from '../store';
import type { Vault } from './vault';

interface HeldKey {
  secret: string;
  source: Exclude<KeySource, 'stored'>;
  updatedAt: number;
  lastTest: KeyTest | null;
}

export interface KeyRing {
  storage(): KeyStorageInfo;
  list(): KeyInfo[];
  info(provider: string): KeyInfo | null;
  set(provider: string, secret: string, providerName: string): KeyInfo;
  delete(provider: string, providerName: string): boolean;
  /** The plaintext key, for the dispatcher only; never crosses the contract. */
  secretFor(provider: string): string | null;
  recordTest(provider: string, test: KeyTest): void;
}

/**
 * Where each provider's key comes from, in order: one the user added (sealed by the OS, or held for
 * this session), then `ATELIER_KEY_<PROVIDER>` from the environment at launch.
 */
export function createKeyRing(deps: {
  vault: Vault;
  repo: KeysRepo;
  clock: Clock;
  /** provider id -> key, read from the environment by the shell at launch. */
  environmentKeys: Record<string, string>;
}): KeyRing {
  const { vault, repo, clock } = deps;
  const held = new Map<string, HeldKey>();
  for (const [provider, secret] of Object.entries(deps.environmentKeys)) {
    held.set(provider, { secret, source: 'environment', updatedAt: clock.now(), lastTest: null });
  }
  const session = new Map<string, HeldKey>();

  function fromHeld(provider: string, key: HeldKey): KeyInfo {
    return {
      provider,
      source: key.source,
      last4: key.secret.slice(-4),
      updatedAt: key.updatedAt,
      lastTest: key.lastTest,
    };
  }

  function info(provider: string): KeyInfo | null {
    if (vault.persistent) {
      const row = repo.get(provider);
      if (row)
        return {
          provider,
          source: 'stored',
          last4: row.last4,
          updatedAt: row.updatedAt,
          lastTest: row.lastTest,
        };
    }
    const sessionKey = session.get(provider);
    if (sessionKey) return fromHeld(provider, sessionKey);
    const envKey = held.get(provider);
    return envKey ? fromHeld(provider, envKey) : null;
  }

  return {
    storage() {
      const reason = vault.unavailableReason();
      return {
        persistent: vault.persistent,
        canStore: reason === null,
        description: reason ?? vault.describe(),
      };
    },
    list() {
      const providers = new Set<string>([...held.keys(), ...session.keys()]);
      if (vault.persistent) for (const row of repo.list()) providers.add(row.provider);
      return [...providers]
        .sort()
        .map(info)
        .filter((k): k is KeyInfo => k !== null);
    },
    info,
    set(provider, secret, providerName) {
      const now = clock.now();
      if (!vault.persistent) {
        session.set(provider, { secret, source: 'session', updatedAt: now, lastTest: null });
        return fromHeld(provider, session.get(provider)!);
      }
      const reason = vault.unavailableReason();
      if (reason !== null) {
        throw new AppError('key_storage_unavailable', `The ${providerName} key was not saved: ${reason}`);
      }
      repo.upsert({ provider, last4: secret.slice(-4), sealed: vault.seal(secret), now });
      return info(provider)!;
    },
    delete(provider, providerName) {
      const removed = (vault.persistent && repo.delete(provider)) || session.delete(provider);
      if (!removed && held.get(provider)?.source === 'environment') {
        throw new AppError(
          'conflict',
          `The ${providerName} key comes from the environment variable set at launch; unset it and restart Atelier to remove it.`,
        );
      }
      return removed;
    },
    secretFor(provider) {
      if (vault.persistent) {
        const row = repo.get(provider);
        if (row) return openSealed(vault, row.sealed, provider);
      }
      return session.get(provider)?.secret ?? held.get(provider)?.secret ?? null;
    },
    recordTest(provider, test) {
      const source = info(provider)?.source;
      if (source === 'stored') repo.recordTest(provider, test);
      else if (source === 'session') session.get(provider)!.lastTest = test;
      else if (source === 'environment') held.get(provider)!.lastTest = test;
    },
  };
}

function openSealed(vault: Vault, sealed: Uint8Array, provider: string): string {
  try {
    return vault.open(sealed);
  } catch (error) {
    throw new AppError(
      'key_storage_unavailable',
      `The stored ${provider} key could not be unsealed by the operating system (${error instanceof Error ? error.message : 'unknown reason'}). Add the key again in Settings.`,
    );
  }
}
