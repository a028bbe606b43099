// The daemon's pino logger: JSON on stdout, ISO times, and a last line of defence that masks any
// phone number in any string field (Signal's error texts carry them). Message bodies are never
// passed to the logger in the first place.
import { maskPhoneNumbers } from '@tether/signal-transport';
import pino from 'pino';
import type { LogLevel } from '../config/settings.js';

export type DaemonLogger = pino.Logger;

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): DaemonLogger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { log: (object) => maskFields(object) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          const [first, second, ...rest] = args as unknown[];
          if (typeof first === 'string') return method.apply(this, [maskPhoneNumbers(first), ...(args.slice(1) as [])]);
          if (typeof second === 'string') return method.apply(this, [first as object, maskPhoneNumbers(second), ...(rest as [])]);
          return method.apply(this, args);
        },
      },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

function maskFields(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskPhoneNumbers(value);
  if (depth > 4 || typeof value !== 'object' || value === null) return value;
  if (value instanceof Error) {
    // a masked copy that is still an Error, so pino's serializer keeps its type, stack and code
    const masked = new Error(maskPhoneNumbers(value.message), value.cause === undefined ? undefined : { cause: maskFields(value.cause, depth + 1) });
    masked.name = value.name;
    if (value.stack !== undefined) masked.stack = maskPhoneNumbers(value.stack);
    const { code } = value as { code?: unknown };
    if (typeof code === 'string' || typeof code === 'number') Object.assign(masked, { code });
    return masked;
  }
  if (Array.isArray(value)) return value.map((item) => maskFields(item, depth + 1));
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) result[key] = maskFields(item, depth + 1);
  return result;
}
