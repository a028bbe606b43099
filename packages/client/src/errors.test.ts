import { TetherError } from '@tether/core';
import { describe, expect, it } from 'vitest';
import { ApiError, apiErrorFrom, isDaemonAway, ProtocolError, UnreachableError } from './errors.js';

describe('apiErrorFrom', () => {
  it("keeps the API's code, message, field and status", () => {
    const error = apiErrorFrom(400, '{"error":{"code":"invalid-recipient","message":"not a recipient","field":"recipients"}}');
    expect(error).toMatchObject({ code: 'invalid-recipient', message: 'not a recipient', field: 'recipients', status: 400, name: 'ApiError' });
  });

  it('keeps the status of an answer that is not the API shape (a proxy, say)', () => {
    expect(apiErrorFrom(502, '<html>Bad Gateway</html>')).toMatchObject({ code: 'http-502', message: 'tetherd answered HTTP 502', field: undefined });
    expect(apiErrorFrom(500, '{"error":"plain"}')).toMatchObject({ code: 'http-500' });
  });
});

describe('error brands', () => {
  it('recognise each class, also as a TetherError, and nothing else', () => {
    const api = new ApiError(404, 'not-found', 'no message x');
    const unreachable = new UnreachableError('nobody there', { target: '/run/t.sock', connected: false, ambiguous: false, cause: Object.assign(new Error('x'), { code: 'ENOENT' }) });
    const protocol = new ProtocolError('not JSON', 200);
    expect([ApiError.isInstance(api), UnreachableError.isInstance(api), ProtocolError.isInstance(api)]).toEqual([true, false, false]);
    expect([ApiError.isInstance(unreachable), UnreachableError.isInstance(unreachable), TetherError.isInstance(unreachable)]).toEqual([false, true, true]);
    expect(ProtocolError.isInstance(protocol)).toBe(true);
    expect(ApiError.isInstance(Object.assign(new Error('x'), { code: 'not-found', status: 404 }))).toBe(false);
    expect(unreachable.systemCode).toBe('ENOENT');
  });

  it('calls tetherd away when unreachable or shutting down, not when it refuses', () => {
    expect(isDaemonAway(new UnreachableError('x', { target: 't', connected: true, ambiguous: true }))).toBe(true);
    expect(isDaemonAway(new ApiError(503, 'shutting-down', 'x'))).toBe(true);
    expect(isDaemonAway(new ApiError(507, 'outbox-full', 'x'))).toBe(false);
    expect(isDaemonAway(new Error('x'))).toBe(false);
  });
});
