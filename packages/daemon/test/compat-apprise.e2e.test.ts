// A real client nobody on this project wrote: Apprise's `signal://` notifier (it POSTs /v2/send)
// pointed at tetherd's compat endpoint sends while Signal is up, and while it is down: the message
// waits in the outbox and is delivered once Signal is back. Runs where `apprise` is installed
// (.ci/run installs it with apt-get).
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startEmulator, type Emulator } from '@tether/signal-emulator';
import { within } from '@tether/test-helpers';
import { afterEach, describe, expect, it } from 'vitest';
import { compatDaemon } from './compat-helpers.js';
import { ACCOUNT, FRIEND, tempDir, type Tetherd } from './tetherd.js';

const hasApprise = spawnSync('sh', ['-c', 'command -v apprise'], { stdio: 'ignore' }).status === 0;

const running: { stop(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const item of running.splice(0).reverse()) await item.stop();
});

async function setup(env: Record<string, string> = {}): Promise<{ emulator: Emulator; tetherd: Tetherd; base: string }> {
  const emulator = await startEmulator({ account: ACCOUNT });
  running.push({ stop: () => emulator.close() });
  // Below Apprise's default 4 s read timeout, so a send during an outage is answered in time.
  const { tetherd, base } = await compatDaemon({ TETHER_SIGNAL_URL: emulator.restUrl!, TETHER_COMPAT_WAIT_MS: '1000', ...env });
  running.push({ stop: () => tetherd.kill() });
  await tetherd.logLine(/"to":"connected"/);
  return { emulator, tetherd, base };
}

/** `apprise -vv -b BODY signal://HOST:PORT/FROM/TO`; resolves with its exit code and output. */
function apprise(base: string, body: string, credentials = ''): Promise<{ code: number | null; output: string }> {
  const { host } = new URL(base);
  const url = `signal://${credentials}${host}/${ACCOUNT}/${FRIEND}`;
  const child = spawn('apprise', ['-vv', '-b', body, url], { env: { PATH: process.env['PATH'] ?? '', HOME: tempDir() }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  return within(new Promise((resolve) => child.on('close', (code) => resolve({ code, output }))), 'apprise to finish');
}

const sentTo = (emulator: Emulator, body: string): number => emulator.sent().filter((record) => record.message === body && record.recipients.includes(FRIEND)).length;

describe.runIf(hasApprise)('Apprise through the compat endpoint', () => {
  it('sends while Signal is up', async () => {
    const { emulator, base } = await setup();
    const result = await apprise(base, 'apprise while up');
    expect(result.code, result.output).toBe(0);
    expect(sentTo(emulator, 'apprise while up')).toBe(1);
  });

  it('sends while Signal is down, delivered once it returns', async () => {
    const { emulator, tetherd, base } = await setup();
    await emulator.stop();
    await tetherd.logLine(/"to":"disconnected"/);
    const stream = tetherd.events('?kinds=message');
    await stream.opened;
    const result = await apprise(base, 'apprise while down');
    expect(result.code, result.output).toBe(0);
    expect(sentTo(emulator, 'apprise while down')).toBe(0);
    await emulator.restart();
    await stream.until((events) => events.some((event) => event.data['state'] === 'sent'), 'the queued message sent');
    expect(sentTo(emulator, 'apprise while down')).toBe(1);
    stream.close();
  });

  it('authenticates with the token as the Basic password when TETHER_TOKEN_FILE is set', async () => {
    const token = 'apprise-token-0123456789';
    const tokenFile = path.join(tempDir(), 'token');
    writeFileSync(tokenFile, token, { mode: 0o600 });
    const { emulator, base } = await setup({ TETHER_TOKEN_FILE: tokenFile });
    expect((await apprise(base, 'no token')).code).not.toBe(0);
    const result = await apprise(base, 'with token', `tether:${token}@`);
    expect(result.code, result.output).toBe(0);
    expect([sentTo(emulator, 'no token'), sentTo(emulator, 'with token')]).toEqual([0, 1]);
  });
});
