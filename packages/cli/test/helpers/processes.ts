// Children the tests start: every one is registered, so `stopAll()` in afterEach kills whatever a
// failed test left running. `tether` runs from the built dist/, exactly as users run it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

export const TETHER_BIN = fileURLToPath(new URL('../../dist/tether.js', import.meta.url));
const LINE_TIMEOUT_MS = 20_000;

if (!existsSync(TETHER_BIN)) throw new Error(`${TETHER_BIN} is missing: build the cli first (pnpm exec tsup)`);

const running = new Set<ChildProcess>();

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment of a test's `tether`: nothing inherited that could point it elsewhere. */
export function baseEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('TETHER_') && key !== 'NO_COLOR' && key !== 'FORCE_COLOR'));
  return { ...env, NO_COLOR: '1', ...extra };
}

/** Runs `tether ARGS` to completion. `input` is piped to stdin; without it stdin is /dev/null. */
export function runTether(args: readonly string[], env: NodeJS.ProcessEnv, input?: string): Promise<RunResult> {
  const child = spawn(process.execPath, [TETHER_BIN, ...args], { env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  if (input !== undefined) child.stdin!.end(input);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      running.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface LongRunning {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Waits for a stdout (or stderr) line matching `pattern` that arrives after `from` lines. */
  waitForLine(pattern: RegExp, options?: { readonly stream?: 'stdout' | 'stderr'; readonly after?: number }): Promise<string>;
  lineCount(stream?: 'stdout' | 'stderr'): number;
  /** Sends a signal and resolves with the exit code. */
  interrupt(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `tether ARGS` (or another node script) that keeps running, like receive or --watch.
 * `stopAll()` kills it unless `perTest` is false (a daemon shared by a file's tests).
 */
export function spawnNode(args: readonly string[], env: NodeJS.ProcessEnv, perTest = true): LongRunning {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (perTest) running.add(child);
  const lines = { stdout: [] as string[], stderr: [] as string[] };
  const waiters = new Set<() => void>();
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      running.delete(child);
      resolve(code);
      for (const waiter of waiters) waiter();
    }),
  );
  for (const stream of ['stdout', 'stderr'] as const) {
    createInterface({ input: child[stream]! }).on('line', (line) => {
      lines[stream].push(line);
      for (const waiter of waiters) waiter();
    });
  }
  const output = (): string => `stdout:\n${lines.stdout.join('\n')}\nstderr:\n${lines.stderr.join('\n')}`;
  return {
    child,
    output,
    lineCount: (stream = 'stdout') => lines[stream].length,
    waitForLine(pattern, { stream = 'stdout', after = 0 } = {}) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const found = lines[stream].slice(after).find((line) => pattern.test(line));
          if (found !== undefined) finish(() => resolve(found));
          else if (child.exitCode !== null || child.signalCode !== null) finish(() => reject(new Error(`exited before printing ${pattern}\n${output()}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`no line matching ${pattern} within ${LINE_TIMEOUT_MS} ms\n${output()}`))), LINE_TIMEOUT_MS);
        const finish = (settle: () => void): void => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      });
    },
    interrupt(signal = 'SIGINT') {
      child.kill(signal);
      return exited;
    },
  };
}

export function spawnTether(args: readonly string[], env: NodeJS.ProcessEnv): LongRunning {
  return spawnNode([TETHER_BIN, ...args], env);
}

/** Kills every child a test started and waits for them to go. */
export async function stopAll(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('close', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
  running.clear();
}
