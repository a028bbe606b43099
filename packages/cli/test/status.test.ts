// `tether status` end to end: the human view, the JSON status object as the API returns it, one
// message by id, --watch redrawing on the daemon's events, and the TCP listener with a token.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Message, Status } from '@tether/daemon/protocol';
import { baseEnv, runTether, spawnTether, stopAll } from './helpers/processes.js';
import { ACCOUNT, FRIEND, freePort, startStack, type TestStack } from './helpers/stack.js';

const LINK_STATES = ['connecting', 'syncing', 'connected', 'disconnected', 'reconnecting', 'closed'];
let stack: TestStack;

beforeAll(async () => {
  stack = await startStack({ tcpPort: await freePort() });
  await stack.waitForLink('connected');
});
afterEach(stopAll);
afterAll(() => stack?.close());

describe('tether status', () => {
  it('shows the link, gate, backend, outbox and loss windows, aligned', async () => {
    const result = await runTether(['status'], stack.env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^link +connected since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(.+ ago\)$/m);
    expect(result.stdout).toMatch(/^send gate +open$/m);
    expect(result.stdout).toMatch(new RegExp(`^backend +rest ${stack.emulator.restUrl!} \\(json-rpc mode`, 'm'));
    expect(result.stdout).toMatch(/^outbox +0 queued, 0 sending, 0 failed, 0 unknown$/m);
    expect(result.stdout).toMatch(/^loss windows /m);
    expect(result.stdout).toMatch(new RegExp(`^account +\\${ACCOUNT}$`, 'm'));
    expect(result.stdout).not.toContain('\u001B[');
    expect(valueColumns(result.stdout).size).toBe(1);
  });

  it('prints the status object as the API returns it with --json', async () => {
    const result = await runTether(['status', '--json'], stack.env);
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout) as Status;
    expect(LINK_STATES).toContain(status.state);
    expect(typeof status.outbox.queued).toBe('number');
    expect(status).toMatchObject({ state: 'connected', gate: { state: 'open' }, backend: { kind: 'rest' }, account: ACCOUNT });
    expect(Array.isArray(status.lossWindows)).toBe(true);
  });

  it('shows one message by id, and exits 1 for an unknown id', async () => {
    const sent = await runTether(['send', FRIEND, '-m', 'look me up', '--wait', '--json'], stack.env);
    const id = (JSON.parse(sent.stdout) as Message).id;
    const human = await runTether(['status', id], stack.env);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^message +${id}$`, 'm'));
    expect(human.stdout).toMatch(/^state +sent$/m);
    expect(human.stdout).toMatch(/^attempts +1$/m);
    expect(human.stdout).toMatch(/^ambiguous +no$/m);
    expect(human.stdout).toMatch(/^signal timestamp +\d+$/m);
    expect(valueColumns(human.stdout).size).toBe(1);
    const json = await runTether(['status', id, '--json'], stack.env);
    expect(JSON.parse(json.stdout)).toMatchObject({ id, state: 'sent', message: 'look me up', ambiguous: false });
    const missing = await runTether(['status', 'no-such-message'], stack.env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no message no-such-message');
  });

  it('talks to the loopback TCP listener with TETHER_URL and TETHER_TOKEN; a wrong token exits 2', async () => {
    const tcp = stack.tcp!;
    const result = await runTether(['status', '--json'], baseEnv({ TETHER_URL: tcp.url, TETHER_TOKEN: tcp.token }));
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as Status).account).toBe(ACCOUNT);
    const refused = await runTether(['status'], baseEnv({ TETHER_URL: tcp.url, TETHER_TOKEN: 'wrong-token-0123456789' }));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('tetherd refused TETHER_TOKEN');
  });
});

describe('tether status --watch', () => {
  it('redraws when the link changes (the emulator is stopped), and exits 0 on Ctrl-C', async () => {
    const watcher = spawnTether(['status', '--watch'], stack.env);
    await watcher.waitForLine(/^link +connected/);
    await watcher.waitForLine(/watching tetherd/);
    const before = watcher.lineCount();
    await stack.emulator.stop();
    try {
      await watcher.waitForLine(/^link +(disconnected|reconnecting) since/, { after: before });
    } finally {
      await stack.emulator.restart();
    }
    await watcher.waitForLine(/^link +connected/, { after: before });
    expect(await watcher.interrupt('SIGINT')).toBe(0);
  });

  it('prints one status object per change with --json', async () => {
    const watcher = spawnTether(['status', '--watch', '--json'], stack.env);
    const first = JSON.parse(await watcher.waitForLine(/^\{/)) as Status;
    expect(first.state).toBe('connected');
    await runTether(['send', FRIEND, '-m', 'watched', '--wait'], stack.env);
    const line = await watcher.waitForLine(/"queued":|"sending":1/, { after: 1 });
    expect(LINK_STATES).toContain((JSON.parse(line) as Status).state);
    expect(await watcher.interrupt('SIGINT')).toBe(0);
  });
});

/** The columns where values start on `label  value` lines: one column when aligned. */
function valueColumns(text: string): Set<number> {
  const starts = text
    .split('\n')
    .filter((line) => /^\S/.test(line))
    .map((line) => /^\S+(?: \S+)*? {2,}/.exec(line)?.[0].length ?? -1);
  return new Set(starts);
}
