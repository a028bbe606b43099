// The real tetherd (its built binary, a child process) against an in-process Signal emulator, on a
// temporary state directory that survives SIGKILL and restart. Waits are on log lines and on the
// control API's own events, never on sleeps; close() removes everything a test started.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { startEmulator, type Emulator } from '@tether/signal-emulator';
import { createClient, type LinkStateKind, type Status, type TetherClient } from '../../src/index.js';

export const ACCOUNT = '+15555550199';
export const FRIEND = '+15555550142';
export const ALICE = { from: '+15555550100', fromName: 'Alice' } as const;
export const TOKEN = 'test-token-0123456789abcdef';
const TETHERD = path.join(path.dirname(createRequire(import.meta.url).resolve('@tether/daemon/package.json')), 'dist/tetherd.js');
const LINE_TIMEOUT_MS = 20_000;

export interface StackOptions {
  /** `rest` (signal-cli-rest-api), or `jsonrpc`: signal-cli's daemon in manual mode, the lossless path. @default 'rest' */
  readonly backend?: 'rest' | 'jsonrpc';
  /** Also listen on loopback TCP with TOKEN. @default false */
  readonly tcp?: boolean;
  readonly daemonEnv?: Record<string, string>;
}

export interface Stack {
  readonly emulator: Emulator;
  readonly daemon: Tetherd;
  readonly dir: string;
  readonly socket: string;
  /** A client on the socket, closed by close(). */
  readonly client: TetherClient;
  /** The TCP listener's URL when started with `tcp`. */
  tcpUrl(): string;
  /** Resolves with the first status that passes `test`, checked now and after every change. */
  waitForStatus(test: (status: Status) => boolean): Promise<Status>;
  waitForLink(state: LinkStateKind): Promise<Status>;
  close(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tether-client-test-'));
  const jsonRpc = options.backend === 'jsonrpc';
  const emulator = await startEmulator(jsonRpc ? { account: ACCOUNT, rest: false, jsonRpc: { tcp: { port: 0 }, receiveMode: 'manual' } } : { account: ACCOUNT, rest: { port: 0 } });
  const socket = path.join(dir, 'tether.sock');
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: dir,
    TETHER_ACCOUNT: ACCOUNT,
    TETHER_SIGNAL_URL: jsonRpc ? emulator.jsonRpcUrl! : emulator.restUrl!,
    ...(jsonRpc ? { TETHER_RECEIVE_MODE: 'manual' } : {}),
    TETHER_STATE_DIR: path.join(dir, 'state'),
    TETHER_SOCKET: socket,
    TETHER_BACKOFF_INITIAL_MS: '50',
    TETHER_BACKOFF_MAX_MS: '300',
    TETHER_HEARTBEAT_INTERVAL_MS: '1000',
    TETHER_HEARTBEAT_TIMEOUT_MS: '1000',
    TETHER_SHUTDOWN_TIMEOUT_MS: '500',
    TETHER_LOG_LEVEL: 'info',
    ...options.daemonEnv,
  };
  if (options.tcp === true) {
    await writeFile(path.join(dir, 'token'), TOKEN, { mode: 0o600 });
    Object.assign(env, { TETHER_LISTEN: '127.0.0.1:0', TETHER_TOKEN_FILE: path.join(dir, 'token') });
  }
  const daemon = new Tetherd(env);
  const client = createClient({ socket });
  const close = async (): Promise<void> => {
    await client.close();
    await daemon.kill('SIGKILL');
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await daemon.start();
  } catch (error) {
    await close();
    throw error;
  }
  const waitForStatus = async (test: (status: Status) => boolean): Promise<Status> => {
    const stop = AbortSignal.timeout(LINE_TIMEOUT_MS);
    // Subscribe first, then read: a change between the two still arrives as an event.
    await using events = client.events({ kinds: ['state', 'gate', 'message'], signal: stop, waitForDaemon: true });
    await events.ready();
    const now = await client.status();
    if (test(now)) return now;
    for await (const _event of events) {
      const later = await client.status();
      if (test(later)) return later;
    }
    throw new Error('timed out waiting for the status');
  };
  return {
    emulator,
    daemon,
    dir,
    socket,
    client,
    tcpUrl: () => `http://127.0.0.1:${daemon.tcpPort ?? 0}`,
    waitForStatus,
    waitForLink: (state) => waitForStatus((status) => status.state === state),
    close,
  };
}

/** tetherd as a child process; start() again after kill() reuses the same state directory. */
export class Tetherd {
  readonly #env: Record<string, string>;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #lines: string[] = [];
  #waiters = new Set<() => void>();
  tcpPort: number | undefined;

  constructor(env: Record<string, string>) {
    this.#env = env;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, [TETHERD], { env: this.#env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    this.#lines = [];
    this.#exited = new Promise((resolve) => child.once('close', () => resolve()));
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        this.#lines.push(line);
        for (const waiter of this.#waiters) waiter();
      });
    }
    const line = await this.waitForLine(/control API listening/);
    const port = (JSON.parse(line) as { tcp?: { port: number } }).tcp?.port;
    if (port !== undefined) this.tcpPort = port;
  }

  /** Resolves with the first line of this run's output (past or future) that matches. */
  waitForLine(pattern: RegExp): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.#lines.find((line) => pattern.test(line));
        if (found !== undefined) finish(() => resolve(found));
        else if (this.#child !== undefined && (this.#child.exitCode !== null || this.#child.signalCode !== null)) finish(() => reject(new Error(`tetherd exited before logging ${pattern}:\n${this.#lines.slice(-10).join('\n')}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`tetherd logged nothing matching ${pattern} within ${LINE_TIMEOUT_MS} ms`))), LINE_TIMEOUT_MS);
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        settle();
      };
      this.#waiters.add(check);
      check();
    });
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#child;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill(signal);
    await this.#exited;
  }

  /** SIGKILL (or `signal`), then a new tetherd on the same state directory and socket. */
  async restart(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.kill(signal);
    await this.start();
  }

  /** Freezes (SIGSTOP) or thaws (SIGCONT) the process: it keeps its sockets but answers nothing. */
  pause(paused: boolean): void {
    this.#child?.kill(paused ? 'SIGSTOP' : 'SIGCONT');
  }
}
