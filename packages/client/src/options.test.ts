import { describe, expect, it } from 'vitest';
import { CLIENT_DEFAULTS, describeTarget, resolveOptions } from './options.js';

describe('resolveOptions', () => {
  it('finds the socket by the rule tetherd and tether share', () => {
    expect(resolveOptions({ env: { TETHER_SOCKET: '/run/t.sock' } }).target).toEqual({ kind: 'socket', path: '/run/t.sock' });
    expect(resolveOptions({ env: { XDG_RUNTIME_DIR: '/run/user/1000' } }).target).toEqual({ kind: 'socket', path: '/run/user/1000/tether.sock' });
    expect(resolveOptions({ env: { TETHER_STATE_DIR: '/srv/tether' } }).target).toEqual({ kind: 'socket', path: '/srv/tether/tether.sock' });
    expect(resolveOptions({ socket: '/tmp/x.sock', env: { TETHER_SOCKET: '/run/t.sock' } }).target).toEqual({ kind: 'socket', path: '/tmp/x.sock' });
  });

  it('uses TETHER_URL with TETHER_TOKEN, or url and token given', () => {
    const fromEnv = resolveOptions({ env: { TETHER_URL: 'http://127.0.0.1:8765', TETHER_TOKEN: 'secret' } }).target;
    expect(fromEnv.kind === 'tcp' && [fromEnv.url.origin, fromEnv.token]).toEqual(['http://127.0.0.1:8765', 'secret']);
    const given = resolveOptions({ url: 'http://127.0.0.1:9000/tether/', token: 't' }).target;
    expect(describeTarget(given)).toBe('http://127.0.0.1:9000');
  });

  it('refuses a TCP target without a token, a bad URL or another scheme', () => {
    expect(() => resolveOptions({ env: { TETHER_URL: 'http://127.0.0.1:8765' } })).toThrow(/needs a token/);
    expect(() => resolveOptions({ url: 'not a url', token: 't' })).toThrow(TypeError);
    expect(() => resolveOptions({ url: 'https://127.0.0.1:1', token: 't' })).toThrow(/http:\/\//);
  });

  it('has one default per option and checks the numbers', () => {
    const resolved = resolveOptions({ socket: '/s' });
    expect(resolved).toMatchObject({ requestTimeoutMs: CLIENT_DEFAULTS.requestTimeoutMs, keepAliveMs: 4_000, reconnectBackoff: { initialMs: 100, maxMs: 5_000, jitter: 'full' } });
    expect(() => resolveOptions({ socket: '/s', requestTimeoutMs: 0 })).toThrow(RangeError);
    expect(() => resolveOptions({ socket: '/s', reconnectBackoff: { initialMs: 10, factor: 0.5, maxMs: 100, jitter: 'full' } })).toThrow(RangeError);
  });
});
