// Issue 10, item 1, through the real tetherd: signal-cli restarting behind a live REST server
// drops what arrives until the REST server has redialed it, while the WebSocket stays up. Only
// the readiness probe sees it; the loss window it opens must cover every envelope the emulator
// dropped, in status, metrics and the log, also when tetherd is killed in the middle of it.
import { startEmulator, type Emulator } from '@tether/signal-emulator';
import { afterEach, describe, expect, it } from 'vitest';
import type { Status } from '../src/protocol/index.js';
import { FRIEND, Tetherd, tempDir, within } from './tetherd.js';

const running: { stop(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const item of running.splice(0).reverse()) await item.stop();
});

const ACCOUNT = '+4915112345678';
/** Probes every 100 ms, so a restart gap of a few hundred milliseconds is seen. */
const PROBING = { TETHER_PROBE_INTERVAL_MS: '100' };

async function emulator(): Promise<Emulator> {
  const started = await startEmulator({ account: ACCOUNT, restRedialIntervalMs: 100 });
  running.push({ stop: () => started.close() });
  return started;
}

async function daemon(stateDir: string, url: string): Promise<Tetherd> {
  const tetherd = new Tetherd(stateDir, { TETHER_SIGNAL_URL: url, ...PROBING });
  running.push({ stop: () => tetherd.kill() });
  await tetherd.ready();
  await tetherd.logLine(/"to":"connected"/);
  return tetherd;
}

/** The drops that no closed or open window of `status` covers (none, if Tether told the truth). */
function uncovered(emulator: Emulator, status: Status): number[] {
  const windows = status.lossWindows.map((window) => ({ from: Date.parse(window.from), to: window.to === undefined ? Infinity : Date.parse(window.to) }));
  return emulator
    .dropped()
    .filter((drop) => !windows.some((window) => window.from <= drop.at && drop.at <= window.to))
    .map((drop) => drop.timestamp);
}

/** Resolves once tetherd has logged `count` lines matching `pattern` (its own listener stores them first). */
function logged(tetherd: Tetherd, pattern: RegExp, count: number): Promise<void> {
  const enough = (): boolean => tetherd.output.filter((line) => pattern.test(line)).length >= count;
  if (enough()) return Promise.resolve();
  return within(
    new Promise<void>((resolve) => {
      const check = (): void => {
        if (!enough()) return;
        tetherd.process.stdout!.off('data', check);
        resolve();
      };
      tetherd.process.stdout!.on('data', check);
    }),
    `${count} log lines ${pattern}`,
  );
}

/** Resolves once the send gate has paused for `reason` (the gate's own probe failed), now or before. */
async function gatePaused(tetherd: Tetherd, reason: string): Promise<void> {
  const stream = tetherd.events('?kinds=gate', '0');
  await stream.until((events) => events.some((event) => event.data['reason'] === reason), `gate paused ${reason}`);
  stream.close();
}

describe('signal-cli restarting behind the REST server', () => {
  it('shows a loss window covering every dropped envelope in status, metrics and the log', async () => {
    const backend = await emulator();
    const tetherd = await daemon(tempDir(), backend.restUrl!);
    const incoming = tetherd.events('?kinds=incoming', '0');
    backend.inject({ from: FRIEND, text: 'before' });
    await incoming.until((events) => events.length === 1, 'the message before the gap');
    const restarted = backend.restartSignalCli(600);
    backend.inject({ from: FRIEND, text: 'lost at once' });
    await gatePaused(tetherd, 'backend-not-ready');
    backend.inject({ from: FRIEND, text: 'lost while probes fail' });
    expect(await restarted).toBeUndefined();
    // the first window (start to first connect) closed long ago; the second is the gap's
    await logged(tetherd, /possible-loss window closed/, 2);
    backend.inject({ from: FRIEND, text: 'after' });
    await incoming.until((events) => events.length === 2, 'the message after the gap');
    expect(incoming.events.map((event) => event.data['text'])).toEqual(['before', 'after']);
    expect(backend.dropped().map((drop) => drop.reason)).toEqual(['signal-cli-restart', 'signal-cli-restart']);
    const status = (await tetherd.request<Status>('GET', '/v1/status')).body;
    expect(uncovered(backend, status)).toEqual([]);
    expect(status).toMatchObject({ state: 'connected', backend: { kind: 'rest', receive: 'best-effort' } });
    const metrics = (await tetherd.request<string>('GET', '/metrics')).body;
    expect(Number(/^tether_loss_windows_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2); // the start's and the gap's
    incoming.close();
  });

  it('still covers them when tetherd is killed while the window is open: the next run starts its first window there', async () => {
    const backend = await emulator();
    const stateDir = tempDir();
    let tetherd = await daemon(stateDir, backend.restUrl!);
    const restarted = backend.restartSignalCli(900);
    backend.inject({ from: FRIEND, text: 'lost before the kill' });
    await gatePaused(tetherd, 'backend-not-ready');
    // Events logged during the gap (the gate's pause) are newer than the window's start.
    await tetherd.kill('SIGKILL');
    backend.inject({ from: FRIEND, text: 'lost while tetherd is dead' });
    await restarted;
    tetherd = await daemon(stateDir, backend.restUrl!);
    expect(backend.dropped()).toHaveLength(2);
    const status = (await tetherd.request<Status>('GET', '/v1/status')).body;
    expect(uncovered(backend, status)).toEqual([]);
  });
});
