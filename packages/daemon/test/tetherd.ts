// Runs the real tetherd binary for end-to-end tests and talks to it over its Unix socket, in the
// shapes these tests read (JSON requests, numbered events), on top of @tether/test-helpers; waits
// on its log lines, never sleeps.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventStream as SseStream, request as httpRequest, tempDir as freshDir, within, type HttpReply } from '@tether/test-helpers';

export { within };

export const ACCOUNT = '+4915112345678';
export const FRIEND = '+4915187654321';
const BIN = fileURLToPath(new URL('../dist/tetherd.js', import.meta.url));

/** A fresh state directory (its path). */
export function tempDir(): string {
  return freshDir('tetherd-test-').path;
}

/** Fast settings so that tests spend no time waiting on production-sized timers. */
export const FAST_ENV: Record<string, string> = {
  TETHER_BACKOFF_INITIAL_MS: '20',
  TETHER_BACKOFF_MAX_MS: '200',
  TETHER_HEARTBEAT_INTERVAL_MS: '300',
  TETHER_HEARTBEAT_TIMEOUT_MS: '300',
  TETHER_CONNECT_TIMEOUT_MS: '1000',
  TETHER_SEND_TIMEOUT_MS: '2000',
  TETHER_SHUTDOWN_TIMEOUT_MS: '2000',
  TETHER_LOG_LEVEL: 'debug',
};

export class Tetherd {
  readonly process: ChildProcess;
  readonly socket: string;
  readonly output: string[] = [];
  #lineWaiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr = '';

  constructor(stateDir: string, env: Record<string, string>) {
    this.socket = path.join(stateDir, 'tether.sock');
    this.process = spawn(process.execPath, [BIN], {
      env: { PATH: process.env['PATH'] ?? '', HOME: stateDir, TETHER_ACCOUNT: ACCOUNT, TETHER_STATE_DIR: stateDir, TETHER_SOCKET: this.socket, ...FAST_ENV, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffered = '';
    this.process.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) this.#line(line);
    });
    this.process.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    this.exited = new Promise((resolve) => this.process.on('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Resolves with the first log line (past or future) matching `pattern`. */
  logLine(pattern: RegExp): Promise<string> {
    const seen = this.output.find((line) => pattern.test(line));
    if (seen) return Promise.resolve(seen);
    return within(new Promise((resolve) => this.#lineWaiters.push({ pattern, resolve })), `log line ${pattern}`);
  }

  /** Resolves once the control API listens; rejects with the daemon's stderr if it exits first. */
  ready(): Promise<string> {
    const exitedEarly = this.exited.then(({ code, signal }) => {
      throw new Error(`tetherd exited (${code ?? signal}) before it was ready:\n${this.stderr}\n${this.output.slice(-5).join('\n')}`);
    });
    return Promise.race([this.logLine(/control API listening/), exitedEarly]);
  }

  request<T = unknown>(method: string, pathname: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
    return request<T>({ socketPath: this.socket }, method, pathname, body, headers);
  }

  /** Opens the event stream and collects events; `until` resolves when a predicate matches. */
  events(query = '', lastEventId?: string): EventStream {
    return new EventStream({ socketPath: this.socket }, query, lastEventId);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill(signal);
    return this.exited;
  }

  #line(line: string): void {
    this.output.push(line);
    for (const waiter of [...this.#lineWaiters]) {
      if (waiter.pattern.test(line)) {
        this.#lineWaiters.splice(this.#lineWaiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  }
}

export interface Reply<T> {
  readonly status: number;
  /** The parsed JSON, or the text when the body is not JSON (metrics). */
  readonly body: T;
  readonly headers: Readonly<Record<string, string>>;
}

/** One JSON request to the control API, over the Unix socket or TCP. */
export async function request<T>(target: { socketPath?: string; host?: string; port?: number }, method: string, pathname: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
  const url = target.socketPath ? `http://tetherd${pathname}` : `http://${target.host ?? '127.0.0.1'}:${target.port ?? 0}${pathname}`;
  const reply: HttpReply = await httpRequest(url, { method, headers, ...(body === undefined ? {} : { json: body }), ...(target.socketPath ? { socketPath: target.socketPath } : {}) });
  return { status: reply.status, body: (reply.json === undefined ? reply.text : reply.json) as T, headers: Object.fromEntries(reply.headers) };
}

export interface StreamEvent {
  readonly id: number;
  readonly event: string;
  readonly data: Record<string, unknown>;
}

/** `GET /v1/events` read through the shared SSE reader, with numeric ids. */
export class EventStream {
  readonly #stream: SseStream<Record<string, unknown>>;
  readonly opened: Promise<void>;

  constructor(target: { socketPath: string }, query: string, lastEventId?: string) {
    this.#stream = new SseStream(`http://tetherd/v1/events${query}`, { socketPath: target.socketPath, ...(lastEventId === undefined ? {} : { lastEventId }) });
    this.opened = this.#stream.opened.then(() => undefined);
    // a stream closed before its response arrived rejects `opened`; a test that never awaits it is fine
    this.opened.catch(() => undefined);
  }

  get events(): StreamEvent[] {
    return this.#stream.events.map((event) => ({ id: Number(event.id), event: event.event, data: event.data }));
  }

  async until(predicate: (events: StreamEvent[]) => boolean, what: string): Promise<StreamEvent[]> {
    await this.#stream.until(() => predicate(this.events), what);
    return this.events;
  }

  close(): void {
    this.#stream.close();
  }
}
