import type { qualityCalls } from '../../../shared/quality-contract';
import { fieldError } from '../../../shared/result';
import type { HandlerTable } from '../api/invoke';
import type { QualityRepo } from '../store';
import type { QualityService } from './service';

/** The quality gate's part of the handler table; api/handlers.ts spreads it in. */
export function createQualityHandlers(deps: {
  quality: QualityService;
  repo: Pick<QualityRepo, 'forOutput' | 'forRun' | 'target'>;
}): Pick<HandlerTable, keyof typeof qualityCalls> {
  const { quality, repo } = deps;
  return {
    'quality.output': async ({ outputId }) => {
      if (!repo.target(outputId)) throw fieldError(['outputId'], `there is no output ${outputId}`);
      return { checks: repo.forOutput(outputId) };
    },
    'quality.run': async ({ runId }) => ({ checks: repo.forRun(runId) }),
    'quality.settings': async () => quality.settings(),
    'quality.saveSettings': async ({ settings }) => quality.saveSettings(settings),
    'quality.rerun': async () => quality.rerun(),
    'quality.cancelRerun': async () => quality.cancelRerun(),
    'quality.progress': async () => quality.progress(),
  };
}
