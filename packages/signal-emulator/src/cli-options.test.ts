import { describe, expect, it } from 'vitest';
import { parseCommandLine } from './cli-options.js';

const account = '+4915112345678';

describe('parseCommandLine', () => {
  it('defaults to REST on 8080 with the real ping interval', () => {
    expect(parseCommandLine(['--account', account], '/work')).toEqual({
      kind: 'run',
      json: false,
      options: { account, rest: { port: 8080 }, restPingIntervalMs: 54_000, sendResponseShape: '0.100' },
    });
  });

  it('reads JSON-RPC listeners, the admin port and the record file', () => {
    const parsed = parseCommandLine(
      ['--account', account, '--no-rest', '--jsonrpc', 'tcp://127.0.0.1:0', '--jsonrpc', 'unix:sock', '--receive-mode', 'manual', '--admin-port', '0', '--record', 'sent.ndjson', '--json'],
      '/work',
    );
    expect(parsed).toMatchObject({
      kind: 'run',
      json: true,
      options: {
        rest: false,
        jsonRpc: { tcp: { port: 0 }, unix: '/work/sock', receiveMode: 'manual' },
        admin: { port: 0 },
        recordFile: '/work/sent.ndjson',
      },
    });
  });

  it('serves several accounts when --account repeats, and reads the redial interval and on-connection', () => {
    const parsed = parseCommandLine(
      ['--account', account, '--account', '+4915100000002', '--jsonrpc', 'tcp://127.0.0.1:0', '--receive-mode', 'on-connection', '--redial-interval-ms', '100'],
      '/work',
    );
    expect(parsed).toMatchObject({
      kind: 'run',
      options: { account, accounts: [account, '+4915100000002'], jsonRpc: { receiveMode: 'on-connection' }, restRedialIntervalMs: 100 },
    });
  });

  it.each([
    [[], 'required option'],
    [['--account', '4915112345678'], 'E.164'],
    [['--account', account, '--port', 'x'], 'port'],
    [['--account', account, '--jsonrpc', 'tcp://0.0.0.0:1'], 'loopback'],
    [['--account', account, '--receive-mode', 'later'], 'Allowed choices'],
    [['--account', account, '--no-rest'], '--no-rest needs'],
    [['--account', account, '--bogus'], 'unknown option'],
  ])('exits 2 on %j', (argv, message) => {
    const parsed = parseCommandLine(argv);
    expect(parsed).toMatchObject({ kind: 'exit', code: 2 });
    expect(parsed.kind === 'exit' && parsed.output).toContain(message);
  });

  it('exits 0 with the usage on --help', () => {
    const parsed = parseCommandLine(['--help']);
    expect(parsed).toMatchObject({ kind: 'exit', code: 0 });
    expect(parsed.kind === 'exit' && parsed.output).toContain('--receive-mode');
  });
});
