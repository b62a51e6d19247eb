// View state of Settings: what is typed in each key box, which row is busy, and each row's last message.

import { create } from 'zustand';
import type { CallOutput } from '../../shared/contract';
import type { AppErrorShape } from '../../shared/result';
import { api } from '../api';

export type RowBusy = 'saving' | 'testing' | 'removing' | null;

export type RowMessage =
  | { kind: 'saved' }
  | { kind: 'removed' }
  | { kind: 'test'; ok: boolean; outcome: string; message: string }
  | { kind: 'error'; action: 'save' | 'test' | 'remove'; error: AppErrorShape };

interface SettingsState {
  drafts: Record<string, string>;
  busy: Record<string, RowBusy>;
  messages: Record<string, RowMessage | undefined>;
  info: CallOutput<'app.info'> | null;
  infoError: AppErrorShape | null;
  setDraft(provider: string, value: string): void;
  loadInfo(): Promise<void>;
  save(provider: string): Promise<boolean>;
  test(provider: string): Promise<void>;
  remove(provider: string): Promise<void>;
}

export const useSettingsStore = create<SettingsState>()((set, get) => {
  const setBusy = (provider: string, busy: RowBusy) =>
    set((s) => ({ busy: { ...s.busy, [provider]: busy } }));
  const setMessage = (provider: string, message: RowMessage | undefined) =>
    set((s) => ({ messages: { ...s.messages, [provider]: message } }));

  return {
    drafts: {},
    busy: {},
    messages: {},
    info: null,
    infoError: null,

    setDraft(provider, value) {
      set((s) => ({ drafts: { ...s.drafts, [provider]: value } }));
      if (get().messages[provider]?.kind === 'error') setMessage(provider, undefined);
    },

    async loadInfo() {
      const result = await api.call('app.info', {});
      if (result.ok) set({ info: result.value, infoError: null });
      else set({ infoError: result.error });
    },

    async save(provider) {
      const secret = (get().drafts[provider] ?? '').trim();
      if (secret === '') {
        setMessage(provider, {
          kind: 'error',
          action: 'save',
          error: { code: 'invalid_input', message: 'secret: paste the API key first' },
        });
        return false;
      }
      setBusy(provider, 'saving');
      const result = await api.call('keys.set', { provider, secret });
      setBusy(provider, null);
      if (!result.ok) {
        setMessage(provider, { kind: 'error', action: 'save', error: result.error });
        return false;
      }
      set((s) => ({ drafts: { ...s.drafts, [provider]: '' } }));
      setMessage(provider, { kind: 'saved' });
      return true;
    },

    async test(provider) {
      setBusy(provider, 'testing');
      setMessage(provider, undefined);
      const result = await api.call('keys.test', { provider });
      setBusy(provider, null);
      if (!result.ok) setMessage(provider, { kind: 'error', action: 'test', error: result.error });
      else setMessage(provider, { kind: 'test', ...result.value });
    },

    async remove(provider) {
      setBusy(provider, 'removing');
      const result = await api.call('keys.delete', { provider });
      setBusy(provider, null);
      if (!result.ok) setMessage(provider, { kind: 'error', action: 'remove', error: result.error });
      else setMessage(provider, result.value.deleted ? { kind: 'removed' } : undefined);
    },
  };
});
