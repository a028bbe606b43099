// One HTTP request to tetherd's Unix socket or the emulator's admin port, with a deadline, on a
// fresh connection each time: a socket kept alive across a SIGKILL would only mislead the soak.
import http from 'node:http';

export type Target = { readonly socketPath: string } | { readonly host: string; readonly port: number };

export interface Answer<T> {
  readonly status: number;
  readonly body: T;
}

/** Rejects when no answer came (refused, reset, timed out): the caller cannot know what happened. */
export function request<T = unknown>(target: Target, method: string, pathname: string, options: { readonly body?: unknown; readonly headers?: Record<string, string>; readonly timeoutMs?: number } = {}): Promise<Answer<T>> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    const headers = { ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}), ...options.headers };
    const outgoing = http.request({ ...target, method, path: pathname, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: keep the text
        }
        resolve({ status: response.statusCode ?? 0, body: body as T });
      });
    });
    outgoing.setTimeout(options.timeoutMs ?? 10_000, () => outgoing.destroy(new Error(`no answer to ${method} ${pathname} in time`)));
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
