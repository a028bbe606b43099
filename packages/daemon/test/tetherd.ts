// Runs the real tetherd binary for end-to-end tests and talks to it over its Unix socket:
// JSON requests, a server-sent-events reader, and waits on its log lines (never sleeps).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ACCOUNT = '+4915112345678';
export const FRIEND = '+4915187654321';
const BIN = fileURLToPath(new URL('../dist/tetherd.js', import.meta.url));

export function within<T>(promise: Promise<T>, what: string, ms = 20_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)));
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}

export function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'tetherd-test-'));
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

  request<T = unknown>(method: string, pathname: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T; headers: http.IncomingHttpHeaders }> {
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

export function request<T>(target: { socketPath?: string; host?: string; port?: number }, method: string, pathname: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request({ ...target, method, path: pathname, headers: { ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // plain text (metrics)
        }
        resolve({ status: res.statusCode ?? 0, body: parsed as T, headers: res.headers });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export interface StreamEvent {
  readonly id: number;
  readonly event: string;
  readonly data: Record<string, unknown>;
}

export class EventStream {
  readonly events: StreamEvent[] = [];
  #waiters: { predicate: (events: StreamEvent[]) => boolean; resolve: () => void }[] = [];
  readonly #request: http.ClientRequest;
  readonly opened: Promise<void>;

  constructor(target: { socketPath: string }, query: string, lastEventId?: string) {
    let opened!: () => void;
    this.opened = new Promise((resolve) => (opened = resolve));
    this.#request = http.get({ ...target, path: `/v1/events${query}`, headers: lastEventId ? { 'last-event-id': lastEventId } : {} }, (response) => {
      opened();
      let buffered = '';
      response.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        const blocks = buffered.split('\n\n');
        buffered = blocks.pop()!;
        for (const block of blocks) this.#block(block);
      });
    });
    this.#request.on('error', () => {});
  }

  until(predicate: (events: StreamEvent[]) => boolean, what: string): Promise<StreamEvent[]> {
    if (predicate(this.events)) return Promise.resolve(this.events);
    return within(new Promise<StreamEvent[]>((resolve) => this.#waiters.push({ predicate, resolve: () => resolve(this.events) })), what);
  }

  close(): void {
    this.#request.destroy();
  }

  #block(block: string): void {
    const fields = Object.fromEntries(block.split('\n').filter((line) => !line.startsWith(':') && line.includes(': ')).map((line) => [line.slice(0, line.indexOf(': ')), line.slice(line.indexOf(': ') + 2)]));
    if (!fields['data']) return;
    this.events.push({ id: Number(fields['id']), event: fields['event'] ?? 'message', data: JSON.parse(fields['data']) as Record<string, unknown> });
    for (const waiter of [...this.#waiters]) {
      if (waiter.predicate(this.events)) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }
}
