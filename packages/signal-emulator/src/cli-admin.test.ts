import { describe, expect, it } from 'vitest';
import { parseAdminCommandLine } from './cli-admin.js';

const admin = ['--admin', 'http://127.0.0.1:8080/'];

describe('parseAdminCommandLine', () => {
  it.each([
    [['fault', 'restart-signal-cli', '--ms', '3000'], '/faults/restart-signal-cli', { ms: 3000 }],
    [['fault', 'slow-socket-writes', '--ms', '0'], '/faults/slow-socket-writes', { ms: 0 }],
    [['fault', 'deauthorize', '--status', '403', '--account', '+4915112345678'], '/faults/deauthorize', { status: 403, account: '+4915112345678' }],
    [['fault', 'signal-cli', '--state', 'down'], '/faults/signal-cli', { state: 'down' }],
    [['fault', 'clear'], '/faults/clear', {}],
    [['inject', 'message', '--from', '+4915100000001', '--json', '{"text":"hi"}'], '/inject', { text: 'hi', from: '+4915100000001' }],
    [['inject', 'remote-delete', '--json', '{"targetTimestamp":5}'], '/inject/part', { targetTimestamp: 5, part: 'remote-delete' }],
  ])('turns %j into one admin request', (argv, path, body) => {
    expect(parseAdminCommandLine([...argv, ...admin])).toEqual({ kind: 'request', url: 'http://127.0.0.1:8080', path, body });
  });

  it.each([
    [['fault', 'meteor'], 'unknown fault'],
    [['fault', 'restart-signal-cli'], 'needs --ms'],
    [['fault', 'clear', '--ms', '5'], 'takes no --ms'],
    [['fault', 'deauthorize', '--status', '500'], '401 or 403'],
    [['inject', 'hologram'], 'cannot inject'],
    [['inject', 'message', '--json', '[1]'], 'JSON object'],
  ])('exits 2 on %j', (argv, message) => {
    const parsed = parseAdminCommandLine([...argv, ...admin]);
    expect(parsed).toMatchObject({ kind: 'exit', code: 2 });
    expect(parsed.kind === 'exit' && parsed.output).toContain(message);
  });

  it('needs the admin URL', () => {
    expect(parseAdminCommandLine(['fault', 'clear'])).toMatchObject({ kind: 'exit', code: 2, output: expect.stringContaining('--admin') as unknown });
    expect(parseAdminCommandLine(['fault', 'clear', '--admin', 'ftp://x'])).toMatchObject({ kind: 'exit', code: 2 });
  });
});
