// What a card carries when it is dragged onto a board (HTML5 drag and drop): output ids, or run ids whose
// outputs the drop target looks up. One format, so any screen's card can be dropped on any target.

export const OUTPUTS_DRAG_TYPE = 'application/x-atelier-outputs';

export interface DraggedOutputs {
  outputIds: number[];
  runIds: number[];
}

export function setDraggedOutputs(data: DataTransfer, dragged: Partial<DraggedOutputs>): void {
  const payload: DraggedOutputs = { outputIds: dragged.outputIds ?? [], runIds: dragged.runIds ?? [] };
  data.setData(OUTPUTS_DRAG_TYPE, JSON.stringify(payload));
  data.effectAllowed = 'copy';
}

/** Whether a drag over a target carries outputs (the payload itself is readable only on drop). */
export function carriesOutputs(data: DataTransfer): boolean {
  return data.types.includes(OUTPUTS_DRAG_TYPE);
}

/** The payload of a drop, or null when it is not ours or not well formed. */
export function readDraggedOutputs(data: DataTransfer): DraggedOutputs | null {
  const raw = data.getData(OUTPUTS_DRAG_TYPE);
  if (!raw) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null; // Another page's drag with our type name but not our payload: not a drop of outputs.
  }
  const ids = (value: unknown) =>
    Array.isArray(value) ? value.filter((v): v is number => Number.isInteger(v) && v > 0) : [];
  if (!parsed || typeof parsed !== 'object') return null;
  const { outputIds, runIds } = parsed as Record<string, unknown>;
  return { outputIds: ids(outputIds), runIds: ids(runIds) };
}
