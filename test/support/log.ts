/** A logger that keeps what it was told, so a test can check what was logged (and that nothing else was). */
import type { LogFields, Logger } from '../../electron/core/ports';

export interface LoggedLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  fields: LogFields | undefined;
}

export interface RecordingLogger extends Logger {
  lines: LoggedLine[];
}

export function recordingLogger(): RecordingLogger {
  const lines: LoggedLine[] = [];
  const at =
    (level: LoggedLine['level']) =>
    (message: string, fields?: LogFields): void => {
      lines.push({ level, message, fields });
    };
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}
