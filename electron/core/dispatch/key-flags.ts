import type { AttemptOutcome } from '../../../shared/domain';
import type { Clock } from '../ports';
import type { DispatchSettings, KeyFlag } from '../store';
import type { KeyRing } from '../vault/keyring';

export interface ShownFlag {
  outcome: AttemptOutcome;
  message: string;
  at: number;
}

/**
 * Keys a provider refused (auth_failed) or found out of quota: flagged for the provider panel until
 * the key is replaced or a later call with it succeeds. Persisted, so a restart still shows them.
 */
export interface KeyFlags {
  get(provider: string): ShownFlag | null;
  /** True when this changed what is shown. */
  flag(provider: string, outcome: AttemptOutcome, message: string): boolean;
  clear(provider: string): boolean;
}

export function createKeyFlags(deps: { settings: DispatchSettings; keys: KeyRing; clock: Clock }): KeyFlags {
  const { settings, keys, clock } = deps;
  let flags: Record<string, KeyFlag> = settings.keyFlags();

  const keyStamp = (provider: string) => keys.info(provider)?.updatedAt ?? null;

  function get(provider: string): ShownFlag | null {
    const flag = flags[provider];
    // A key added or replaced since the flag was raised has not been refused yet.
    if (!flag || flag.keyUpdatedAt !== keyStamp(provider)) return null;
    return { outcome: flag.outcome, message: flag.message, at: flag.at };
  }

  return {
    get,
    flag(provider, outcome, message) {
      const before = get(provider);
      if (before && before.outcome === outcome && before.message === message) return false;
      const flag: KeyFlag = { outcome, message, at: clock.now(), keyUpdatedAt: keyStamp(provider) };
      settings.setKeyFlag(provider, flag, clock.now());
      flags = { ...flags, [provider]: flag };
      return true;
    },
    clear(provider) {
      if (!flags[provider]) return false;
      const shown = get(provider) !== null;
      settings.setKeyFlag(provider, null, clock.now());
      const { [provider]: _gone, ...rest } = flags;
      flags = rest;
      return shown;
    },
  };
}
