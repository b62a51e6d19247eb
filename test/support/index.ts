export { callBuilder, failed, keyCall, ok, shown, shownPerScenario, type TestCall } from './calls';
export { providerCatalog, SHIPPED_CATALOG } from './catalog';
export { FAKE_CLOCK_START, type FakeClock, fakeClock, scaledClock } from './clocks';
export { pngBytes, referenceImage } from './images';
export { type LoggedLine, type RecordingLogger, recordingLogger } from './log';
export { unusedPort, withTempDir } from './net';
export { suiteDouble } from './suite';
