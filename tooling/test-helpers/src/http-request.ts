// One HTTP request from a test, over TCP or a Unix socket (as `curl --unix-socket` does: the URL
// names the path, `socketPath` the socket). The whole answer is read: status, headers, the text
// and, when the text is JSON, its value. Bodies go out as JSON, or exactly as given (broken JSON,
// bytes) so that tests can send what no well-behaved client would. Each request has its own
// connection: a pooled keep-alive socket that the server closes between two tests would make the
// next request fail with a reset that has nothing to do with what is tested.
import http from 'node:http';

export interface RequestOptions {
  /** @default 'GET' */
  readonly method?: string;
  /** Sent as JSON. */
  readonly json?: unknown;
  /** Sent exactly as given (takes precedence over `json`). */
  readonly body?: string | Uint8Array;
  /** Added after the defaults (`content-type: application/json` and `content-length` when there is a body), so they can override them. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The Unix socket to reach the URL's server by. @default TCP to the URL's host and port */
  readonly socketPath?: string;
  /** Aborts the request: the promise rejects. */
  readonly signal?: AbortSignal;
}

export interface HttpReply<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  /** The body as UTF-8 text. */
  readonly text: string;
  /** The body parsed as JSON; undefined when it is empty or not JSON. */
  readonly json: T;
}

export function request<T = unknown>(url: string | URL, options: RequestOptions = {}): Promise<HttpReply<T>> {
  const payload = options.body !== undefined ? Buffer.from(options.body) : options.json !== undefined ? Buffer.from(JSON.stringify(options.json)) : undefined;
  const headers = { ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}), ...options.headers };
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      new URL(url),
      { method: options.method ?? 'GET', headers, agent: false, ...(options.socketPath ? { socketPath: options.socketPath } : {}), ...(options.signal ? { signal: options.signal } : {}) },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: response.statusCode ?? 0, headers: toHeaders(response.headers), text, json: parseJson(text) as T });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

/** The text as JSON, or undefined. */
export function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function toHeaders(incoming: http.IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    for (const each of Array.isArray(value) ? value : [value]) headers.append(name, each);
  }
  return headers;
}
