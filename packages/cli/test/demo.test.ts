// `tether demo` end to end: it starts the emulator and tetherd itself, kills the emulator mid-way,
// proves nothing was lost, exits 0, and leaves no temporary directory or process behind.
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { baseEnv, runTether, spawnTether, stopAll } from './helpers/processes.js';

afterEach(stopAll);

describe('tether demo', () => {
  it('runs end to end, verifies every message against the emulator, cleans up and exits 0', async () => {
    const result = await runTether(['demo'], baseEnv());
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/killing the emulator with SIGKILL/);
    expect(out).toMatch(/link: connected → disconnected/);
    expect(out).toMatch(/link: \w+ → reconnecting/);
    expect(out).toMatch(/link: reconnecting → (syncing|connected)/);
    expect(out).toMatch(/received #\d+ .*\(Alice\): Hi! Did the alert go out\?/);
    expect(out.match(/✓ \S+ sent \(Signal timestamp \d+\)/g)).toHaveLength(4);
    expect(out).toContain("✓ all 4 messages are in the emulator's record, each exactly once, with the right text");
    expect(out).toMatch(/✓ demo finished in .+: the emulator was killed with messages waiting, and nothing was lost\./);
    const dir = /with its state in (\S+)/.exec(out)?.[1];
    expect(dir).toBeDefined();
    expect(existsSync(dir!)).toBe(false);
  });

  it('prints JSON lines with --json, ending with ok: true', async () => {
    const result = await runTether(['demo', '--json'], baseEnv());
    expect(result.code, result.stderr).toBe(0);
    const events = result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { event: string; ok?: boolean; messages?: number });
    expect(events.at(-1)).toMatchObject({ event: 'done', ok: true, messages: 4 });
    expect(events.map((event) => event.event)).toEqual(expect.arrayContaining(['emulator-killed', 'queued', 'emulator-restarted', 'verified']));
  });

  it('cleans up on Ctrl-C: exit 1, the emulator gone, the temporary directory removed', async () => {
    const demo = spawnTether(['demo'], baseEnv());
    const url = /at (http:\/\/\S+)$/.exec(await demo.waitForLine(/started a Signal emulator/))?.[1];
    const dir = /with its state in (\S+)/.exec(await demo.waitForLine(/started tetherd/))?.[1];
    expect(await demo.interrupt('SIGINT')).toBe(1);
    expect(demo.output()).toContain('demo interrupted; stopped tetherd and the emulator and removed the temporary files');
    expect(existsSync(dir!)).toBe(false);
    expect(await refused(new URL(url!))).toBe(true);
  });
});

/** True when nothing listens on the URL's port any more. */
function refused(url: URL): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}
