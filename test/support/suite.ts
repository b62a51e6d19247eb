/** A protocol double shared by a suite: closed after the suite, and back to its first scenario after each test. */
import { afterAll, afterEach } from 'vitest';

interface SuiteDouble {
  setScenario(scenario: 'success'): void;
  requests: unknown[];
  close(): Promise<void>;
}

/** `const double = await suiteDouble(startOpenAIDouble({ … }))` at the top of a test file. */
export async function suiteDouble<D extends SuiteDouble>(started: Promise<D>): Promise<D> {
  const double = await started;
  afterAll(() => double.close());
  afterEach(() => {
    double.setScenario('success');
    double.requests.length = 0;
  });
  return double;
}
