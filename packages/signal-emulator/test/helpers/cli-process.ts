// Runs the built CLI (dist/cli.js) as a child process, rebuilding it first when sources are newer.
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AsyncQueue } from './queue.js';

const packageRoot = fileURLToPath(new URL('../..', import.meta.url));
const cliPath = join(packageRoot, 'dist', 'cli.js');

export function ensureBuilt(): void {
  if (existsSync(cliPath) && newestSource(join(packageRoot, 'src')) <= statSync(cliPath).mtimeMs) return;
  execFileSync('pnpm', ['exec', 'tsup'], { cwd: packageRoot, stdio: 'ignore' });
}

function newestSource(directory: string): number {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

export interface CliProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: AsyncQueue<string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

export function runCli(args: readonly string[]): CliProcess {
  const child = spawn(process.execPath, [cliPath, ...args], { cwd: packageRoot });
  const lines = new AsyncQueue<string>();
  let partial = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) lines.push(line);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
  return { child, lines, exited };
}
