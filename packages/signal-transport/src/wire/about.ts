// The REST backend's two health answers: `GET /v1/about` (is it in json-rpc mode, which version)
// and `GET /v1/accounts` (the readiness probe: signal-cli answers and has our account loaded).

import { isObject, parseJson, stringField } from './json-read.js';

export type AboutResult =
  | { readonly ok: true; readonly mode: 'json-rpc'; readonly version: string }
  | { readonly ok: false; readonly error: string };

const FIX = 'run signal-cli-rest-api with MODE=json-rpc (or json-rpc-native)';

/**
 * Reads `/v1/about`. Tether receives over the REST API's WebSocket, which exists only in json-rpc
 * mode (the other modes poll and acknowledge on fetch), so any other mode is refused with the fix.
 */
export function parseAbout(body: unknown): AboutResult {
  const about = typeof body === 'string' ? parseJson(body) : body;
  if (!isObject(about)) {
    return { ok: false, error: `GET /v1/about did not answer a JSON object: is the URL a signal-cli-rest-api? If it is, ${FIX}` };
  }
  const mode = stringField(about, 'mode');
  const version = stringField(about, 'version') ?? 'unknown';
  if (mode === 'json-rpc') return { ok: true, mode, version };
  const running = mode === null ? 'reports no mode' : `runs in mode "${mode}"`;
  return { ok: false, error: `signal-cli-rest-api ${version} ${running}; Tether needs its WebSocket receive: ${FIX}` };
}

/**
 * The readiness probe: `GET /v1/accounts` answered 200 with a list naming our account. It calls
 * signal-cli, unlike `/v1/health`, so it fails while the backend is down or not ready.
 */
export function classifyRestProbe(status: number, body: string, account: string): boolean {
  if (status !== 200) return false;
  const accounts = parseJson(body);
  if (!Array.isArray(accounts)) return false;
  // Entries are numbers as strings; `{number}` objects (JSON-RPC listAccounts' shape) count too.
  return accounts.some((entry) => entry === account || (isObject(entry) && stringField(entry, 'number') === account));
}
