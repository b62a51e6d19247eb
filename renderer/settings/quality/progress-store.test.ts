// The re-run's call answer can be read after the event that says it is done: the newest report stays.
import { beforeEach, describe, expect, it } from 'vitest';
import type { QualityProgress } from '../../../shared/quality-contract';
import { useQualityProgressStore } from './progress-store';

const report = (revision: number, state: QualityProgress['state'], done: number): QualityProgress => ({
  state,
  done,
  total: 1,
  references: 1,
  revision,
});

describe('quality progress store', () => {
  beforeEach(() => useQualityProgressStore.setState({ progress: null }));

  it('keeps "done" when the re-run call answers "running" after the done event', () => {
    const { set } = useQualityProgressStore.getState();
    set(report(2, 'done', 1)); // the event
    set(report(1, 'running', 0)); // quality.rerun's answer, read late
    expect(useQualityProgressStore.getState().progress).toEqual(report(2, 'done', 1));
  });

  it('takes every newer report, and an equal one (the same state read twice)', () => {
    const { set } = useQualityProgressStore.getState();
    set(report(1, 'running', 0));
    set(report(1, 'running', 0));
    set(report(3, 'running', 1));
    expect(useQualityProgressStore.getState().progress?.revision).toBe(3);
  });
});
