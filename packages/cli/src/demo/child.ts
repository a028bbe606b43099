// A child process we own: its output read line by line, a wait for the first line that matches
// (bounded and abortable, never a sleep), and a stop that escalates from SIGTERM to SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface Child {
  readonly process: ChildProcess;
  /** The last lines of stdout and stderr, to explain a failure. */
  readonly recent: readonly string[];
  /** Resolves with the first line (already seen or still to come) that matches. */
  waitForLine(pattern: RegExp, options: { readonly timeoutMs: number; readonly signal?: AbortSignal; readonly what: string }): Promise<string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>;
}

export function startChild(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Child {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const recent: string[] = [];
  const waiters = new Set<(line: string) => void>();
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  const onLine = (line: string): void => {
    lines.push(line);
    recent.push(line);
    if (recent.length > 20) recent.shift();
    for (const waiter of waiters) waiter(line);
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  child.on('error', (error) => onLine(`spawn error: ${error.message}`));

  return {
    process: child,
    recent,
    exited,
    waitForLine(pattern, { timeoutMs, signal, what }) {
      const seen = lines.find((line) => pattern.test(line));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise<string>((resolve, reject) => {
        let settled = false;
        const done = (finish: () => void): void => {
          if (settled) return;
          settled = true;
          waiters.delete(onMatch);
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          finish();
        };
        const onMatch = (line: string): void => {
          if (pattern.test(line)) done(() => resolve(line));
        };
        const onAbort = (): void => done(() => reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted')));
        const timer = setTimeout(() => done(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last output:\n${recent.join('\n')}`))), timeoutMs);
        waiters.add(onMatch);
        signal?.addEventListener('abort', onAbort, { once: true });
        void exited.then((code) => done(() => reject(new Error(`the process exited (code ${code}) before ${what}; last output:\n${recent.join('\n')}`))));
      });
    },
    async stop(graceMs = 3_000) {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
