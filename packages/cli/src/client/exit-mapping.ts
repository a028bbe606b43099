// The client's errors as the CLI's exit codes and messages (DECISIONS.md §9): a refusal keeps the
// daemon's code (input errors exit 2), nobody listening is exit 3 with how to start tetherd, and a
// connection that broke is exit 1, warning when tetherd may have acted on the request.
import { ApiError, ProtocolError, UnreachableError } from '@tether/client';
import { EXIT, ExitError, type ExitCode } from '../exit-error.js';
import { describeConnection, unreachableHint, type Connection } from './connection.js';

/** System codes that mean no tetherd listens there. */
const NOBODY_THERE = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTSOCK', 'EADDRNOTAVAIL', 'EHOSTUNREACH']);

/** The ExitError for an error of @tether/client; undefined for anything else. */
export function exitErrorFor(error: unknown, connection: Connection): ExitError | undefined {
  if (ApiError.isInstance(error)) {
    const message = error.status === 401 ? `tetherd refused TETHER_TOKEN: ${error.message}` : error.message;
    const exit: ExitCode = error.status === 400 || error.status === 401 || error.status === 413 ? EXIT.usage : EXIT.failed;
    return new ExitError(exit, message, error.code, { field: error.field, cause: error });
  }
  if (UnreachableError.isInstance(error)) {
    const code = error.systemCode;
    if (!error.connected && code !== undefined && NOBODY_THERE.has(code)) return new ExitError(EXIT.unreachable, unreachableHint(connection), 'unreachable', { cause: error });
    if (!error.connected && code === 'EACCES') {
      return new ExitError(EXIT.unreachable, `permission denied on ${describeConnection(connection)}: run tether as the user that runs tetherd (the socket is 0600)`, 'unreachable', { cause: error });
    }
    const detail = (error.cause as Error | undefined)?.message ?? error.message;
    const maybe = error.ambiguous ? ' It may or may not have acted on the request: check with `tether outbox`.' : '';
    return new ExitError(EXIT.failed, `the connection to tetherd on ${describeConnection(connection)} broke: ${detail}.${maybe}`, 'connection-lost', { cause: error });
  }
  if (ProtocolError.isInstance(error)) return new ExitError(EXIT.failed, error.message, 'protocol', { cause: error });
  return undefined;
}
