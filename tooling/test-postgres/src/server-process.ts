// One run of the `postgres` server process: spawned in its own process group (so a SIGKILL takes
// its backends with it, as a crashed host would), ready once its log says it accepts
// connections, stopped by a fast shutdown (SIGINT). The log is kept as a short tail for errors.
import { spawn, type ChildProcess } from 'node:child_process';

export interface ServerRun {
  readonly pid: number;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** The last lines the server logged. */
  log(): string;
  /** Sends a signal to the server's whole process group and waits for the server to exit. */
  signal(name: 'SIGINT' | 'SIGKILL'): Promise<void>;
}

export interface SpawnServerOptions {
  readonly postgres: string;
  readonly args: readonly string[];
  readonly user: { readonly uid: number; readonly gid: number } | undefined;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

const READY = /database system is ready to accept connections/;
const TAIL_LINES = 40;

export class ServerStartError extends Error {
  readonly code = 'postgres-start-failed';
}

/** Starts the server and resolves once it accepts connections; rejects with its log otherwise. */
export async function spawnServer(options: SpawnServerOptions): Promise<ServerRun> {
  options.signal?.throwIfAborted();
  const child = spawn(options.postgres, options.args, {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C', TZ: 'UTC' },
    ...(options.user ?? {}),
  });
  const lines: string[] = [];
  let pending = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      const text = pending + chunk.toString('utf8');
      const parts = text.split('\n');
      pending = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        if (lines.length > TAIL_LINES) lines.shift();
        if (READY.test(line)) resolve();
      }
    };
    child.stderr!.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new ServerStartError(`postgres exited (${signal ?? `code ${code}`}) before accepting connections:\n${lines.join('\n')}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const run: ServerRun = {
    pid: child.pid ?? -1,
    exited,
    log: () => lines.join('\n'),
    signal: async (name) => {
      if (child.exitCode === null && child.signalCode === null) killGroup(child, name);
      await exited;
    },
  };
  try {
    await waitFor(ready, options.timeoutMs, options.signal, () => `postgres did not accept connections within ${options.timeoutMs} ms:\n${lines.join('\n')}`);
  } catch (error) {
    await run.signal('SIGKILL');
    throw error;
  }
  return run;
}

function killGroup(child: ChildProcess, name: 'SIGINT' | 'SIGKILL'): void {
  try {
    // a negative pid names the process group the detached server leads
    process.kill(-child.pid!, name);
  } catch {
    child.kill(name);
  }
}

/** `promise`, unless the timeout or the signal comes first; every listener and timer is removed on every path. */
function waitFor(promise: Promise<void>, timeoutMs: number, signal: AbortSignal | undefined, timeoutMessage: () => string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      done();
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      done();
      reject(new ServerStartError(timeoutMessage()));
    }, timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(
      () => {
        done();
        resolve();
      },
      (error: unknown) => {
        done();
        reject(error);
      },
    );
  });
}
