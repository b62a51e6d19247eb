import type { IpcMain, IpcMainInvokeEvent, WebFrameMain } from 'electron';
import { approximateJsonSize, bodyTooLarge, callBodyLimit } from '../shared/body-limits';
import { IPC_CALL_PREFIX } from '../shared/bridge';
import { CALL_NAMES } from '../shared/contract';
import { err, type Result } from '../shared/result';

/**
 * One `ipcMain.handle` per contract call. The sender must be our window showing our own page;
 * the input must fit its call's body limit (the same one the loopback server enforces) and is
 * parsed by `invoke` (the core's one door) before any handler sees it.
 */
export function registerIpcHandlers(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  invoke: (name: string, input: unknown) => Promise<Result<unknown>>,
  isTrustedSender: (frame: WebFrameMain | null, event: IpcMainInvokeEvent) => boolean,
): () => void {
  for (const name of CALL_NAMES) {
    const limit = callBodyLimit(name);
    ipcMain.handle(`${IPC_CALL_PREFIX}${name}`, async (event, input: unknown) => {
      if (!isTrustedSender(event.senderFrame, event)) {
        return err('forbidden', 'Refused: this call did not come from the Atelier window.');
      }
      if (approximateJsonSize(input, limit) > limit) return bodyTooLarge(name, limit);
      return invoke(name, input);
    });
  }
  return () => {
    for (const name of CALL_NAMES) ipcMain.removeHandler(`${IPC_CALL_PREFIX}${name}`);
  };
}
