// Every error code the protocol names has exactly one HTTP status, and the table keeps the
// contract's (DECISIONS.md §8) meaning for each family.
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../protocol/index.js';
import { HTTP_STATUS, httpStatus } from './status-codes.js';

describe('the status table', () => {
  it('maps every code, and only codes of the protocol', () => {
    expect(Object.keys(HTTP_STATUS).sort()).toEqual([...ERROR_CODES].sort());
    for (const code of ERROR_CODES) expect(httpStatus(code), code).toBeGreaterThanOrEqual(400);
  });

  it('keeps the contract: bad input 400, missing 404, conflicts 409, too large 413, full 507, busy and storage failures 503', () => {
    for (const code of ERROR_CODES.filter((each) => each.startsWith('invalid-') || each === 'empty-message')) expect(httpStatus(code), code).toBe(400);
    expect([httpStatus('unauthorized'), httpStatus('not-found'), httpStatus('method-not-allowed')]).toEqual([401, 404, 405]);
    expect([httpStatus('conflict'), httpStatus('idempotency-conflict'), httpStatus('too-large')]).toEqual([409, 409, 413]);
    expect([httpStatus('outbox-full'), httpStatus('shutting-down'), httpStatus('busy'), httpStatus('challenge-failed')]).toEqual([507, 503, 503, 502]);
    expect([httpStatus('storage-failed'), httpStatus('internal')]).toEqual([503, 500]);
  });
});
