// Exit 2 (bad usage or input, caught before the daemon is contacted) and exit 3 (no daemon). The
// socket points at nothing, so a command that wrongly contacted the daemon would exit 3, not 2.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, runTether, stopAll } from './helpers/processes.js';

let dir: string;
let env: NodeJS.ProcessEnv;
const NUMBER = '+4915112345678';
const group = (byte: number): string => 'group.' + Buffer.from(Buffer.alloc(32, byte).toString('base64')).toString('base64');
const GROUP = group(7);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tether-cli-usage-'));
  env = baseEnv({ TETHER_SOCKET: path.join(dir, 'nobody-listens.sock') });
});
afterEach(stopAll);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('exit 3: daemon unreachable', () => {
  it('says that tetherd is not running, where, and how to start it', async () => {
    const result = await runTether(['status'], env);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`tetherd is not running on ${path.join(dir, 'nobody-listens.sock')}`);
    expect(result.stderr).toContain('tetherd --account');
    expect(result.stderr).toContain('TETHER_SOCKET');
    expect(result.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('prints the error as JSON with --json, and exits 3 for a valid send too', async () => {
    const status = await runTether(['status', '--json'], env);
    expect(status.code).toBe(3);
    expect(JSON.parse(status.stdout)).toMatchObject({ error: { code: 'unreachable', exitCode: 3 } });
    const send = await runTether(['send', NUMBER, '-m', 'hello'], env);
    expect(send.code).toBe(3);
  });

  it('reports an unreachable TCP listener with TETHER_URL', async () => {
    const result = await runTether(['status'], baseEnv({ TETHER_URL: 'http://127.0.0.1:1', TETHER_TOKEN: 'x'.repeat(20) }));
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('tetherd is not listening on http://127.0.0.1:1');
  });
});

describe('exit 2: bad usage or input, refused before contacting the daemon', () => {
  const cases: [string, string[], RegExp][] = [
    ['a malformed number', ['send', '+49 151', '-m', 'hi'], /a phone number is \+ and 7 to 15 digits/],
    ['a number without +', ['send', '4915112345678', '-m', 'hi'], /needs a \+ and the country code/],
    ['a bad username', ['send', 'u:x.1', '-m', 'hi'], /a username is nickname\.discriminator/],
    ['a group mixed with a number', ['send', NUMBER, '--group', GROUP, '-m', 'hi'], /a group cannot be combined with other recipients/],
    ['two groups', ['send', GROUP, '--group', group(8), '-m', 'hi'], /exactly one group/],
    ['no recipient', ['send', '-m', 'hi'], /no recipient/],
    ['an empty message', ['send', NUMBER, '-m', ''], /the message is empty/],
    ['a blank message', ['send', NUMBER, '-m', '  '], /the message is empty/],
    ['an unknown flag', ['status', '--bogus'], /unknown option '--bogus'/],
    ['an unknown command', ['sned'], /unknown command 'sned'/],
    ['a bad --timeout', ['send', NUMBER, '-m', 'hi', '--wait', '--timeout', 'soon'], /expected seconds/],
    ['a bad --since', ['receive', '--since', 'yesterday'], /an event id .* or "all"/],
    ['a bad --state', ['outbox', '--state', 'lost'], /Allowed choices are queued/],
    ['a bad --limit', ['outbox', '--limit', '0'], /from 1 to 10000/],
    ['retry without an id', ['outbox', 'retry'], /missing required argument 'id'/],
    ['challenge without the captcha', ['challenge', 'token'], /missing required argument 'captcha'/],
    ['a missing attachment', ['send', NUMBER, '--attach', '/nonexistent/file.png'], /cannot attach \/nonexistent\/file\.png: ENOENT/],
  ];
  it.each(cases)('%s', async (_name, args, message) => {
    const result = await runTether(args, env);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('refuses empty stdin when -m is absent', async () => {
    const result = await runTether(['send', NUMBER], env, '\n');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the message is empty');
  });

  it('refuses attachments over TETHER_MAX_ATTACHMENT_MB before reading or sending them', async () => {
    const file = path.join(dir, 'big.bin');
    await writeFile(file, Buffer.alloc(1024 * 1024 + 1));
    const result = await runTether(['send', NUMBER, '-m', 'hi', '--attach', file], { ...env, TETHER_MAX_ATTACHMENT_MB: '1' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/over the 1\.0 MiB limit per message \(TETHER_MAX_ATTACHMENT_MB\)/);
  });

  it('prints usage errors as JSON with --json', async () => {
    const result = await runTether(['send', 'nobody', '-m', 'hi', '--json'], env);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({ error: { code: 'invalid-recipient', message: expect.stringContaining('not a recipient') as string, field: 'recipients', exitCode: 2 } });
  });

  it('needs TETHER_TOKEN with TETHER_URL', async () => {
    const result = await runTether(['status'], baseEnv({ TETHER_URL: 'http://127.0.0.1:8765' }));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('TETHER_URL needs TETHER_TOKEN');
  });

  it('shows help with exit 0, and help on stderr with exit 2 when no command is given', async () => {
    const help = await runTether(['--help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes: 0 success, 1 the operation failed, 2 bad usage or input, 3 tetherd unreachable.');
    const helpSend = await runTether(['help', 'send'], env);
    expect(helpSend.code).toBe(0);
    expect(helpSend.stdout).toContain('--attach <file>');
    const none = await runTether([], env);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: tether');
  });
});
