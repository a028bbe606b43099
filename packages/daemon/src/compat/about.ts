// `GET /v1/about` as signal-cli-rest-api 0.100 in json-rpc mode answers it (clients check `mode`
// and `versions`), plus a `tether` object that says who really answers and how sends behave.
import { readFileSync } from 'node:fs';
import type { CompatPort } from './port.js';

/** The release whose API the endpoint imitates; clients that compare versions see that one. */
export const IMITATED_VERSION = '0.100';

const tetherVersion = ((): string => {
  try {
    // dist/*.js sit one level below the package root.
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
})();

export function aboutBody(port: Pick<CompatPort, 'backend' | 'settings'>): Record<string, unknown> {
  const backend = port.backend();
  return {
    versions: ['v1', 'v2'],
    build: 2,
    mode: 'json-rpc',
    version: IMITATED_VERSION,
    // Quotes and mentions are queued and sent over either backend, as upstream announces them.
    capabilities: { 'v2/send': ['quotes', 'mentions'] },
    tether: { version: tetherVersion, backend: backend.kind, send: port.settings.compatSend, waitMs: port.settings.compatWaitMs },
  };
}
