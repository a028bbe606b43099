// End to end: the built CLI as its own process, driven over HTTP and JSON-RPC, stopped by signals.
import { join } from 'node:path';
import { request, tempDir } from '@tether/test-helpers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { admin, post } from './helpers/http.js';
import { JsonRpcClient } from './helpers/json-rpc-client.js';
import { ensureBuilt, runCli, type CliProcess } from './helpers/cli-process.js';

const account = '+4915112345678';
const friend = '+4915100000001';
const directory = tempDir();
const running: CliProcess[] = [];

interface Ready {
  account: string;
  restUrl: string | null;
  jsonRpcUrl: string | null;
  jsonRpcUrls: string[];
  adminUrl: string | null;
}

async function start(args: readonly string[]): Promise<{ process: CliProcess; ready: Ready }> {
  const cli = runCli(['--account', account, '--json', ...args]);
  running.push(cli);
  const line = await Promise.race([cli.lines.next(), cli.exited.then((exit) => Promise.reject(new Error(exit.stderr)))]);
  return { process: cli, ready: JSON.parse(line) as Ready };
}

beforeAll(() => ensureBuilt(), 120_000);
afterEach(() => {
  for (const cli of running.splice(0)) if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
});
afterAll(() => directory.remove());

describe('tether-signal-emulator', () => {
  it('prints its URLs as JSON, serves REST, JSON-RPC and admin, and exits 0 on SIGTERM', async () => {
    const { process, ready } = await start(['--port', '0', '--jsonrpc', 'tcp://127.0.0.1:0', '--receive-mode', 'manual']);
    expect(ready).toMatchObject({ account: '+49…5678', restUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) as unknown });
    const rest = ready.restUrl ?? '';
    expect((await post(`${rest}/v2/send`, { number: account, recipients: [friend], message: 'hi' })).status).toBe(201);
    const client = await JsonRpcClient.connect(ready.jsonRpcUrl ?? '');
    await admin(rest, '/inject', { text: 'queued for the daemon' });
    await client.request('subscribeReceive');
    expect(((await client.notifications.next()).params as { result: { envelope: { dataMessage: { message: string } } } }).result.envelope.dataMessage.message).toBe(
      'queued for the daemon',
    );
    expect(await admin(rest, '/sent')).toMatchObject([{ backend: 'rest', message: 'hi' }]);
    process.child.kill('SIGTERM');
    expect((await process.exited).code).toBe(0);
    await client.closed;
  });

  it('keeps the record file across process restarts', async () => {
    const record = join(directory.path, 'sent.ndjson');
    const first = await start(['--port', '0', '--record', record]);
    await post(`${first.ready.restUrl ?? ''}/v2/send`, { number: account, recipients: [friend], message: 'before' });
    first.process.child.kill('SIGINT');
    expect((await first.process.exited).code).toBe(0);
    const second = await start(['--port', '0', '--record', record]);
    expect(await admin(second.ready.restUrl ?? '', '/sent')).toMatchObject([{ message: 'before' }]);
  });

  it('serves the admin API on its own port when REST is off', async () => {
    const { ready } = await start(['--no-rest', '--jsonrpc', 'tcp://127.0.0.1:0', '--admin-port', '0']);
    expect(ready.restUrl).toBeNull();
    expect(await admin(ready.adminUrl ?? '', '/stats')).toMatchObject({ jsonRpcClients: 0 });
    expect((await request(`${ready.adminUrl ?? ''}/v1/about`)).status).toBe(404);
  });

  it('serves two accounts, and its fault and inject commands drive a running emulator', async () => {
    const { ready } = await start(['--account', '+4915100000002', '--port', '0']);
    const rest = ready.restUrl ?? '';
    expect((await request(`${rest}/v1/accounts`)).json).toEqual([account, '+4915100000002']);
    const deauthorized = runCli(['fault', 'deauthorize', '--status', '403', '--admin', rest]);
    expect((await deauthorized.exited).code).toBe(0);
    expect((await post(`${rest}/v2/send`, { number: account, recipients: [friend], message: 'x' })).json).toEqual({
      error: 'Failed to send message: [403] Authorization failed! (AuthorizationFailedException) (UnexpectedErrorException)',
    });
    const injected = runCli(['inject', 'poll-terminate', '--account', '+4915100000002', '--json', '{"targetTimestamp":7}', '--admin', rest]);
    expect(JSON.parse(await injected.lines.next())).toMatchObject({ envelope: { dataMessage: { pollTerminate: { targetSentTimestamp: 7 } } } });
    expect((await injected.exited).code).toBe(0);
    const refused = runCli(['inject', 'pin', '--json', '{}', '--admin', rest]);
    expect(await refused.exited).toMatchObject({ code: 1, stderr: expect.stringContaining('targetAuthor is required') as unknown });
  });

  it('prints a plain ready line without --json', async () => {
    const cli = runCli(['--account', account, '--port', '0']);
    running.push(cli);
    expect(await cli.lines.next()).toMatch(/^signal emulator ready for \+49…5678: rest=http:\/\/127\.0\.0\.1:\d+$/);
  });

  it.each([
    [['--account', 'nope'], 'E.164'],
    [['--account', account, '--jsonrpc', 'tcp://10.0.0.1:7583'], 'loopback'],
    [['--account', account, '--ping-interval-ms', '0'], 'positive integer'],
    [['--account', account, '--frobnicate'], 'unknown option'],
  ])('exits 2 with a message and no stack trace for %j', async (args, message) => {
    const cli = runCli(args);
    const exit = await cli.exited;
    expect(exit.code).toBe(2);
    expect(exit.stderr).toContain(message);
    expect(exit.stderr).not.toMatch(/\n\s+at /);
  });
});
