// Where tetherd's control API is: the Unix socket (TETHER_SOCKET, else the daemon's own default
// path rule from the protocol), or the loopback TCP listener (TETHER_URL + TETHER_TOKEN).
import { defaultSocketPath } from '@tether/daemon/protocol';
import { usageError } from '../exit-error.js';

export type Connection =
  | { readonly kind: 'socket'; readonly socketPath: string }
  | { readonly kind: 'tcp'; readonly url: URL; readonly token: string };

export function resolveConnection(env: Readonly<Record<string, string | undefined>>, home: string): Connection {
  const url = env['TETHER_URL'];
  if (url) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw usageError(`TETHER_URL must be a URL such as http://127.0.0.1:8765, got "${url}"`, 'invalid-url');
    }
    if (parsed.protocol !== 'http:') throw usageError(`TETHER_URL must start with http:// (tetherd listens on loopback only), got "${url}"`, 'invalid-url');
    const token = env['TETHER_TOKEN'];
    if (!token) throw usageError('TETHER_URL needs TETHER_TOKEN: the bearer token from the file tetherd was given with --token-file', 'missing-token');
    return { kind: 'tcp', url: parsed, token };
  }
  return { kind: 'socket', socketPath: defaultSocketPath(env, home) };
}

export function describeConnection(connection: Connection): string {
  return connection.kind === 'socket' ? connection.socketPath : connection.url.origin;
}

/** What to tell someone whose daemon cannot be reached, and how to fix it. */
export function unreachableHint(connection: Connection): string {
  if (connection.kind === 'socket') {
    return `tetherd is not running on ${connection.socketPath}: start it with \`tetherd --account +<your number>\` or set TETHER_SOCKET to its socket`;
  }
  return `tetherd is not listening on ${connection.url.origin}: start it with \`tetherd --listen ${connection.url.host} --token-file <file>\` or unset TETHER_URL to use the Unix socket`;
}
