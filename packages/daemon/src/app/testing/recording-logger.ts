// A logger for tests that keeps every line it is given (level, fields, message), children
// included, so a test can assert what the daemon reported without parsing pino's output.
import type { Logger } from '@tether/core';

export interface LogLine {
  readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  readonly fields: Readonly<Record<string, unknown>>;
  readonly message: string;
}

export interface RecordingLogger extends Logger {
  readonly lines: LogLine[];
  /** The messages logged at `level`. */
  messages(level: LogLine['level']): string[];
}

export function recordingLogger(lines: LogLine[] = [], bound: Readonly<Record<string, unknown>> = {}): RecordingLogger {
  const at =
    (level: LogLine['level']) =>
    (fields: unknown, message?: string): void => {
      if (typeof fields === 'string') lines.push({ level, fields: bound, message: fields });
      else lines.push({ level, fields: { ...bound, ...(fields as Record<string, unknown>) }, message: message ?? '' });
    };
  return {
    lines,
    messages: (level) => lines.filter((line) => line.level === level).map((line) => line.message),
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => recordingLogger(lines, { ...bound, ...fields }),
  };
}
