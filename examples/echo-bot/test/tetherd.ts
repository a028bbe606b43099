// The real tetherd (its built binary) on signal-cli's lossless JSON-RPC path of the emulator, on a
// temporary state directory that survives SIGKILL and restart. Waits on its log, never sleeps.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { startEmulator, type Emulator } from '@tether/signal-emulator';

export const ACCOUNT = '+15555550199';
const TETHERD = path.join(path.dirname(createRequire(import.meta.url).resolve('@tether/daemon/package.json')), 'dist/tetherd.js');

export interface Daemon {
  readonly emulator: Emulator;
  readonly socket: string;
  /** Starts tetherd (again) on the same state directory; resolves once its control API listens. */
  start(): Promise<void>;
  kill(): Promise<void>;
  close(): Promise<void>;
}

export async function startDaemon(): Promise<Daemon> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tether-echo-bot-'));
  const emulator = await startEmulator({ account: ACCOUNT, rest: false, jsonRpc: { tcp: { port: 0 }, receiveMode: 'manual' } });
  const socket = path.join(dir, 'tether.sock');
  const env = {
    PATH: process.env['PATH'] ?? '',
    HOME: dir,
    TETHER_ACCOUNT: ACCOUNT,
    TETHER_SIGNAL_URL: emulator.jsonRpcUrl!,
    TETHER_RECEIVE_MODE: 'manual',
    TETHER_STATE_DIR: path.join(dir, 'state'),
    TETHER_SOCKET: socket,
    TETHER_BACKOFF_INITIAL_MS: '50',
    TETHER_BACKOFF_MAX_MS: '300',
    TETHER_LOG_LEVEL: 'info',
  };
  let child: ChildProcess | undefined;
  const kill = async (): Promise<void> => {
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child!.once('close', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  const start = (): Promise<void> => {
    const started = spawn(process.execPath, [TETHERD], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    return new Promise((resolve, reject) => {
      const output: string[] = [];
      const timer = setTimeout(() => reject(new Error(`tetherd did not start:\n${output.join('\n')}`)), 20_000);
      started.once('close', () => reject(new Error(`tetherd exited:\n${output.join('\n')}`)));
      createInterface({ input: started.stderr! }).on('line', (line) => output.push(line));
      createInterface({ input: started.stdout! }).on('line', (line) => {
        output.push(line);
        if (!/control API listening/.test(line)) return;
        clearTimeout(timer);
        resolve();
      });
    });
  };
  await start();
  return {
    emulator,
    socket,
    start,
    kill,
    close: async () => {
      await kill();
      await emulator.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
