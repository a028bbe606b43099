// Picks the backend from the URL: `http(s)://` is signal-cli-rest-api, `tcp://host:port` and
// `unix:/path` are signal-cli's JSON-RPC daemon. Also the backoff preset each backend needs: the
// REST path loses every message that arrives while we are away, so it retries fast.
import { DEFAULT_BACKOFF, LOSS_PRONE_BACKOFF, type BackoffPolicy, type Clock, type Logger } from '@tether/core';
import type { JsonRpcEndpoint } from './jsonrpc-socket.js';
import { JsonRpcTransport, type ReceiveMode } from './jsonrpc-transport.js';
import { RestTransport } from './rest-transport.js';
import type { BlobReader } from './wire/index.js';

export type SignalTransport = RestTransport | JsonRpcTransport;

export type SignalEndpoint = { readonly kind: 'rest'; readonly url: string } | { readonly kind: 'jsonrpc'; readonly url: string; readonly endpoint: JsonRpcEndpoint };

const FORMS = 'http(s)://host:port (signal-cli-rest-api), tcp://host:port or unix:/path (signal-cli daemon)';

/** Parses a backend URL; returns an error message naming the accepted forms for anything else. */
export function parseSignalUrl(text: string): SignalEndpoint | { readonly error: string } {
  if (text.startsWith('unix:')) {
    const path = text.replace(/^unix:(\/\/)?/, '');
    if (!path.startsWith('/')) return { error: `"${text}" needs an absolute socket path, e.g. unix:/run/signal-cli/socket` };
    return { kind: 'jsonrpc', url: text, endpoint: { path } };
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { error: `"${text}" is not a URL; use ${FORMS}` };
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') return { kind: 'rest', url: url.origin };
  if (url.protocol === 'tcp:') {
    const port = Number(url.port);
    if (!url.hostname || !Number.isInteger(port) || port < 1) return { error: `"${text}" needs a host and a port, e.g. tcp://127.0.0.1:7583` };
    return { kind: 'jsonrpc', url: text, endpoint: { tcp: { host: url.hostname.replace(/^\[|\]$/g, ''), port } } };
  }
  return { error: `"${text}" has an unsupported scheme; use ${FORMS}` };
}

export interface SignalTransportOptions {
  readonly url: string;
  readonly account: string;
  /**
   * JSON-RPC only: what signal-cli's `--receive-mode` is asserted to be. The mode is detected at
   * every connect; a daemon that contradicts this fails the link with a non-retriable error.
   * @default detected
   */
  readonly receiveMode?: ReceiveMode;
  /** REST only: while the link is up, probe readiness at least this often (loss windows). @default no own probing */
  readonly probeIntervalMs?: number;
  /** REST only: times the readiness probes. @default systemClock */
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Reads the bytes of `blob` attachments while a send is written. @default none: such a send fails */
  readonly readBlob?: BlobReader;
}

export function createSignalTransport(options: SignalTransportOptions): SignalTransport {
  const endpoint = parseSignalUrl(options.url);
  if ('error' in endpoint) throw new RangeError(endpoint.error);
  const common = { ...(options.logger ? { logger: options.logger } : {}), ...(options.readBlob ? { readBlob: options.readBlob } : {}) };
  if (endpoint.kind === 'rest') {
    return new RestTransport({
      url: endpoint.url,
      account: options.account,
      ...(options.probeIntervalMs === undefined ? {} : { probeIntervalMs: options.probeIntervalMs }),
      ...(options.clock ? { clock: options.clock } : {}),
      ...common,
    });
  }
  return new JsonRpcTransport({ endpoint: endpoint.endpoint, url: endpoint.url, account: options.account, ...(options.receiveMode ? { receiveMode: options.receiveMode } : {}), ...common });
}

/** The link backoff for a backend (DECISIONS.md §3). */
export function backoffFor(transport: SignalTransport): BackoffPolicy {
  return transport.kind === 'signal-rest' ? LOSS_PRONE_BACKOFF : DEFAULT_BACKOFF;
}
