// `tether receive` end to end: replaying the daemon's spool with --since all, following live
// events (human lines and JSON lines), Ctrl-C exiting 0, and resuming after a daemon restart
// with Last-Event-ID so an event that arrives meanwhile is still printed, exactly once.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnTether, stopAll } from './helpers/processes.js';
import { startStack, type TestStack } from './helpers/stack.js';

const ALICE = { from: '+15555550100', fromName: 'Alice' };
let stack: TestStack;
let injected = 0;

beforeAll(async () => {
  stack = await startStack();
  await stack.waitForLink('connected');
});
afterEach(stopAll);
afterAll(() => stack?.close());

async function inject(text: string): Promise<void> {
  stack.emulator.inject({ ...ALICE, text });
  await stack.waitForIncoming(++injected);
}

describe('tether receive', () => {
  it('--since all replays a message that arrived while no client listened, then follows; Ctrl-C exits 0', async () => {
    await inject('while nobody listened');
    const receiver = spawnTether(['receive', '--since', 'all'], stack.env);
    const line = await receiver.waitForLine(/\(Alice\): while nobody listened$/);
    expect(line).toMatch(/^#\d+ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+15555550100 \(Alice\): while nobody listened$/);
    await receiver.waitForLine(/replaying from the start of the spool, then listening/, { stream: 'stderr' });
    await inject('live after the replay');
    await receiver.waitForLine(/\(Alice\): live after the replay$/);
    expect(await receiver.interrupt('SIGINT')).toBe(0);
  });

  it('prints one JSON object per line with its event id', async () => {
    const receiver = spawnTether(['receive', '--json'], stack.env);
    await receiver.waitForLine(/listening for incoming messages/, { stream: 'stderr' });
    await inject('as json');
    const record = JSON.parse(await receiver.waitForLine(/^\{/)) as { id: number; event: { kind: string; text: string; source: { number: string; name: string } } };
    expect(Number.isInteger(record.id)).toBe(true);
    expect(record.event).toMatchObject({ kind: 'message', text: 'as json', source: { number: ALICE.from, name: 'Alice' } });
    expect(await receiver.interrupt('SIGINT')).toBe(0);
  });

  it('follows across a daemon restart, resuming after the last event id', async () => {
    const receiver = spawnTether(['receive'], stack.env);
    await receiver.waitForLine(/listening for incoming messages/, { stream: 'stderr' });
    await inject('before the restart');
    await receiver.waitForLine(/before the restart$/);
    await stack.restartDaemon('SIGTERM');
    await stack.waitForLink('connected');
    await inject('after the restart');
    await receiver.waitForLine(/after the restart$/);
    await receiver.waitForLine(/reconnected to tetherd/, { stream: 'stderr' });
    expect(await receiver.interrupt('SIGINT')).toBe(0);
    const printed = receiver.output().split('\n').filter((line) => /\(Alice\): (before|after) the restart$/.test(line));
    expect(printed).toHaveLength(2);
  });
});
