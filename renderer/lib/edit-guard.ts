/**
 * Reads of a record that the designer's edits may overtake. A read asked before an edit and answered after it
 * carries the record as it was: shown, it would undo the edit on screen (a rating that springs back, an old name).
 * `read` drops such an answer (null) and reads again, at once when the edit is already through, or through
 * `reread` once the last edit on its way has finished. Used by the run dialog and the open reference.
 */
export interface EditGuard {
  /** `fetch`'s answer, or null when an edit overtook it (a fresh read follows). */
  read<T>(fetch: () => Promise<T>): Promise<T | null>;
  /** Runs `write` as an edit: reads asked meanwhile are not shown. */
  edit<T>(write: () => Promise<T>): Promise<T>;
}

export function editGuard(reread: () => void): EditGuard {
  let edits = 0;
  let inFlight = 0;
  let wanted = false;
  async function read<T>(fetch: () => Promise<T>): Promise<T | null> {
    const mark = edits;
    const result = await fetch();
    if (edits === mark && inFlight === 0) return result;
    // The edit is already through: a read now sees it.
    if (inFlight === 0) return read(fetch);
    wanted = true;
    return null;
  }
  async function edit<T>(write: () => Promise<T>): Promise<T> {
    edits++;
    inFlight++;
    try {
      return await write();
    } finally {
      inFlight--;
      if (inFlight === 0 && wanted) {
        wanted = false;
        reread();
      }
    }
  }
  return { read, edit };
}
