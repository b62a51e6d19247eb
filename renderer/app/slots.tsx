// Places where one feature's screen shows another feature's panel without importing it: the screen renders
// `<Slot name=… />`, and the feature that owns the panel fills it in its start.ts (like intents, actions.ts).

import type { ComponentType, ReactNode } from 'react';
import { useSyncExternalStore } from 'react';
import type { HistoryQuery } from '../../shared/history-contract';

/** Every slot and the props its filler receives. */
export interface Slots {
  /** History's left column: the board sidebar (Boards). */
  'history.sidebar': { readonly _?: never };
  /** History's header: Import… (Imports). */
  'history.actions': { readonly _?: never };
  /** History's header: Export… with the selection's images, the current filter and the open board (Export). */
  'history.export': {
    selection: number[];
    history: HistoryQuery | null;
    boardId: number | null;
  };
  /** A run's dialog: where an imported image came from, its parameters and *Reproduce on…* (Imports). */
  'run.imported': { runId: number };
}

export type SlotName = keyof Slots;
type Fillers = { [K in SlotName]?: ComponentType<Slots[K]> };

const fillers: Fillers = {};
const listeners = new Set<() => void>();
let version = 0;

/** Fills a slot; returns the function that empties it. One filler per slot: a second one throws. */
export function fill<K extends SlotName>(name: K, component: ComponentType<Slots[K]>): () => void {
  if (fillers[name]) throw new Error(`The slot ${name} is already filled`);
  (fillers as Record<K, ComponentType<Slots[K]>>)[name] = component;
  changed();
  return () => {
    if (fillers[name] === component) {
      delete fillers[name];
      changed();
    }
  };
}

function changed(): void {
  version++;
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Renders whatever fills the slot, or `placeholder` until a filler comes (its feature loads once the page is idle):
 * an invisible stand-in of the same size keeps the screen from shifting when the panel arrives.
 */
export function Slot<K extends SlotName>({
  name,
  placeholder = null,
  ...props
}: { name: K; placeholder?: ReactNode } & Slots[K]) {
  useSyncExternalStore(subscribe, () => version);
  const Filler = fillers[name] as ComponentType<Slots[K]> | undefined;
  return Filler ? <Filler {...(props as unknown as Slots[K])} /> : placeholder;
}
