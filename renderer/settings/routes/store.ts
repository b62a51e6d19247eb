// Settings → Routes: the chains being edited (one draft per task type) and what each save said.

import { create } from 'zustand';
import type { TaskType } from '../../../shared/constants';
import type { Route } from '../../../shared/domain';
import type { AppErrorShape } from '../../../shared/result';
import { api } from '../../api';
import { useRoutesStore } from '../../app/routes';

export interface DraftStep {
  /** Stable identity while steps move, for React keys and focus. */
  key: number;
  provider: string;
  /** '' is the provider's default model. */
  model: string;
}

export interface RouteDraft {
  chain: DraftStep[];
  allowContentFallthrough: boolean;
}

export type RouteMessage = { kind: 'saved' } | { kind: 'reset' } | { kind: 'error'; error: AppErrorShape };

/** Most steps a chain may have (the contract's limit). */
export const MAX_STEPS = 8;

let nextKey = 1;
export const newStepKey = () => nextKey++;

// One baseline per saved route object, so step keys stay the same from render to render and into the draft.
const baselines = new WeakMap<Route, RouteDraft>();

/** The saved route as an editable draft (the same object for the same route). */
export function draftFrom(route: Route): RouteDraft {
  let draft = baselines.get(route);
  if (!draft) {
    draft = {
      chain: route.chain.map((step) => ({
        key: newStepKey(),
        provider: step.provider,
        model: step.model ?? '',
      })),
      allowContentFallthrough: route.allowContentFallthrough,
    };
    baselines.set(route, draft);
  }
  return draft;
}

export function sameAsRoute(draft: RouteDraft, route: Route): boolean {
  return (
    draft.allowContentFallthrough === route.allowContentFallthrough &&
    draft.chain.length === route.chain.length &&
    draft.chain.every(
      (step, i) => step.provider === route.chain[i]!.provider && step.model === (route.chain[i]!.model ?? ''),
    )
  );
}

interface RouteEditorState {
  drafts: Partial<Record<TaskType, RouteDraft>>;
  busy: Partial<Record<TaskType, 'saving' | 'resetting'>>;
  messages: Partial<Record<TaskType, RouteMessage>>;
  /** Applies a change to the task type's draft, starting one from the saved route if needed. */
  edit(route: Route, change: (draft: RouteDraft) => RouteDraft): void;
  discard(taskType: TaskType): void;
  save(route: Route): Promise<boolean>;
  reset(taskType: TaskType): Promise<void>;
}

export const useRouteEditorStore = create<RouteEditorState>()((set, get) => {
  const patch = <K extends 'drafts' | 'busy' | 'messages'>(
    key: K,
    taskType: TaskType,
    value: RouteEditorState[K][TaskType],
  ) => set((state) => ({ [key]: { ...state[key], [taskType]: value } }) as Partial<RouteEditorState>);

  return {
    drafts: {},
    busy: {},
    messages: {},

    edit(route, change) {
      const current = get().drafts[route.taskType] ?? draftFrom(route);
      const next = change(current);
      patch('drafts', route.taskType, sameAsRoute(next, route) ? undefined : next);
      if (get().messages[route.taskType]) patch('messages', route.taskType, undefined);
    },

    discard(taskType) {
      patch('drafts', taskType, undefined);
      patch('messages', taskType, undefined);
    },

    async save(route) {
      const draft = get().drafts[route.taskType] ?? draftFrom(route);
      patch('busy', route.taskType, 'saving');
      patch('messages', route.taskType, undefined);
      const result = await api.call('routes.set', {
        taskType: route.taskType,
        chain: draft.chain.map((step) => ({
          provider: step.provider,
          ...(step.model ? { model: step.model } : {}),
        })),
        allowContentFallthrough: draft.allowContentFallthrough,
      });
      patch('busy', route.taskType, undefined);
      if (!result.ok) {
        patch('messages', route.taskType, { kind: 'error', error: result.error });
        return false;
      }
      useRoutesStore.getState().put(result.value);
      patch('drafts', route.taskType, undefined);
      patch('messages', route.taskType, { kind: 'saved' });
      return true;
    },

    async reset(taskType) {
      patch('busy', taskType, 'resetting');
      patch('messages', taskType, undefined);
      const result = await api.call('routes.reset', { taskType });
      patch('busy', taskType, undefined);
      if (!result.ok) {
        patch('messages', taskType, { kind: 'error', error: result.error });
        return;
      }
      useRoutesStore.getState().put(result.value);
      patch('drafts', taskType, undefined);
      patch('messages', taskType, { kind: 'reset' });
    },
  };
});
