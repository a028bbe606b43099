// The client's one options type and its defaults, resolved once in createClient. Where tetherd is
// follows the CLI's rule, so a bot and `tether` on the same machine find the same daemon.
import os from 'node:os';
import { backoffPolicy, systemClock, type BackoffPolicy, type Clock } from '@tether/core';
import { defaultSocketPath } from '@tether/daemon/protocol';

interface CommonOptions {
  /**
   * Deadline for one call's whole answer, and for an event stream to open (once open, streams and
   * `settled()` waits last as long as their signal allows).
   * @default 30_000
   */
  readonly requestTimeoutMs?: number;
  /**
   * Backoff between attempts to reach tetherd again: event-stream reconnects and `waitForDaemon`.
   * @default { initialMs: 100, factor: 2, maxMs: 5_000, jitter: 'full' }
   */
  readonly reconnectBackoff?: BackoffPolicy;
  /**
   * How long an idle pooled connection is kept for the next call; below tetherd's own 5 s so the
   * daemon never closes a connection the client is about to reuse.
   * @default 4_000
   */
  readonly keepAliveMs?: number;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Randomness for backoff jitter. @default Math.random */
  readonly random?: () => number;
  /** The environment the default target is read from. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** tetherd's Unix socket. */
export interface SocketOptions extends CommonOptions {
  /**
   * The control socket.
   * @default TETHER_SOCKET, else `$XDG_RUNTIME_DIR/tether.sock`, else `<state dir>/tether.sock`
   *   (the rule tetherd and `tether` share); with TETHER_URL set, that listener and TETHER_TOKEN
   */
  readonly socket?: string;
  readonly url?: never;
  readonly token?: never;
}

/** tetherd's loopback TCP listener (`--listen`), which demands the bearer token. */
export interface TcpOptions extends CommonOptions {
  /** `http://127.0.0.1:8765`; a path prefix is kept (for a proxy). */
  readonly url: string;
  /** The token from tetherd's `--token-file`. */
  readonly token: string;
  readonly socket?: never;
}

export type ClientOptions = SocketOptions | TcpOptions;

export type Target = { readonly kind: 'socket'; readonly path: string } | { readonly kind: 'tcp'; readonly url: URL; readonly token: string };

export interface ResolvedOptions {
  readonly target: Target;
  readonly requestTimeoutMs: number;
  readonly reconnectBackoff: BackoffPolicy;
  readonly keepAliveMs: number;
  readonly clock: Clock;
  readonly random: () => number;
}

export const CLIENT_DEFAULTS = Object.freeze({
  requestTimeoutMs: 30_000,
  reconnectBackoff: Object.freeze({ initialMs: 100, factor: 2, maxMs: 5_000, jitter: 'full' }) as BackoffPolicy,
  keepAliveMs: 4_000,
});

export function resolveOptions(options: ClientOptions = {}): ResolvedOptions {
  return {
    target: resolveTarget(options),
    requestTimeoutMs: positive(options.requestTimeoutMs ?? CLIENT_DEFAULTS.requestTimeoutMs, 'requestTimeoutMs'),
    reconnectBackoff: backoffPolicy(options.reconnectBackoff ?? CLIENT_DEFAULTS.reconnectBackoff),
    keepAliveMs: positive(options.keepAliveMs ?? CLIENT_DEFAULTS.keepAliveMs, 'keepAliveMs'),
    clock: options.clock ?? systemClock,
    random: options.random ?? Math.random,
  };
}

function resolveTarget(options: ClientOptions): Target {
  if (options.url !== undefined) return tcpTarget(options.url, options.token, 'url');
  if (options.socket !== undefined) return { kind: 'socket', path: options.socket };
  const env = options.env ?? process.env;
  const url = env['TETHER_URL'];
  if (url) return tcpTarget(url, env['TETHER_TOKEN'], 'TETHER_URL');
  return { kind: 'socket', path: defaultSocketPath(env, os.homedir()) };
}

function tcpTarget(url: string, token: string | undefined, name: string): Target {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`${name} must be a URL such as http://127.0.0.1:8765`);
  }
  if (parsed.protocol !== 'http:') throw new TypeError(`${name} must start with http:// (tetherd's TCP listener speaks plain HTTP on loopback)`);
  if (!token) throw new TypeError(`${name} needs a token: the bearer token from the file tetherd was given with --token-file`);
  return { kind: 'tcp', url: parsed, token };
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number of milliseconds, got ${value}`);
  return value;
}

/** Where the client looks, for messages: the socket path or the listener's origin. */
export function describeTarget(target: Target): string {
  return target.kind === 'socket' ? target.path : target.url.origin;
}
