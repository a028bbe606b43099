import { ApiError, ProtocolError, UnreachableError } from '@tether/client';
import { describe, expect, it } from 'vitest';
import type { Connection } from './connection.js';
import { exitErrorFor } from './exit-mapping.js';

const socket: Connection = { kind: 'socket', socketPath: '/run/t.sock' };
const system = (code: string, message = code): Error => Object.assign(new Error(message), { code });

describe('exitErrorFor', () => {
  it("keeps the daemon's code and field; input refusals exit 2, others 1", () => {
    expect(exitErrorFor(new ApiError(400, 'invalid-recipient', 'not a recipient', 'recipients'), socket)?.toJson()).toEqual({
      error: { code: 'invalid-recipient', message: 'not a recipient', field: 'recipients', exitCode: 2 },
    });
    expect(exitErrorFor(new ApiError(413, 'too-large', 'too large'), socket)?.code).toBe(2);
    expect(exitErrorFor(new ApiError(404, 'not-found', 'no message x'), socket)?.code).toBe(1);
    expect(exitErrorFor(new ApiError(409, 'conflict', 'sending'), socket)?.code).toBe(1);
  });

  it('says a 401 is about TETHER_TOKEN (exit 2)', () => {
    const error = exitErrorFor(new ApiError(401, 'unauthorized', 'a valid token is required'), socket);
    expect([error?.code, error?.message]).toEqual([2, 'tetherd refused TETHER_TOKEN: a valid token is required']);
  });

  it('is exit 3 with a hint when nobody listens or the socket is not ours, else exit 1', () => {
    const nobody = new UnreachableError('x', { target: '/run/t.sock', connected: false, ambiguous: false, cause: system('ENOENT') });
    expect(exitErrorFor(nobody, socket)).toMatchObject({ code: 3, reason: 'unreachable', message: expect.stringContaining('tetherd is not running on /run/t.sock') as string });
    const denied = new UnreachableError('x', { target: '/run/t.sock', connected: false, ambiguous: false, cause: system('EACCES') });
    expect(exitErrorFor(denied, socket)?.message).toBe('permission denied on /run/t.sock: run tether as the user that runs tetherd (the socket is 0600)');
    const broke = new UnreachableError('x', { target: '/run/t.sock', connected: true, ambiguous: true, cause: system('ECONNRESET', 'read ECONNRESET') });
    expect(exitErrorFor(broke, socket)).toMatchObject({
      code: 1,
      reason: 'connection-lost',
      message: 'the connection to tetherd on /run/t.sock broke: read ECONNRESET. It may or may not have acted on the request: check with `tether outbox`.',
    });
  });

  it('is exit 1 for an answer it cannot read, and leaves other errors alone', () => {
    expect(exitErrorFor(new ProtocolError('not JSON', 200), socket)?.code).toBe(1);
    expect(exitErrorFor(new Error('x'), socket)).toBeUndefined();
  });
});
