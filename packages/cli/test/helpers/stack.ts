// A real tetherd (child process, built dist) against an in-process Signal emulator, on temporary
// paths with fast reconnects. `close()` stops both and removes the directory; tests call it in
// afterEach/afterAll so nothing outlives a failure.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { startEmulator, type Emulator } from '@tether/signal-emulator';
import { createClient, type EventName, type LinkStateKind, type Message, type Status, type TetherClient, type TetherEvent } from '@tether/client';
import { baseEnv, spawnNode, type LongRunning } from './processes.js';

export const ACCOUNT = '+15555550199';
export const FRIEND = '+15555550142';
const TETHERD = path.join(path.dirname(createRequire(import.meta.url).resolve('@tether/daemon/package.json')), 'dist/tetherd.js');

export interface TestStack {
  readonly emulator: Emulator;
  readonly dir: string;
  readonly socketPath: string;
  /** Stops tetherd with `signal` and starts it again on the same state directory and socket. */
  restartDaemon(signal: NodeJS.Signals): Promise<void>;
  readonly client: TetherClient;
  /** Environment for `tether` pointing at this daemon's socket. */
  readonly env: NodeJS.ProcessEnv;
  /** Set when started with `tcp`: TETHER_URL and TETHER_TOKEN for the loopback listener. */
  readonly tcp?: { readonly url: string; readonly token: string };
  waitForLink(state: LinkStateKind): Promise<void>;
  /** Resolves with the first status (now or after any event) that passes `test`. */
  waitForStatus(test: (status: Status) => boolean): Promise<Status>;
  waitForMessage(id: string, test: (message: Message) => boolean): Promise<Message>;
  /** Resolves once tetherd has spooled `count` incoming events. */
  waitForIncoming(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startStack(options: { readonly daemonEnv?: Record<string, string>; readonly tcpPort?: number } = {}): Promise<TestStack> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tether-cli-test-'));
  const emulator = await startEmulator({ account: ACCOUNT, rest: { port: 0 } });
  const socketPath = path.join(dir, 'tether.sock');
  const token = 'test-token-0123456789abcdef';
  const tcpEnv: Record<string, string> = {};
  if (options.tcpPort !== undefined) {
    await writeFile(path.join(dir, 'token'), token, { mode: 0o600 });
    Object.assign(tcpEnv, { TETHER_LISTEN: `127.0.0.1:${options.tcpPort}`, TETHER_TOKEN_FILE: path.join(dir, 'token') });
  }
  const daemonEnv = {
    ...baseEnv(),
    TETHER_ACCOUNT: ACCOUNT,
    TETHER_SIGNAL_URL: emulator.restUrl!,
    TETHER_STATE_DIR: path.join(dir, 'state'),
    TETHER_SOCKET: socketPath,
    TETHER_BACKOFF_INITIAL_MS: '50',
    TETHER_BACKOFF_MAX_MS: '500',
    TETHER_HEARTBEAT_INTERVAL_MS: '1000',
    TETHER_HEARTBEAT_TIMEOUT_MS: '1000',
    TETHER_SHUTDOWN_TIMEOUT_MS: '500',
    TETHER_LOG_LEVEL: 'info',
    ...tcpEnv,
    ...options.daemonEnv,
  };
  let daemon: LongRunning | undefined;
  const startDaemon = async (): Promise<void> => {
    daemon = spawnNode([TETHERD], daemonEnv, false);
    await daemon.waitForLine(/control API listening/);
  };
  const client = createClient({ socket: socketPath });
  const close = async (): Promise<void> => {
    await client.close();
    await daemon?.interrupt('SIGKILL');
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await startDaemon();
  } catch (error) {
    await close();
    throw error;
  }
  /** Replays the event log from the start and follows it until `pick` finds something. */
  const waitForEvent = async <T>(kinds: EventName[], pick: (event: TetherEvent) => T | undefined): Promise<T> => {
    await using events = client.events({ kinds, since: 'all', signal: AbortSignal.timeout(20_000), waitForDaemon: true });
    for await (const event of events) {
      const found = pick(event);
      if (found !== undefined) return found;
    }
    throw new Error(`timed out waiting on the event stream (${kinds.join(', ')})`);
  };
  const waitForStatus = async (test: (status: Status) => boolean): Promise<Status> => {
    const check = async (): Promise<Status | undefined> => {
      const status = await client.status();
      return test(status) ? status : undefined;
    };
    // Subscribe first, then read: a change between the two still arrives as an event.
    await using events = client.events({ kinds: ['state', 'gate', 'message'], signal: AbortSignal.timeout(20_000), waitForDaemon: true });
    await events.ready();
    const now = await check();
    if (now !== undefined) return now;
    for await (const _event of events) {
      const later = await check();
      if (later !== undefined) return later;
    }
    throw new Error('timed out waiting for the status');
  };
  return {
    emulator,
    dir,
    socketPath,
    client,
    restartDaemon: async (signal) => {
      await daemon?.interrupt(signal);
      await startDaemon();
    },
    env: baseEnv({ TETHER_SOCKET: socketPath }),
    ...(options.tcpPort === undefined ? {} : { tcp: { url: `http://127.0.0.1:${options.tcpPort}`, token } }),
    waitForLink: async (state) => void (await waitForStatus((status) => status.state === state)),
    waitForStatus,
    // A message's history is replayed from the start, so a state already passed still counts.
    waitForMessage: (id, test) => waitForEvent(['message'], (event) => (event.kind === 'message' && event.data.id === id && test(event.data) ? event.data : undefined)),
    waitForIncoming: async (count) => {
      let seen = 0;
      await waitForEvent(['incoming'], () => (++seen >= count ? true : undefined));
    },
    close,
  };
}

export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
