import { describe, expect, it } from 'vitest';
import { ExitError } from '../exit-error.js';
import { resolveConnection, unreachableHint } from './connection.js';

describe('resolveConnection', () => {
  it('uses TETHER_SOCKET, else the daemon default rule', () => {
    expect(resolveConnection({ TETHER_SOCKET: '/run/t.sock' }, '/home/a')).toEqual({ kind: 'socket', socketPath: '/run/t.sock' });
    expect(resolveConnection({ XDG_RUNTIME_DIR: '/run/user/1000' }, '/home/a')).toEqual({ kind: 'socket', socketPath: '/run/user/1000/tether.sock' });
    expect(resolveConnection({ TETHER_STATE_DIR: '/srv/tether' }, '/home/a')).toEqual({ kind: 'socket', socketPath: '/srv/tether/tether.sock' });
    expect(resolveConnection({}, '/home/a')).toEqual({ kind: 'socket', socketPath: '/home/a/.local/state/tether/tether.sock' });
  });

  it('uses TETHER_URL with TETHER_TOKEN, and refuses it without a token or with a bad URL (exit 2)', () => {
    const tcp = resolveConnection({ TETHER_URL: 'http://127.0.0.1:8765', TETHER_TOKEN: 'secret' }, '/home/a');
    expect(tcp).toMatchObject({ kind: 'tcp', token: 'secret' });
    for (const env of [{ TETHER_URL: 'http://127.0.0.1:8765' }, { TETHER_URL: 'not a url', TETHER_TOKEN: 't' }, { TETHER_URL: 'https://x:1', TETHER_TOKEN: 't' }]) {
      let error: unknown;
      try {
        resolveConnection(env, '/home/a');
      } catch (caught) {
        error = caught;
      }
      expect(ExitError.isInstance(error) && error.code).toBe(2);
    }
  });

  it('says how to start tetherd when it is unreachable', () => {
    expect(unreachableHint({ kind: 'socket', socketPath: '/run/t.sock' })).toBe(
      'tetherd is not running on /run/t.sock: start it with `tetherd --account +<your number>` or set TETHER_SOCKET to its socket',
    );
  });
});
