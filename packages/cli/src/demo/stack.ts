// The demo's processes: the Signal emulator (signal-cli-rest-api stand-in) and the real tetherd,
// both children on temporary paths, started from their packages' built entry points. `close`
// kills both and removes the temporary directory, whatever state the demo ended in.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { EXIT, ExitError } from '../exit-error.js';
import { startChild, type Child } from './child.js';

export const DEMO_ACCOUNT = '+15555550199';
const READY_TIMEOUT_MS = 15_000;

export interface DemoStack {
  readonly dir: string;
  readonly socketPath: string;
  /** The emulator's REST URL (its admin API is under /_emulator/ on the same port). */
  readonly emulatorUrl: string;
  /** SIGKILL: no goodbye to tetherd, as when signal-cli-rest-api crashes. */
  killEmulator(): Promise<void>;
  /** Starts the emulator again on the same port, with the same record of sent messages. */
  restartEmulator(): Promise<void>;
  close(): Promise<void>;
}

/** Where a workspace package's built file is; exit 1 with a hint when it was not built. */
export function builtFile(packageName: string, file: string): string {
  let root: string;
  try {
    root = path.dirname(createRequire(import.meta.url).resolve(`${packageName}/package.json`));
  } catch {
    throw new ExitError(EXIT.failed, `the demo needs ${packageName} installed next to @tether/cli`, 'demo-missing-package');
  }
  const full = path.join(root, file);
  if (!existsSync(full)) throw new ExitError(EXIT.failed, `the demo needs ${packageName} built (${full} is missing): run \`pnpm build\``, 'demo-not-built');
  return full;
}

export async function startStack(signal: AbortSignal): Promise<DemoStack> {
  const emulatorBin = builtFile('@tether/signal-emulator', 'dist/cli.js');
  const daemonBin = builtFile('@tether/daemon', 'dist/tetherd.js');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tether-demo-'));
  const record = path.join(dir, 'emulator-sent.ndjson');
  const children: Child[] = [];
  let emulator: Child | undefined;
  const close = async (): Promise<void> => {
    await Promise.all(children.map((child) => child.stop(1_000)));
    await rm(dir, { recursive: true, force: true });
  };
  const launchEmulator = async (port: number): Promise<string> => {
    emulator = startChild(process.execPath, [emulatorBin, '--account', DEMO_ACCOUNT, '--port', String(port), '--json', '--record', record], cleanEnv());
    children.push(emulator);
    const ready = await emulator.waitForLine(/"restUrl"/, { timeoutMs: READY_TIMEOUT_MS, signal, what: 'the emulator to be ready' });
    return (JSON.parse(ready) as { restUrl: string }).restUrl;
  };
  try {
    const emulatorUrl = await launchEmulator(0);
    const port = Number(new URL(emulatorUrl).port);
    const socketPath = path.join(dir, 'tether.sock');
    const daemon = startChild(process.execPath, [daemonBin], {
      ...cleanEnv(),
      TETHER_ACCOUNT: DEMO_ACCOUNT,
      TETHER_SIGNAL_URL: emulatorUrl,
      TETHER_STATE_DIR: path.join(dir, 'state'),
      TETHER_SOCKET: socketPath,
      // Quick reconnects and liveness checks, so the demo takes seconds, not minutes.
      TETHER_BACKOFF_INITIAL_MS: '100',
      TETHER_BACKOFF_MAX_MS: '500',
      TETHER_HEARTBEAT_INTERVAL_MS: '1000',
      TETHER_HEARTBEAT_TIMEOUT_MS: '1000',
      TETHER_SHUTDOWN_TIMEOUT_MS: '1000',
      TETHER_LOG_LEVEL: 'info',
    });
    children.push(daemon);
    await daemon.waitForLine(/control API listening/, { timeoutMs: READY_TIMEOUT_MS, signal, what: 'tetherd to listen' });
    return {
      dir,
      socketPath,
      emulatorUrl,
      killEmulator: async () => {
        emulator?.process.kill('SIGKILL');
        await emulator?.exited;
      },
      restartEmulator: async () => void (await launchEmulator(port)),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The user's environment without TETHER_* settings, which would steer the demo's daemon. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('TETHER_')));
}
