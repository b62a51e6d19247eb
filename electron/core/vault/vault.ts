/**
 * Seals API keys at rest. The Electron shell supplies one backed by `safeStorage`;
 * browser mode (`npm run serve`) supplies a session vault that never writes keys anywhere.
 */
export interface Vault {
  /** True when sealed keys are written to the store and survive a restart. */
  readonly persistent: boolean;
  /** null when keys can be sealed now; otherwise one sentence saying why they cannot. */
  unavailableReason(): string | null;
  /** One sentence for the Settings screen: where keys live and for how long. */
  describe(): string;
  seal(plaintext: string): Uint8Array;
  open(sealed: Uint8Array): string;
}

/** Keys live in this process's memory only; nothing is sealed or written. */
export function createSessionVault(): Vault {
  return {
    persistent: false,
    unavailableReason: () => null,
    describe: () =>
      'Browser mode: keys you add are held in memory for this run only and forgotten when it stops. Set ATELIER_KEY_<PROVIDER> in the environment to provide a key at launch.',
    seal: () => {
      throw new Error('The session vault does not seal keys; they are held in memory.');
    },
    open: () => {
      throw new Error('The session vault does not seal keys; they are held in memory.');
    },
  };
}
