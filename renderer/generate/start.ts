// Generate's part of start-up (called by app/App.tsx): the intents it handles for other screens, and the
// events that keep its run queue and its estimate current.

import { api } from '../api';
import { handle } from '../app/actions';
import { useEstimateStore } from './estimate';
import { useRunsStore } from './runs-store';
import { useGenerateStore } from './store';
import { initialTemplateValues } from './template-form';

export function startGenerate(): () => void {
  let estimateTimer: ReturnType<typeof setTimeout> | undefined;
  // A busy chain changes provider state many times a second: refresh the estimate once per burst.
  const refreshEstimate = () => {
    clearTimeout(estimateTimer);
    estimateTimer = setTimeout(() => useEstimateStore.getState().refresh(), 200);
  };

  let wasDown = false;
  const offs = [
    handle('generate.useStyle', ({ style, template, defaults, reference }) => {
      // The editor's sample values stay in the editor: Generate starts from the template's defaults.
      useGenerateStore
        .getState()
        .applyStyle(
          style,
          template ? { ...template, values: initialTemplateValues(template.fields) } : null,
          defaults,
          reference,
        );
    }),
    handle('generate.useReference', ({ path, fromRunId }) => {
      useGenerateStore.getState().referenceFrom(path, fromRunId);
    }),
    handle('generate.reuseRequest', ({ request, fromRunId, styleVersionId, derivation }) => {
      useGenerateStore.getState().applyRequest(request, fromRunId, styleVersionId, derivation ?? null);
    }),
    handle('generate.retryRun', ({ runId, request }) => {
      void useRunsStore.getState().retry(runId, request);
    }),
    api.on('run.updated', (payload) => {
      useRunsStore.getState().onRunUpdated(payload);
    }),
    api.on('run.progress', (payload) => {
      useRunsStore.getState().onRunProgress(payload);
    }),
    api.on('run.completed', (payload) => {
      useRunsStore.getState().onRunCompleted(payload);
      refreshEstimate();
    }),
    api.on('keys.changed', refreshEstimate),
    api.on('providers.changed', refreshEstimate),
    api.onConnection((state) => {
      if (state === 'reconnecting' || state === 'unauthorized') wasDown = true;
      if (state === 'open' && wasDown) {
        // Events were missed while the stream was down: catch up from the source of truth.
        wasDown = false;
        void useRunsStore.getState().resync();
        refreshEstimate();
      }
    }),
  ];
  // The queue as it is now (runs in flight survive a reload); the events above keep it current.
  void useRunsStore.getState().load();
  return () => {
    clearTimeout(estimateTimer);
    for (const off of offs) off();
  };
}
