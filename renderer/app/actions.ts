// Cross-feature intents: how one screen asks another to act without importing it.
//
// A feature never imports another feature (the architecture check enforces it). When History wants
// Generate to reuse a run's settings, it sends an intent here; Generate, which owns that state,
// registers the one handler for it when the app starts (each feature's start.ts, called by App.tsx).
// The sender still moves the view (`useAppStore.go`) itself, as before.
//
// To add one ("branch from seed", "add to board"): name it in `Intents` with its payload, send it
// from the screen that offers it, and `handle` it in the start.ts of the feature that owns the state.

import type { TaskType } from '../../shared/constants';
import type { AspectRatio, GenerationRequest, QualityTier } from '../../shared/domain';
import type { HistoryQueryInput } from '../../shared/history-contract';
import type { TemplateFields } from '../../shared/library-contract';
import type { PickedFile } from '../lib/files';

/** A style version from the library, rendered in by the main process before dispatch. */
export interface StyleChoice {
  versionId: number;
  /** 0 when only the version is known (a reused run). */
  styleId: number;
  name: string;
  version: number;
  status: 'draft' | 'approved' | 'deprecated' | null;
}

/** "Generate with this style": what the Styles editor hands to Generate. */
export interface UseStyle {
  style: StyleChoice;
  /** The style's template; Generate starts its variables from their defaults. */
  template: { versionId: number; name: string; fields: TemplateFields } | null;
  defaults: {
    aspectRatio?: AspectRatio;
    quality?: QualityTier;
    steps?: number;
    guidance?: number;
    taskType?: TaskType | null;
  };
  /** The style's first reference image. */
  reference: { path: string } | null;
}

/** Every intent and its payload. */
export interface Intents {
  /** Generate's form takes a style, its template, its defaults and its first reference (Generate). */
  'generate.useStyle': UseStyle;
  /** A stored image becomes the next run's reference: a run's output or a library reference (Generate). */
  'generate.useReference': { path: string; fromRunId: number | null };
  /**
   * "Reuse settings": Generate's form is filled from an earlier run's request, seed locked.
   * `styleVersionId` brings the run's style back when the request itself does not carry it (Generate).
   * `derivation` ("Branch from seed", "Vary") makes the next run record this one as its parent (lineage).
   */
  'generate.reuseRequest': {
    request: GenerationRequest;
    fromRunId: number;
    styleVersionId: number | null;
    derivation?: 'branch' | 'vary';
  };
  /** "Run again": a failed run's request is queued again (Generate's run queue). */
  'generate.retryRun': { runId: number; request: GenerationRequest | null };
  /** A style opens in the Styles editor (Styles). */
  'styles.open': { styleId: number };
  /** "Add to board": the board picker opens for these outputs (Boards). */
  'boards.addOutputs': { outputIds: number[] };
  /** "Compare": 2–4 outputs open side by side with their parameters (Boards). */
  'compare.open': { outputIds: number[] };
  /** Files or folders dropped on History are imported with their metadata (Imports). */
  'imports.files': { files: PickedFile[] };
  /** "Batch…": the batch dialog opens on Generate's request; `variables` are its template's (Batches). */
  'batches.compose': { request: GenerationRequest; variables: string[]; styleName: string | null };
  /** "Open in History": History filtered to the runs one batch made (History). */
  'history.showBatch': { batchId: number };
  /** "Export…" from another screen: History's Export dialog opens with this filter as what to export (Export). */
  'export.open': { history: HistoryQueryInput };
}

export type IntentName = keyof Intents;
type Handlers = { [K in IntentName]?: (payload: Intents[K]) => void };

const handlers: Handlers = {};

/**
 * Registers the handler of an intent; returns the function that removes it. One handler per intent:
 * a second registration is a wiring mistake and throws.
 */
export function handle<K extends IntentName>(intent: K, handler: (payload: Intents[K]) => void): () => void {
  if (handlers[intent]) throw new Error(`The intent ${intent} already has a handler`);
  (handlers as Record<K, (payload: Intents[K]) => void>)[intent] = handler;
  return () => {
    if (handlers[intent] === handler) delete handlers[intent];
  };
}

/** Features still loading (App.tsx starts most of them after History's first screen); null once all run. */
let starting: Promise<void> | null = null;

/** App.tsx: features are loading; an intent sent to one of them meanwhile is handled once it runs. */
export function startingFeatures(started: Promise<void>): void {
  starting = started;
  const done = () => {
    if (starting === started) starting = null;
  };
  started.then(done, done);
}

/**
 * Asks the owning feature to act. While features are loading, an intent none handles yet waits for them;
 * otherwise it throws when no feature handles it (it was never started).
 */
export function send<K extends IntentName>(intent: K, payload: Intents[K]): void {
  const handler = handlers[intent] as ((payload: Intents[K]) => void) | undefined;
  if (handler) {
    handler(payload);
    return;
  }
  if (starting) {
    // A chunk that cannot load rejects here, unhandled: the console shows it (App.tsx says so too).
    void starting.then(() => send(intent, payload));
    return;
  }
  throw new Error(`No feature handles the intent ${intent}: was it started in App.tsx?`);
}

// Selection actions: the buttons History's selection bar shows ("Compare", "Add to board", "Trash").
// A feature registers its action in its start.ts; History renders every registered one, in order.

/** What is selected in History: run ids, or every run that matches the gallery's query. */
export interface GallerySelection {
  runIds: number[];
  /** "Select all matching": `runIds` then lists only the loaded ones; `total` counts them all. */
  allMatching: boolean;
  total: number;
}

export interface SelectionAction {
  id: string;
  label: string;
  /** Whether the button can act on this selection (e.g. Compare wants 2 to 4). */
  enabled?: (selection: GallerySelection) => boolean;
  run: (selection: GallerySelection) => void;
}

const selectionActions: SelectionAction[] = [];
const selectionListeners = new Set<() => void>();

/** Adds a button to History's selection bar; returns the function that removes it. */
export function registerSelectionAction(action: SelectionAction): () => void {
  if (selectionActions.some((a) => a.id === action.id))
    throw new Error(`The selection action ${action.id} is already registered`);
  selectionActions.push(action);
  for (const listener of selectionListeners) listener();
  return () => {
    const at = selectionActions.indexOf(action);
    if (at !== -1) selectionActions.splice(at, 1);
    for (const listener of selectionListeners) listener();
  };
}

/** The registered selection actions, and a way to hear of changes (for useSyncExternalStore). */
export function selectionActionList(): readonly SelectionAction[] {
  return selectionActions;
}
export function onSelectionActions(listener: () => void): () => void {
  selectionListeners.add(listener);
  return () => selectionListeners.delete(listener);
}
