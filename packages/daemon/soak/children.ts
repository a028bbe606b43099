// Every process the soak starts, so that none outlives it: on a normal exit, an exception, or
// Ctrl-C, each one still running is sent SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';

const running = new Set<ChildProcess>();

function killAll(): void {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    process.stderr.write(`soak: ${signal}, stopping every child process\n`);
    killAll();
    process.exit(130);
  });
}

export interface Child {
  readonly process: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first stdout line that matches; rejects if the process exits first. */
  line(pattern: RegExp): Promise<string>;
}

/** Starts `node script args`; stdout and stderr go to `logFile` (appended across restarts). */
export function startChild(script: string, args: readonly string[], env: NodeJS.ProcessEnv, logFile: string): Child {
  const child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const log: WriteStream = createWriteStream(logFile, { flags: 'a' });
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    log.write(chunk);
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      for (const waiter of [...waiters]) {
        if (!waiter.pattern.test(line)) continue;
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => log.write(chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      running.delete(child);
      log.end();
      resolve({ code, signal });
    }),
  );
  return {
    process: child,
    exited,
    line: (pattern) =>
      Promise.race([
        new Promise<string>((resolve) => waiters.push({ pattern, resolve })),
        exited.then(({ code, signal }) => Promise.reject(new Error(`${script} exited (code ${code}, signal ${signal}) before printing ${pattern}; see ${logFile}`))),
      ]),
  };
}

/** Sends `signal` unless the process is already gone, and waits for it to exit. */
export async function stopChild(child: Child, signal: NodeJS.Signals): Promise<void> {
  if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill(signal);
  await child.exited;
}
