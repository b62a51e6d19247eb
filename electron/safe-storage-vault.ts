import type { SafeStorage } from 'electron';
import type { Vault } from './core/vault/vault';

/** Keys sealed by the OS keychain (Keychain, DPAPI, libsecret/kwallet); refuses rather than store weakly. */
export function createSafeStorageVault(safeStorage: SafeStorage, platform: NodeJS.Platform): Vault {
  return {
    persistent: true,
    unavailableReason() {
      if (!safeStorage.isEncryptionAvailable()) {
        return 'this system offers no OS encryption for secrets, and Atelier does not store API keys in plain text. Provide keys through ATELIER_KEY_<PROVIDER> environment variables instead.';
      }
      if (platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') {
        return 'no desktop keyring (GNOME Keyring / KWallet via libsecret) is available, so the OS would only obscure keys with a fixed password. Start a keyring, or provide keys through ATELIER_KEY_<PROVIDER> environment variables.';
      }
      return null;
    },
    describe: () =>
      "Keys are encrypted by your operating system's keychain and stored in your Atelier library. They never leave the main process.",
    seal: (plaintext) => safeStorage.encryptString(plaintext),
    open: (sealed) => safeStorage.decryptString(Buffer.from(sealed)),
  };
}
