import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from './config.js';

const ACCOUNT = '+4915112345678';

function resolve(env: Record<string, string>, flags: Record<string, string> = {}, configFile?: string) {
  return resolveConfig({ env, flags, configFile });
}

describe('resolveConfig', () => {
  it('applies the documented defaults', () => {
    const result = resolve({ TETHER_ACCOUNT: ACCOUNT, HOME: '/home/someone', XDG_STATE_HOME: '/state' });
    expect(result).toMatchObject({
      ok: true,
      settings: {
        signalUrl: 'http://127.0.0.1:8080',
        stateDir: '/state/tether',
        socket: '/state/tether/tether.sock',
        logLevel: 'info',
        receiveMode: undefined,
        unknownPolicy: 'at-least-once',
        outboxMax: 100_000,
        maxAttachmentMb: 100,
        shutdownTimeoutMs: 10_000,
        inboundRetentionHours: 168,
        compatSend: 'wait',
      },
    });
  });

  it('puts the socket in XDG_RUNTIME_DIR when set, else in the state directory', () => {
    expect(resolve({ TETHER_ACCOUNT: ACCOUNT, XDG_RUNTIME_DIR: '/run/user/1' })).toMatchObject({ settings: { socket: '/run/user/1/tether.sock' } });
    expect(resolve({ TETHER_ACCOUNT: ACCOUNT, TETHER_STATE_DIR: '/var/lib/tether' })).toMatchObject({ settings: { socket: '/var/lib/tether/tether.sock' } });
  });

  it('lets flags win over the environment, which wins over the config file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tether-config-'));
    const file = path.join(dir, 'tether.json');
    writeFileSync(file, JSON.stringify({ account: '+4915100000001', logLevel: 'debug', sendTimeoutMs: 1234, allowFrom: ['+4915100000009'] }));
    const result = resolve({ TETHER_ACCOUNT: '+4915100000002', TETHER_LOG_LEVEL: 'warn' }, { logLevel: 'error' }, file);
    expect(result).toMatchObject({ ok: true, settings: { account: '+4915100000002', logLevel: 'error', sendTimeoutMs: 1234, allowFrom: ['+4915100000009'] } });
  });

  it('names the setting, where it came from, and the fix for each bad value, all at once', () => {
    const result = resolve({ TETHER_ACCOUNT: '0151', TETHER_SEND_TIMEOUT_MS: 'soon', TETHER_UNKNOWN_POLICY: 'maybe' }, { signalUrl: 'ftp://x' });
    expect(result.ok).toBe(false);
    const errors = result.ok ? [] : result.errors;
    expect(errors).toHaveLength(4);
    expect(errors.join('\n')).toMatch(/TETHER_SIGNAL_URL \(--signal-url\).*unsupported scheme/);
    expect(errors.join('\n')).toMatch(/TETHER_ACCOUNT \(TETHER_ACCOUNT\) must be the account number in E\.164/);
    expect(errors.join('\n')).toMatch(/TETHER_SEND_TIMEOUT_MS .* whole number/);
    expect(errors.join('\n')).toMatch(/TETHER_UNKNOWN_POLICY .* one of at-least-once, at-most-once/);
  });

  it('requires the account', () => {
    expect(resolve({})).toMatchObject({ ok: false, errors: [expect.stringMatching(/TETHER_ACCOUNT is required/)] });
  });

  it('refuses a non-loopback listener and TCP without a token', () => {
    expect(resolve({ TETHER_ACCOUNT: ACCOUNT, TETHER_LISTEN: '0.0.0.0:8765', TETHER_TOKEN_FILE: '/x' })).toMatchObject({
      ok: false,
      errors: [expect.stringMatching(/loopback/)],
    });
    expect(resolve({ TETHER_ACCOUNT: ACCOUNT, TETHER_LISTEN: '127.0.0.1:8765' })).toMatchObject({ ok: false, errors: [expect.stringMatching(/needs TETHER_TOKEN_FILE/)] });
    expect(resolve({ TETHER_ACCOUNT: ACCOUNT, TETHER_LISTEN: '[::1]:8765', TETHER_TOKEN_FILE: '/x' })).toMatchObject({ ok: true, settings: { listen: { host: '::1', port: 8765 } } });
  });

  it('takes only loopback IP literals, never a name that might resolve elsewhere', () => {
    for (const listen of ['127.0.0.1.nip.io:8765', 'localhost:8765', '127.0.0.256:8765', '127.1:8765', '[::ffff:127.0.0.1]:8765']) {
      expect(resolve({ TETHER_ACCOUNT: ACCOUNT, TETHER_COMPAT_LISTEN: listen }), listen).toMatchObject({ ok: false, errors: [expect.stringMatching(/TETHER_COMPAT_LISTEN .*loopback IP/)] });
    }
    expect(resolve({ TETHER_ACCOUNT: ACCOUNT, TETHER_COMPAT_LISTEN: '127.8.9.10:0' })).toMatchObject({ ok: true, settings: { compatListen: { host: '127.8.9.10', port: 0 } } });
  });

  it('reports an unreadable, invalid or unknown-keyed config file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tether-config-'));
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{ not json');
    expect(resolve({ TETHER_ACCOUNT: ACCOUNT }, {}, bad)).toMatchObject({ ok: false, errors: [expect.stringMatching(/not valid JSON/)] });
    expect(resolve({ TETHER_ACCOUNT: ACCOUNT }, {}, path.join(dir, 'missing.json'))).toMatchObject({ ok: false, errors: [expect.stringMatching(/cannot be read: ENOENT/)] });
    const unknown = path.join(dir, 'unknown.json');
    writeFileSync(unknown, JSON.stringify({ acount: ACCOUNT }));
    expect(resolve({ TETHER_ACCOUNT: ACCOUNT }, {}, unknown)).toMatchObject({ ok: false, errors: [expect.stringMatching(/"acount" .* is not a setting/)] });
    const array = path.join(dir, 'array.json');
    writeFileSync(array, '[]');
    expect(resolve({ TETHER_ACCOUNT: ACCOUNT }, {}, array)).toMatchObject({ ok: false, errors: [expect.stringMatching(/one JSON object/)] });
  });

  it('checks allowlist entries and caps durations at the longest timer', () => {
    expect(resolve({ TETHER_ACCOUNT: ACCOUNT, TETHER_ALLOW_FROM: '+4915100000001, 4915100000002' })).toMatchObject({ ok: false, errors: [expect.stringMatching(/ALLOW_FROM .*1 entry is neither/)] });
    expect(resolve({ TETHER_ACCOUNT: ACCOUNT, TETHER_ALLOW_FROM: '+4915100000001,0B1C2D3E-0000-4000-8000-000000000001' })).toMatchObject({ ok: true });
    expect(resolve({ TETHER_ACCOUNT: ACCOUNT, TETHER_COMPAT_WAIT_MS: String(2 ** 31) })).toMatchObject({ ok: false, errors: [expect.stringMatching(/COMPAT_WAIT_MS .*2147483647/)] });
  });

  it('checks combinations: backoff bounds and webhook secret', () => {
    expect(resolve({ TETHER_ACCOUNT: ACCOUNT, TETHER_BACKOFF_INITIAL_MS: '5000', TETHER_BACKOFF_MAX_MS: '100' })).toMatchObject({ ok: false, errors: [expect.stringMatching(/must not be below/)] });
    expect(resolve({ TETHER_ACCOUNT: ACCOUNT, TETHER_WEBHOOK_URL: 'http://127.0.0.1:9/hook' })).toMatchObject({ ok: false, errors: [expect.stringMatching(/WEBHOOK_SECRET/)] });
  });
});
